"""A warm LibreOffice: started once, kept running, and driven over UNO.

A LibreOffice start costs about 0.7 s; a document on a running one 0.06-0.14 s
(sample 1, 2 cores). So a build starts LibreOffice as its very first step (it
boots while Python validates and renders) and converts everything on it, index
rounds included; a batch worker keeps one for all its cases.

The UNO client is a helper process (uno_client.py) run by whichever Python can
import `uno`: Debian's python3-uno is built for the system python3, and the
project's venv may be another Python build. Documents go to it as bytes over
its stdin and the PDFs come back on its stdout. The helper is the leader of a
new process group, and LibreOffice, which it starts, is in that group: one
killpg stops everything, and a helper whose parent is gone (stdin closed) kills
the group itself.

UNO calls have no timeout, so every reply is awaited with a deadline; when it
passes, the whole group is killed and the conversion fails as a hung one-shot
conversion does. Where `uno` cannot be imported, or LibreOffice will not start
as a server, Unavailable tells the caller to use one `soffice --convert-to`
start instead (soffice.py).
"""
from __future__ import annotations

import importlib.util
import json
import os
import secrets
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

from assembler.convert import soffice
from assembler.convert.soffice import Converted, Job

UNO_CLIENT = Path(__file__).with_name("uno_client.py")
# Memory stays flat (160-190 MB over 300 conversions), so this is insurance
# against slow leaks, at 0.8 s a restart.
RESTART_AFTER = 200
# PDPACKET_UNO_PYTHON names the Python that runs the UNO client; "off" uses
# one `soffice --convert-to` start per conversion instead.
ENV_PYTHON = "PDPACKET_UNO_PYTHON"
OFF = ("", "off", "none", "0", "no")


class Unavailable(Exception):
    """LibreOffice cannot be kept running here: convert with one `soffice --convert-to` start instead."""


def uno_python(soffice_path: str | None = None) -> str | None:
    """The Python to run the UNO client with, or None when none is known to have `uno`."""
    chosen = os.environ.get(ENV_PYTHON)
    if chosen is not None:
        return None if chosen.strip().lower() in OFF else (shutil.which(chosen) or chosen)
    if importlib.util.find_spec("uno") is not None:
        return sys.executable
    candidates = ["/usr/bin/python3"]
    if soffice_path:  # LibreOffice's own builds (macOS, Windows, TDF's Linux packages) bring a Python with uno
        candidates.insert(0, str(Path(soffice_path).resolve().parent / "python"))
    return next((c for c in candidates if os.access(c, os.X_OK)), None)


class Office:
    """One LibreOffice kept running in `folder` (its private profile and log), and its UNO helper.

    Started on the first conversion or by start(); restarted after RESTART_AFTER
    conversions and, on the next call, after it died or hung.
    """

    def __init__(self, soffice_path: str, folder: Path, python: str, restart_after: int = RESTART_AFTER):
        self.soffice, self.folder, self.python, self.restart_after = soffice_path, folder, python, restart_after
        self.proc: subprocess.Popen | None = None
        self.ready = False
        self.conversions = 0  # since the last start
        self.starts = 0
        self.unavailable: str | None = None  # why the warm path cannot be used here, once known
        self.boot_seconds: float | None = None  # from start to ready, as the helper measured it
        self.waited = 0.0  # seconds conversions spent waiting for a start to finish
        self._buffer = b""

    def describe(self) -> str:
        return f"LibreOffice kept running, over UNO ({self.python})"

    def start(self) -> None:
        """Start LibreOffice and its helper without waiting for them (a start takes most of a second)."""
        if self.proc is not None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        profile = self.folder / "profile"
        pipe = f"pdpacket-{os.getpid()}-{secrets.token_hex(6)}"
        log = self.folder / "soffice.log"
        try:
            with open(log, "ab") as err:
                self.proc = subprocess.Popen(
                    [self.python, "-I", str(UNO_CLIENT), self.soffice, profile.resolve().as_uri(), pipe, str(log)],
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, start_new_session=True,
                    close_fds=True)
        except OSError as exc:
            self.unavailable = f"{self.python} could not be started: {exc.strerror}"
            raise Unavailable(self.unavailable) from exc
        assert self.proc.stdin is not None
        os.set_blocking(self.proc.stdin.fileno(), False)
        self.ready, self.conversions, self._buffer = False, 0, b""
        self.starts += 1

    def convert(self, jobs: list[Job], outdir: Path, timeout: float, bookmarks: bool = False) -> dict[Path, Converted]:
        """Convert every job's document on this LibreOffice; return source -> its PDF.

        The whole call, a start included, has `timeout` seconds."""
        if self.unavailable:
            raise Unavailable(self.unavailable)
        if not jobs:
            return {}
        deadline = time.monotonic() + timeout
        if self.conversions >= self.restart_after:
            self.stop()
        self.start()
        outdir.mkdir(parents=True, exist_ok=True)
        results = {}
        try:
            if not self.ready:
                self._await_ready(deadline)
            for job in jobs:
                results[job.source] = self._convert_one(job, outdir, bookmarks, deadline)
        except TimeoutError:
            self.stop()
            raise soffice.timeout_error(len(jobs), timeout) from None
        except BaseException:  # Ctrl-C or a failure halfway through a reply: the helper's state is unknown
            if self.proc is not None and self.proc.poll() is None and not self._idle:
                self.stop()
            raise
        return results

    def stop(self) -> None:
        """Kill LibreOffice and the helper (their whole process group) and wait until they are gone."""
        proc, self.proc, self.ready = self.proc, None, False
        if proc is None:
            return
        for stream in (proc.stdin, proc.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        soffice.kill_group(proc)

    def close(self) -> None:
        """Stop, and remove the profile: nothing of this LibreOffice is left behind, lock files included."""
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    # --- the helper's protocol (see uno_client.py) -------------------------------------

    _idle = True  # False while a request is out and its reply not fully read

    def _await_ready(self, deadline: float) -> None:
        started = time.monotonic()
        try:
            reply = self._receive(deadline, starting=True)
        finally:
            self.waited += time.monotonic() - started
        if not reply.get("ready"):
            why = reply.get("error") or "the UNO helper stopped"
            self.stop()
            self.unavailable = why
            raise Unavailable(why)
        self.ready, self.boot_seconds = True, reply.get("seconds")

    def _convert_one(self, job: Job, outdir: Path, bookmarks: bool, deadline: float) -> Converted:
        data = job.source.read_bytes()
        self._idle = False
        self._send({"op": "convert", "size": len(data), "ext": job.source.suffix.lower(), "filter": "writer_pdf_Export",
                    "options": soffice.BOOKMARK_OPTIONS if bookmarks else ""}, data, deadline)
        try:
            reply = self._receive(deadline)
            payload = self._read(reply.get("size", 0), deadline) if reply.get("ok") else b""
        except EOFError:  # the helper died (killed with LibreOffice, or by it)
            code = self._exit_code()
            self.stop()
            raise soffice.not_converted(job, f"exit code {code}", self._log_tail(), died=True) from None
        self._idle = True
        self.conversions += 1
        if not reply.get("ok"):
            if reply.get("dead"):
                self.stop()
                raise soffice.not_converted(job, f"exit code {reply.get('code')}", self._log_tail(), died=True)
            raise soffice.not_converted(job, "it could not be loaded", str(reply.get("error", ""))[:300])
        pdf = outdir / f"{job.source.stem}.pdf"
        pdf.write_bytes(payload)
        if not payload:
            raise soffice.not_converted(job, "an empty PDF")
        return soffice.checked(job, pdf)

    def _send(self, header: dict, payload: bytes, deadline: float) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        fd = self.proc.stdin.fileno()
        view = memoryview(json.dumps(header).encode() + b"\n" + payload)
        while view:
            _, writable, _ = select.select([], [fd], [], _left(deadline))
            if not writable:
                raise TimeoutError
            try:
                view = view[os.write(fd, view):]
            except BlockingIOError:
                continue
            except BrokenPipeError:
                return  # the helper is gone: its exit shows when the reply is read

    def _receive(self, deadline: float, starting: bool = False) -> dict:
        line = self._readline(deadline)
        if line is None:
            if starting:
                return {"ready": False, "error": f"the UNO helper stopped ({self._log_tail() or 'no message'})"}
            raise EOFError
        return json.loads(line)

    def _readline(self, deadline: float) -> bytes | None:
        while b"\n" not in self._buffer:
            if not self._fill(deadline):
                return None
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    def _read(self, size: int, deadline: float) -> bytes:
        while len(self._buffer) < size:
            if not self._fill(deadline):
                raise EOFError
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

    def _fill(self, deadline: float) -> bool:
        assert self.proc is not None and self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        readable, _, _ = select.select([fd], [], [], _left(deadline))
        if not readable:
            raise TimeoutError
        chunk = os.read(fd, 1 << 20)
        self._buffer += chunk
        return bool(chunk)

    def _exit_code(self) -> int | None:
        assert self.proc is not None
        try:
            return self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return None

    def _log_tail(self) -> str:
        return soffice.log_tail(self.folder / "soffice.log")


def _left(deadline: float) -> float:
    return max(0.0, deadline - time.monotonic())
