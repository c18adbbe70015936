"""Builds started from the browser: run in worker threads, one at a time per case, up to --jobs at once,
each on a LibreOffice kept running between builds (Offices).

A build spends nearly all its time in LibreOffice (a child process), so
threads keep the server responsive without the cost of a process pool, and
the build reports its steps straight into the job the page polls.
"""
from __future__ import annotations

import contextlib
import sys
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from assembler import api, workspace
from assembler.casefile.case import case_settings
from assembler.casefile.settings import Settings
from assembler.convert.office import libreoffice, libreoffice_key
from assembler.convert.renders import LibreOffice
from assembler.errors import Finding, InvalidCaseError, InvalidSettingsError, PdpacketError
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


@dataclass
class Job:
    case: str
    state: str = "queued"  # queued, running, done, failed
    step: str = ""
    fraction: float = 0.0
    started: float = field(default_factory=time.time)
    finished: float | None = None
    filing: str = ""  # file name inside out/
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
                "step_text": STEP_WORDS.get(self.step, self.step), "fraction": round(self.fraction, 3),
                "filing": self.filing, "pages": self.pages, "message": self.message,
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


class Offices:
    """LibreOffices kept running between the web app's builds, one per build running at once.

    A build of its own starts LibreOffice (about a second) and stops it; here a build
    takes a running one and gives it back (warm.Office restarts it after so many
    conversions, a crash or a hang). Stopped, profiles removed, by close()."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.free: list[tuple[tuple, LibreOffice]] = []
        self.stack = contextlib.ExitStack()
        self.closed = False

    def take(self, settings: Settings) -> LibreOffice | None:
        """A LibreOffice for one build; None once the web app is stopping (the build starts its own)."""
        key = libreoffice_key(settings)
        stale = []
        with self.lock:
            if self.closed:
                return None
            found = None
            for i, (k, _) in enumerate(self.free):
                if k == key:
                    found = self.free.pop(i)[1]
                    break
            if found is not None and any(c.unavailable or c.closed for c in found.kept):
                # It failed once (a convert-server down for a moment, a start that failed): a
                # LibreOffice marks itself unusable for good, so the next build gets a fresh one.
                stale.append(found)
                found = None
            if found is None:
                work = self.stack.enter_context(workspace.workdir())
                found = self.stack.enter_context(libreoffice(settings, work))
        for lo in stale:
            lo.close()
        found.start()
        return found

    def give_back(self, settings: Settings, lo: LibreOffice) -> None:
        with self.lock:
            if not self.closed:
                self.free.append((libreoffice_key(settings), lo))
                return
        lo.close()

    def close(self) -> None:
        with self.lock:
            self.closed = True
            self.free = []
            self.stack.close()


class Builds:
    def __init__(self, jobs: int = 2, settings_file: Path | None = None):
        self.pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="pdpacket-build")
        self.lock = threading.Lock()
        self.jobs: dict[str, Job] = {}
        self.settings_file = settings_file
        self.offices = Offices()

    def start(self, name: str, folder: Path) -> Job:
        """Start a build of the case, unless one is already queued or running (then that one is returned)."""
        with self.lock:
            job = self.jobs.get(name)
            if job is not None and job.active:
                return job
            job = self.jobs[name] = Job(name)
        self.pool.submit(self._run, job, folder)
        return job

    def get(self, name: str) -> Job | None:
        with self.lock:
            return self.jobs.get(name)

    def _run(self, job: Job, folder: Path) -> None:
        lo, settings = None, None
        try:
            settings = case_settings(folder, self.settings_file)
            lo = self.offices.take(settings)
            result = api.build(folder, options=api.BuildOptions(self.settings_file, lo=lo),
                               progress=PublishingProgress(job, self.lock))
        except InvalidCaseError as exc:  # the page lists each problem
            self._finish(job, "failed", message=exc.message, problems=exc.problems)
        except InvalidSettingsError as exc:  # not the case's fields: say which file to open
            files = sorted({p.file for p in exc.problems if p.file})
            self._finish(job, "failed", message=exc.message + (f" ({', '.join(files)})" if files else ""),
                         problems=exc.problems)
        except PdpacketError as exc:
            self._finish(job, "failed", message=exc.message)
        except Exception:  # noqa: BLE001 - a bug must not kill the worker; the page says so, stderr has the details
            traceback.print_exc(file=sys.stderr)
            self._finish(job, "failed", message="internal error (a bug in pdpacket): the details are in the "
                                                "terminal that runs `pdpacket serve`; please report it")
        else:
            self._finish(job, "done", filing=result.filing.name, pages=result.pages, warnings=result.warnings)
        finally:
            if lo is not None and settings is not None:
                self.offices.give_back(settings, lo)

    def _finish(self, job: Job, state: str, **values) -> None:
        with self.lock:
            for key, value in values.items():
                setattr(job, key, value)
            job.state, job.finished = state, time.time()
            if state == "done":
                job.fraction = 1.0

    def shutdown(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.offices.close()
