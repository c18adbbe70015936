"""OCR of scanned exhibits: each exhibit page without text gets an invisible text layer (OCRmyPDF
and Tesseract), in the exhibit's language plus English, so the filing can be searched and read aloud.

A build submits the exhibits whose pages draw no text while it prepares them; one child process
(ocr_worker.py, OCRmyPDF's Python API) reads them while LibreOffice converts the documents, and the
build takes the results before it numbers the pages (OCR never changes a page count). Results are
kept in the cache of converted PDFs (cache.py: the same folder, bound and `pdpacket cache clear`),
under the hash of the exhibit's bytes, the languages, and the OCRmyPDF and Tesseract that read it: the
same exhibit in a rebuild, in another case or in a batch is read once.

Never fatal: no Tesseract, a language whose data is missing, an exhibit OCRmyPDF refuses (a signed
or encrypted PDF) or a page Tesseract does not finish in ocr.page_timeout give a warning naming the
exhibit (and the page), and those pages go into the filing as they were.
"""
from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from assembler import kept, resources, workspace
from assembler.convert.cache import Cache
from assembler.convert.soffice import kill_group, private_temp
from assembler.progress import Progress

ENGLISH = "eng"
INSTALL = "apt-get install"
ENV = "PDPACKET_OCR"  # "off": no OCR in any build of this environment (the test suite's default)
OFF = ("off", "none", "0", "no", "false")
DPKG_STATUS = "/var/lib/dpkg/status"  # rewritten by every package install: part of what Tesseract says


def enabled() -> bool:
    """False when PDPACKET_OCR turns OCR off for every build (the settings and --no-ocr decide otherwise)."""
    return os.environ.get(ENV, "").strip().lower() not in OFF


@dataclass(frozen=True)
class Job:
    owner: object  # what the caller files the result under (a build's part)
    label: str  # "exhibit birth_cert (exhibits/acta.pdf)", for warnings
    source: Path  # the exhibit as a PDF
    languages: tuple[str, ...]
    pages: int
    key: str | None  # its cache key (None: no cache)


@dataclass(frozen=True)
class Read:
    """What OCR made of one exhibit: its PDF (the original when OCR failed) and what to say."""
    pdf: Path
    notices: tuple[str, ...] = ()


@dataclass
class Ocr:
    """One run's OCR: exhibits are submitted, read by one worker process, and taken back by owner."""

    work: Path
    cache: Cache | None
    page_timeout: float = 120
    names: dict[str, str] = field(default_factory=dict)  # the firm's extra language names (ocr.languages)
    progress: Progress | None = None
    _pending: list[Job] = field(default_factory=list)
    _running: list[Job] = field(default_factory=list)
    _proc: subprocess.Popen | None = None
    _done: dict[object, Read] = field(default_factory=dict)
    _notices: dict[object, list[str]] = field(default_factory=dict)  # language warnings, said with the result
    _outputs: list[Path] = field(default_factory=list)
    _log: IO[bytes] | None = None
    _started: float = 0.0
    _said_missing: bool = False

    # --- what a build calls -------------------------------------------------------------------------

    def submit(self, owner: object, source: Path, label: str, language: str | None, pages: int) -> list[str]:
        """Read `source` (its pages without text). Returns warnings about its language."""
        if not tesseract_languages():
            if self._said_missing:
                return []
            self._said_missing = True
            return [f"OCR skipped: Tesseract is not installed, so scanned exhibits stay unsearchable: install it "
                    f"with `{INSTALL} tesseract-ocr tesseract-ocr-eng` (as root), or turn OCR off with --no-ocr"]
        codes, notices = self.languages(language, label)
        key = self.cache.key(source.read_bytes(), "ocr " + "+".join(codes), tools_identity()) if self.cache else None
        if key is not None and self.cache is not None and (entry := self.cache.get(key)) is not None:
            target = self._folder() / f"{len(self._done)}-cached.pdf"
            target.write_bytes(entry.pdf)
            self._done[owner] = Read(target, tuple(notices))
            return []
        self._pending.append(Job(owner, label, source, codes, pages, key))
        self._notices[owner] = notices
        return []

    def start(self) -> None:
        """Start reading what was submitted (at once: the build goes on while the worker reads)."""
        if self._proc is None and self._pending:
            self._launch()

    def take(self, owner: object) -> Read | None:
        """The result for `owner`, waiting for the worker if need be (None: nothing was submitted)."""
        while owner not in self._done and (self._proc is not None or self._pending):
            if self._proc is None:
                self._launch()
            self._wait()
        return self._done.get(owner)

    def close(self) -> None:
        """Stop the worker and every Tesseract it started (Ctrl-C, SIGTERM, the deadline, a failure)."""
        if self._proc is not None:
            kill_group(self._proc)
            self._proc = None
        if self._log is not None:
            self._log.close()

    def __enter__(self) -> Ocr:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- languages ------------------------------------------------------------------------------------

    def languages(self, language: str | None, label: str) -> tuple[tuple[str, ...], list[str]]:
        """The Tesseract codes to read an exhibit in `language` with (English always), and warnings."""
        installed = tesseract_languages()
        named = (language or "English").strip()
        code = language_code(named, self.names)
        notices = []
        wanted = [ENGLISH]
        if code is None:
            notices.append(f"{label}: pdpacket knows no Tesseract language for {named!r}, so OCR read it as English "
                           f"only: name its Tesseract code in the settings (ocr.languages: {{{named}: CODE}})")
        else:
            wanted += [c for c in code.split("+") if c != ENGLISH]
        missing = [c for c in wanted if c not in installed]
        if missing:
            packages = " ".join(f"tesseract-ocr-{c.replace('_', '-')}" for c in missing)
            notices.append(f"{label} is in {named}, but Tesseract's data for {'+'.join(missing)} is not installed, "
                           f"so OCR read it without: install it with `{INSTALL} {packages}` (as root) and build again")
        codes = tuple(c for c in wanted if c in installed) or tuple(sorted(installed - {"osd"}))[:1]
        # The exhibit's own language first: Tesseract prefers the first where two read alike.
        return (codes[1:] + codes[:1]) if len(codes) > 1 else codes, notices

    # --- the worker -----------------------------------------------------------------------------------

    def _folder(self) -> Path:
        folder = self.work / "ocr"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def _launch(self) -> None:
        self._running, self._pending = self._pending, []
        folder = self._folder()
        n = len(list(folder.glob("jobs-*.json")))
        self._outputs = [(folder / f"{n}-{i}.pdf").resolve() for i in range(len(self._running))]
        jobs = [{"src": str(j.source.resolve()), "out": str(out), "languages": list(j.languages),
                 "timeout": self.page_timeout} for j, out in zip(self._running, self._outputs, strict=True)]
        jobs_file = folder / f"jobs-{n}.json"
        jobs_file.write_text(json.dumps(jobs), encoding="utf-8")
        env = {**private_temp(folder / "tmp"), "OMP_THREAD_LIMIT": "1", "PYTHONDONTWRITEBYTECODE": "1"}
        self._log = open(folder / f"worker-{n}.log", "wb")  # closed when the worker ends (_wait)
        self._proc = subprocess.Popen([sys.executable, "-m", "assembler.convert.ocr_worker", str(jobs_file)],
                                      stdout=subprocess.PIPE, stderr=self._log, stdin=subprocess.DEVNULL,
                                      start_new_session=True, env=env, cwd=folder)
        workspace.started_group(self._proc.pid)
        self._started = time.monotonic()
        pages = sum(j.pages for j in self._running)
        if self.progress is not None:
            self.progress.note(f"OCR of {pages} scanned page(s) in {len(self._running)} exhibit(s) started")

    def _wait(self) -> None:
        """Take the worker's results as they come (a line a job); return once it has ended."""
        proc = self._proc
        assert proc is not None and proc.stdout is not None
        for line in proc.stdout:  # ends when the worker does; Ctrl-C interrupts it, close() kills the group
            try:
                result = json.loads(line)
                job = self._running[result["index"]]
            except (ValueError, KeyError, IndexError, TypeError):
                continue
            self._finish(job, self._outputs[result["index"]], result)
        proc.wait()
        if self._log is not None:
            self._log.close()
        kill_group(proc)  # a Tesseract it left behind
        self._proc = None
        for job in self._running:  # the worker died before reaching these
            if job.owner not in self._done:
                self._finish(job, None, {"ok": False, "why": f"the OCR process ended with code {proc.returncode}"})
        self._running = []

    def _finish(self, job: Job, out: Path | None, result: dict) -> None:
        notices = self._notices.pop(job.owner, [])
        if not result.get("ok") or out is None or not out.is_file():
            why = _plain(str(result.get("why", "")))
            notices.append(f"{job.label}: OCR could not read it ({why}), so it goes into the filing as it was, "
                           "without searchable text")
            self._done[job.owner] = Read(job.source, tuple(notices))
            return
        if self.cache is not None and job.key is not None:
            self.cache.put(job.key, out.read_bytes(), job.pages)
            self.cache.trim()  # within cache.converted_mb, OCR'd exhibits and converted documents together
        self._done[job.owner] = Read(out, tuple(notices))
        if self.progress is not None:
            self.progress.note(f"OCR read {job.label} ({job.pages} page(s), {time.monotonic() - self._started:.1f}s)")


def _plain(why: str) -> str:
    """OCRmyPDF's exception, said for a paralegal where it is one of the usual ones."""
    if "DigitalSignature" in why:
        return "it is digitally signed, and adding text would break the signature"
    if "Encrypted" in why:
        return "it is encrypted"
    return why or "no reason given"


@functools.lru_cache(maxsize=1)
def language_table() -> dict[str, str]:
    return {_normal(name): code for name, code in resources.data("ocr_languages")["languages"].items()}


def language_code(name: str, extra: dict[str, str] | None = None) -> str | None:
    """The Tesseract code for a language name (the firm's names first), or None when unknown."""
    normal = _normal(name)
    for table in ({_normal(k): v for k, v in (extra or {}).items()}, language_table()):
        if normal in table:
            return table[normal]
    if re.fullmatch(r"[a-z]{3}(_[a-z]+)?", name.strip()) and name.strip() in tesseract_languages():
        return name.strip()  # a Tesseract code itself
    return None


def _normal(name: str) -> str:
    return re.sub(r"[\s_-]+", " ", name.strip().lower())


@functools.lru_cache(maxsize=1)
def tesseract_languages() -> frozenset[str]:
    """The languages the installed Tesseract reads (empty: no Tesseract)."""
    binary = shutil.which("tesseract")
    if binary is None:
        return frozenset()
    listed = _tesseract_says(binary, "--list-langs")
    if listed is None:
        return frozenset()
    return frozenset(line.strip() for line in listed.splitlines()[1:] if line.strip())


@functools.lru_cache(maxsize=1)
def tools_identity() -> str:
    """What tells one OCR from another in a cache key: OCRmyPDF's and Tesseract's versions, and the
    size and time of the language data (a new traineddata reads differently)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        parts = [f"ocrmypdf {version('ocrmypdf')}"]
    except PackageNotFoundError:
        parts = ["ocrmypdf ?"]
    binary = shutil.which("tesseract")
    if binary is not None:
        said = _tesseract_says(binary, "--version")
        parts.append(said.splitlines()[0] if said else "tesseract ?")
    parts += _language_data()
    return "\n".join(parts)


def _language_data() -> list[str]:
    """The Tesseract language data files, each by name, size and time."""
    prefix = os.environ.get("TESSDATA_PREFIX")
    parts = [f"TESSDATA_PREFIX={prefix}"] if prefix else []
    for folder in ([Path(prefix)] if prefix else list(Path("/usr/share/tesseract-ocr").glob("*/tessdata"))):
        for data in sorted(folder.glob("*.traineddata")):
            st = data.stat()
            parts.append(f"{data.name} {st.st_size} {st.st_mtime_ns}")
    return parts


def _tesseract_says(binary: str, option: str) -> str | None:
    """What `tesseract OPTION` prints (None: it would not run), kept between builds (kept.py): each build
    asked it twice, about 0.1 s of a one-field rebuild on a loaded machine (issue 25). Kept under what its
    answer depends on: the program, the language data and the system's installed packages (libtesseract
    is upgraded apart from the program; dpkg's status file changes with every install)."""
    def run() -> str | None:
        try:
            return subprocess.run([binary, option], capture_output=True, text=True, timeout=30, check=False).stdout
        except (OSError, subprocess.SubprocessError):
            return None

    return kept.remember_json("tesseract says", [option, kept.program(binary), *_language_data(),
                                                 kept.file_identity(DPKG_STATUS)], run)
