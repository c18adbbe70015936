"""Builds started from the browser: run in worker threads, one at a time per case, up to --jobs at once,
each on a LibreOffice kept running between builds (api.LibreOfficePool).

A build spends nearly all its time in LibreOffice (a child process), so
threads keep the server responsive without the cost of a process pool, and
the build reports its steps straight into the job the page polls.
"""
from __future__ import annotations

import sys
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from assembler import api
from assembler.casefile.case import case_settings
from assembler.errors import BUG, Finding, InvalidSettingsError, said
from assembler.progress import Progress

# The steps of a build in the order build.py announces them, for the progress bar.
STEPS = ["validate", "check templates", "render templates", "prepare exhibits", "convert", "settle the index",
         "assemble", "check the filing", "write"]
STEP_WORDS = {
    "validate": "Checking the case", "check templates": "Checking the templates",
    "render templates": "Filling in the Word documents", "prepare exhibits": "Preparing the exhibits",
    "convert": "Converting the documents to PDF (LibreOffice)", "settle the index": "Numbering the index",
    "assemble": "Putting the filing together", "check the filing": "Checking the filing",
    "write": "Saving the filing",
}
# The court papers go through the same steps (court.py): the words that name the filing say "papers" there.
COURT_STEP_WORDS = {**STEP_WORDS, "settle the index": "Numbering the pages", "assemble": "Putting the papers together",
                    "check the filing": "Checking the papers", "write": "Saving the papers"}
# A job still running after this long is given up as failed (a LibreOffice that hangs), so the page says so
# and a new press can start again, rather than "Building…" for ever.
DEADLINE = 600.0


@dataclass
class Job:
    case: str
    state: str = "queued"  # queued, running, done, failed
    step: str = ""
    fraction: float = 0.0
    started: float = field(default_factory=time.time)
    finished: float | None = None
    filing: str = ""  # file name inside out/
    files: list[str] = field(default_factory=list)  # the court papers' files inside out/
    words: dict[str, str] = field(default_factory=lambda: STEP_WORDS)
    pages: int | None = None
    warnings: list[Finding] = field(default_factory=list)
    message: str = ""  # why it failed, as the CLI would say it
    problems: list[Finding] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return self.state in ("queued", "running")

    def to_json(self) -> dict:
        from assembler.web.cases import finding_json
        return {"case": self.case, "state": self.state, "step": self.step,
                "step_text": self.words.get(self.step, self.step), "fraction": round(self.fraction, 3),
                "filing": self.filing, "files": self.files, "pages": self.pages, "message": self.message,
                "warnings": [finding_json(w) for w in self.warnings],
                "problems": [finding_json(p) for p in self.problems]}


class PublishingProgress(Progress):
    """Progress that also tells the job which step the build is at."""

    def __init__(self, job: Job, lock: threading.Lock):
        super().__init__(enabled=False)
        self.job, self.lock = job, lock

    def step(self, what: str) -> None:
        super().step(what)
        key = "convert" if what.startswith("convert") else what
        with self.lock:
            self.job.state, self.job.step = "running", key
            if key in STEPS:
                self.job.fraction = max(self.job.fraction, STEPS.index(key) / len(STEPS))


class Builds:
    def __init__(self, jobs: int = 2, options: api.CommandOptions = api.NO_OPTIONS, keep: bool = False):
        self.pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="pdpacket-build")
        self.lock = threading.Lock()
        self.jobs: dict[str, Job] = {}
        self.court: dict[str, Job] = {}  # the court papers' jobs (court_page.py), apart from the builds
        self.options = options
        self.offices = api.LibreOfficePool(keep)

    def start(self, name: str, folder: Path) -> Job:
        """Start a build of the case, unless one is already queued or running (then that one is returned)."""
        with self.lock:
            job = self.jobs.get(name)
            if job is not None and job.active:
                return job
            job = self.jobs[name] = Job(name)
        self.pool.submit(self._run, job, folder, _build)
        return job

    def start_court(self, name: str, folder: Path) -> Job:
        """Make the case's court papers (api.court_papers), unless that is queued or running already."""
        with self.lock:
            job = self._overdue(self.court.get(name))
            if job is not None and job.active:
                return job
            job = self.court[name] = Job(name, words=COURT_STEP_WORDS)
        self.pool.submit(self._run, job, folder, _court)
        return job

    def get(self, name: str) -> Job | None:
        with self.lock:
            return self.jobs.get(name)

    def get_court(self, name: str) -> Job | None:
        with self.lock:
            return self._overdue(self.court.get(name))

    def _overdue(self, job: Job | None) -> Job | None:
        """The job, marked failed if it ran past its deadline (called with the lock held)."""
        if job is not None and job.active and time.time() - job.started > DEADLINE:
            job.state, job.finished = "failed", time.time()
            job.message = (f"This did not finish within {int(DEADLINE // 60)} minutes, so it was given up: press the "
                           "button again; if it stops again, ask whoever installed pdpacket to look at the terminal "
                           "that runs it")
        return job

    def _run(self, job: Job, folder: Path, make) -> None:
        lo, settings = None, None
        try:
            settings = case_settings(folder, self.options)
            lo = self.offices.take(settings)
            values = make(folder, api.BuildOptions(self.options.settings_file, lo=lo),
                          PublishingProgress(job, self.lock))
        except Exception as exc:  # noqa: BLE001 - a bug must not kill the worker; the page says so, stderr has the details
            told = said(exc)
            message = told.message
            if told.bug:
                traceback.print_exc(file=sys.stderr)
                message = f"{BUG}: the details are in the terminal that runs `pdpacket serve`; please report it"
            elif isinstance(exc, InvalidSettingsError):  # not the case's fields: say which file to open
                files = sorted({p.file for p in told.problems if p.file})
                message += f" ({', '.join(files)})" if files else ""
            self._finish(job, "failed", message=message, problems=told.problems)
        else:
            self._finish(job, "done", **values)
        finally:
            if lo is not None and settings is not None:
                self.offices.give_back(settings, lo)

    def _finish(self, job: Job, state: str, **values) -> None:
        with self.lock:
            if not job.active:  # given up at its deadline: the page said so already
                return
            for key, value in values.items():
                setattr(job, key, value)
            job.state, job.finished = state, time.time()
            if state == "done":
                job.fraction = 1.0

    def shutdown(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.offices.close()


def _build(folder: Path, options: api.BuildOptions, progress: Progress) -> dict:
    result = api.build(folder, options=options, progress=progress)
    return {"filing": result.filing.name, "pages": result.pages, "warnings": result.warnings}


def _court(folder: Path, options: api.BuildOptions, progress: Progress) -> dict:
    result = api.court_papers(folder, options=options, progress=progress)
    return {"files": [f.name for f in result.files], "pages": result.pages, "warnings": result.warnings}
