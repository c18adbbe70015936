"""LibreOffice headless: find it, and convert many documents in one start.

soffice exits 0 even when a document failed, shares state between instances
that share a profile, and is a wrapper that starts soffice.bin: so every run
gets its own profile, runs in its own process group (a timeout kills the
whole group), and every expected PDF is checked afterwards.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from assembler import workspace
from assembler.errors import ConversionError, MissingDependencyError

INSTALL_HELP = (
    "install LibreOffice: on Debian/Ubuntu `apt-get install libreoffice-writer-nogui fonts-liberation2`, "
    "on Fedora `dnf install libreoffice-writer liberation-fonts`, on macOS `brew install --cask libreoffice`, "
    "on Windows the installer from libreoffice.org; "
    "or set its path in the settings (soffice: {path: ...}) or in PDPACKET_SOFFICE")
KNOWN_PLACES = ["/usr/lib/libreoffice/program/soffice", "/usr/local/lib/libreoffice/program/soffice",
                "/opt/libreoffice/program/soffice", "/Applications/LibreOffice.app/Contents/MacOS/soffice",
                os.path.expanduser("~/Applications/LibreOffice.app/Contents/MacOS/soffice"),
                "/snap/bin/libreoffice",
                # Windows: the installer's default places (64-bit, then 32-bit LibreOffice on 64-bit Windows)
                r"C:\Program Files\LibreOffice\program\soffice.exe",
                r"C:\Program Files (x86)\LibreOffice\program\soffice.exe"]


def find_soffice(configured: str | None = None) -> str:
    explicit = os.environ.get("PDPACKET_SOFFICE") or configured
    if explicit:
        found = shutil.which(explicit)
        if not found:
            raise MissingDependencyError(f"LibreOffice not found at {explicit!r} (from "
                                         f"{'PDPACKET_SOFFICE' if os.environ.get('PDPACKET_SOFFICE') else 'the settings'}): "
                                         f"check the path, or {INSTALL_HELP}")
        return found
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for place in KNOWN_PLACES:
        if os.access(place, os.X_OK):
            return place
    raise MissingDependencyError(f"LibreOffice (soffice) is not installed or not on PATH: {INSTALL_HELP}")


@dataclass
class Job:
    source: Path  # .docx or .odt, with a name unique within the batch
    label: str  # what to call it in an error ("exhibit church_letter (exhibits/church-letter.docx)")


# Always PDF/A-2b (SelectPdfVersion 2): every font embedded and nothing PDF/A forbids, whether or
# not the filing is made PDF/A (filing.pdfa): a plain filing loses nothing by it, and one
# conversion serves both. Bookmarks become named destinations: combine.py finds where each
# combined render starts.
PDFA_OPTION = '"SelectPdfVersion":{"type":"long","value":"2"}'
PLAIN_OPTIONS = "{" + PDFA_OPTION + "}"
BOOKMARK_OPTIONS = '{"ExportBookmarksToPDFDestination":{"type":"boolean","value":"true"},' + PDFA_OPTION + "}"
PDF_FILTER = f"pdf:writer_pdf_Export:{BOOKMARK_OPTIONS}"
PLAIN_FILTER = f"pdf:writer_pdf_Export:{PLAIN_OPTIONS}"


@dataclass
class Converted:
    pdf: Path
    pages: int  # counted while checking that the PDF opens


def convert(jobs: list[Job], outdir: Path, profile: Path, soffice: str, timeout: int,
            bookmarks: bool = False) -> dict[Path, Converted]:
    """Convert every job's document to PDF in one soffice start; return source -> its PDF."""
    if not jobs:
        return {}
    stems = [j.source.stem for j in jobs]
    assert len(set(stems)) == len(stems), "conversion inputs must have distinct names"
    outdir.mkdir(parents=True, exist_ok=True)
    log = outdir / "soffice.log"
    cmd = [soffice, f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless", "--invisible",
           "--norestore", "--nolockcheck", "--nodefault", "--nologo",
           "--convert-to", PDF_FILTER if bookmarks else PLAIN_FILTER, "--outdir", str(outdir.resolve()),
           *[str(j.source.resolve()) for j in jobs]]
    with open(log, "wb") as out:
        try:
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    start_new_session=True, env=private_temp(outdir / "lo-tmp"))
        except OSError as exc:
            raise MissingDependencyError(f"LibreOffice could not be started ({soffice}): {exc.strerror}: "
                                         f"{INSTALL_HELP}") from exc
        workspace.started_group(proc.pid)
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise timeout_error(len(jobs), timeout) from None
        finally:
            # Always, also on a timeout or Ctrl-C: soffice.bin may outlive the wrapper.
            kill_group(proc)
    results = {}
    for job in jobs:
        pdf = outdir / f"{job.source.stem}.pdf"
        if not pdf.is_file() or pdf.stat().st_size == 0:
            raise not_converted(job, f"exit code {code}", log_tail(log), died=code < 0)
        results[job.source] = checked(job, pdf)
    return results


def private_temp(folder: Path) -> dict[str, str]:
    """The environment for a LibreOffice whose temporary files (lu*.tmp: pieces of the documents it
    converts) go to `folder`, inside the run's own folder: a LibreOffice that is killed leaves them
    there, and they go with the folder, not into the machine's /tmp."""
    folder.mkdir(parents=True, exist_ok=True)
    return {**os.environ, "TMPDIR": str(folder.resolve())}


def checked(job: Job, pdf: Path) -> Converted:
    """The converted PDF of `job`, once it is known to open and to have pages."""
    from pypdf import PdfReader  # here: a build starts LibreOffice (early.py) before the heavy imports
    from pypdf.errors import PdfReadError

    try:
        pages = len(PdfReader(pdf).pages)
        if pages == 0:
            raise PdfReadError("no pages")
    except (PdfReadError, ValueError, OSError) as exc:
        raise ConversionError(f"LibreOffice wrote an unreadable PDF for {job.label} ({exc}): "
                              "save the document again and retry") from exc
    return Converted(pdf, pages)


class Stopped(ConversionError):
    """LibreOffice hung or died while converting: worth one more try on a fresh LibreOffice."""


def not_converted(job: Job, why: str, detail: str = "", died: bool = False) -> ConversionError:
    return (Stopped if died else ConversionError)(
        f"LibreOffice did not convert {job.label} ({why})" + (f": {detail}" if detail else "")
        + ": open the document in Word or LibreOffice, save it again, and retry")


def timeout_error(documents: int, timeout: float) -> ConversionError:
    return Stopped(f"LibreOffice did not finish converting {documents} document(s) within {timeout} s and was "
                   "stopped: check the documents open in LibreOffice, or raise soffice.timeout in the settings")


def kill_group(proc: subprocess.Popen) -> None:
    """Kill a process started in its own session, and everything it started; wait until all are gone."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL cannot be ignored
        pass
    _wait_group_gone(proc.pid)
    workspace.ended_group(proc.pid)
    workspace.sweep_pipes()  # a killed LibreOffice leaves its pipe's socket file in /tmp


def _wait_group_gone(pgid: int, timeout: float = 5.0) -> None:
    """SIGKILL is not instantaneous: wait until no live process of the group is left,
    so that removing its profile folder does not race a dying soffice.bin."""
    proc_dir = Path("/proc")
    if not proc_dir.is_dir():  # pragma: no cover - not Linux
        time.sleep(0.2)
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = False
        for entry in proc_dir.iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[-1].split()
            if len(fields) > 2 and fields[2] == str(pgid) and fields[0] != "Z":
                alive = True
                break
        if not alive:
            return
        time.sleep(0.02)


def log_tail(log: Path) -> str:
    try:
        text = log.read_text(errors="replace")
    except OSError:
        return ""
    lines = [line for line in text.splitlines() if line.strip() and "javaldx" not in line and not line.startswith("convert ")]
    return " / ".join(lines[-2:])[:300]
