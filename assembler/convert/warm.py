"""A warm LibreOffice: started once, kept running, and driven over UNO.

A LibreOffice start costs about 0.7 s; a document on a running one 0.06-0.14 s
(sample 1, 2 cores). So a build starts LibreOffice as its very first step (it
boots while Python validates and renders) and converts everything on it, index
rounds included; a batch worker keeps one for all its cases; a convert-server
(server.py) keeps a pool of them for any build that names it in the settings.

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
import threading
import time
import weakref
from pathlib import Path

from assembler import workspace
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
    """This way of converting cannot be used here: the caller tries the next one."""


class LoadFailed(Exception):
    """LibreOffice is fine, but could not load or export this document."""


class Died(Exception):
    """LibreOffice died while converting (crashed, or was killed): `why` as "exit code 137"."""

    def __init__(self, why: str, detail: str = ""):
        super().__init__(why)
        self.why, self.detail = why, detail


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


class Channel:
    """JSON lines, each maybe followed by raw bytes, over a pipe pair or a socket; every
    read and write waits at most until a deadline (TimeoutError), EOF reads as None/EOFError."""

    def __init__(self, read_fd: int, write_fd: int):
        self.read_fd, self.write_fd = read_fd, write_fd
        os.set_blocking(write_fd, False)
        self.buffer = b""

    def send(self, header: dict, payload: bytes, deadline: float) -> None:
        view = memoryview(json.dumps(header).encode() + b"\n" + payload)
        while view:
            _, writable, _ = select.select([], [self.write_fd], [], _left(deadline))
            if not writable:
                raise TimeoutError
            try:
                view = view[os.write(self.write_fd, view):]
            except BlockingIOError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                return  # the other side is gone: the next read says so

    def receive(self, deadline: float) -> dict | None:
        while b"\n" not in self.buffer:
            if not self._fill(deadline):
                return None
        line, _, self.buffer = self.buffer.partition(b"\n")
        return json.loads(line)

    def read(self, size: int, deadline: float) -> bytes:
        while len(self.buffer) < size:
            if not self._fill(deadline):
                raise EOFError
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def _fill(self, deadline: float) -> bool:
        readable, _, _ = select.select([self.read_fd], [], [], _left(deadline))
        if not readable:
            raise TimeoutError
        try:
            chunk = os.read(self.read_fd, 1 << 20)
        except (BlockingIOError, InterruptedError):
            return True
        except ConnectionResetError:
            return False
        self.buffer += chunk
        return bool(chunk)


class Converter:
    """Something that converts documents to PDF on a LibreOffice that stays up between calls.

    One conversion at a time: a long-lived process (the web app) may share one between threads."""

    unavailable: str | None = None  # why it cannot be used here, once known
    waited = 0.0  # seconds conversions spent waiting for a start to finish
    closed = False  # by its owner, for good: nothing converts any more (not even a one-shot start instead)

    def __init__(self) -> None:
        self.lock = threading.Lock()

    def describe(self) -> str:
        raise NotImplementedError

    def start(self) -> None:
        """Begin starting (or connecting) without waiting for it."""

    def ensure_ready(self, deadline: float) -> None:
        raise NotImplementedError

    def convert_bytes(self, data: bytes, suffix: str, bookmarks: bool, deadline: float) -> bytes:
        """One document in, its PDF out. Raises LoadFailed, Died, TimeoutError (then stopped), Unavailable."""
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        self.closed = True
        self.stop()

    def convert(self, jobs: list[Job], outdir: Path, timeout: float, bookmarks: bool = False) -> dict[Path, Converted]:
        """Convert every job's document; return source -> its PDF. The whole call, a start included,
        has `timeout` seconds; the errors are those of one `soffice --convert-to` start."""
        with self.lock:
            return self._convert(jobs, outdir, timeout, bookmarks)

    def _convert(self, jobs: list[Job], outdir: Path, timeout: float, bookmarks: bool) -> dict[Path, Converted]:
        if self.unavailable:
            raise Unavailable(self.unavailable)
        if not jobs:
            return {}
        deadline = time.monotonic() + timeout
        outdir.mkdir(parents=True, exist_ok=True)
        results = {}
        try:
            started = time.monotonic()
            try:
                self.ensure_ready(deadline)
            finally:
                self.waited += time.monotonic() - started
            for job in jobs:
                try:
                    pdf_bytes = self.convert_bytes(job.source.read_bytes(), job.source.suffix, bookmarks, deadline)
                except LoadFailed as exc:
                    raise soffice.not_converted(job, "it could not be loaded", str(exc)[:300]) from None
                except Died as exc:
                    raise soffice.not_converted(job, exc.why, exc.detail, died=True) from None
                pdf = outdir / f"{job.source.stem}.pdf"
                pdf.write_bytes(pdf_bytes)
                results[job.source] = soffice.checked(job, pdf)
        except TimeoutError:
            self.stop()
            raise soffice.timeout_error(len(jobs), timeout) from None
        except (KeyboardInterrupt, SystemExit):
            self.stop()  # a request may be out: the channel's state is unknown
            raise
        return results


class Office(Converter):
    """One LibreOffice kept running in `folder` (its private profile and log), and its UNO helper.

    Started by start() or on the first conversion; restarted after RESTART_AFTER
    conversions and, on the next call, after it died or hung.
    """

    def __init__(self, soffice_path: str, folder: Path, python: str, restart_after: int = RESTART_AFTER):
        super().__init__()
        self.soffice, self.folder, self.python, self.restart_after = soffice_path, folder, python, restart_after
        self.proc: subprocess.Popen | None = None
        self.channel: Channel | None = None
        self.ready = False
        self.conversions = 0  # since the last start
        self.starts = 0
        self.boot_seconds: float | None = None  # from start to ready, as the helper measured it
        self._reaper: weakref.finalize | None = None

    def describe(self) -> str:
        return f"LibreOffice kept running, over UNO ({self.python})"

    def start(self) -> None:
        if self.closed:
            raise Unavailable("LibreOffice was stopped: the build is ending")
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
                    env=soffice.private_temp(self.folder / "tmp"))
        except OSError as exc:
            self.unavailable = f"{self.python} could not be started: {exc.strerror}"
            raise Unavailable(self.unavailable) from exc
        workspace.started_group(self.proc.pid)
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.channel = Channel(self.proc.stdout.fileno(), self.proc.stdin.fileno())
        # A caller that forgets close(): stopped when this object goes, or when Python exits.
        self._reaper = weakref.finalize(self, soffice.kill_group, self.proc)
        self.ready, self.conversions = False, 0
        self.starts += 1

    def ensure_ready(self, deadline: float) -> None:
        if self.unavailable:
            raise Unavailable(self.unavailable)
        if self.conversions >= self.restart_after:
            self.stop()
        self.start()
        if self.ready:
            return
        assert self.channel is not None
        reply = self.channel.receive(deadline)
        if not reply or not reply.get("ready"):
            why = (reply or {}).get("error") or f"the UNO helper stopped ({self._log_tail() or 'no message'})"
            self.stop()
            self.unavailable = why
            raise Unavailable(why)
        self.ready, self.boot_seconds = True, reply.get("seconds")

    def convert_bytes(self, data: bytes, suffix: str, bookmarks: bool, deadline: float) -> bytes:
        self.ensure_ready(deadline)
        assert self.channel is not None
        self.channel.send({"op": "convert", "size": len(data), "ext": suffix.lower(), "filter": "writer_pdf_Export",
                           "options": soffice.BOOKMARK_OPTIONS if bookmarks else soffice.PLAIN_OPTIONS,
                           "seconds": round(_left(deadline), 3)}, data, deadline)
        try:
            reply = self.channel.receive(deadline)
            if reply is None:
                raise EOFError
            payload = self.channel.read(reply.get("size", 0), deadline) if reply.get("ok") else b""
        except EOFError:  # the helper died (killed with LibreOffice, or by it)
            code = self._exit_code()
            self.stop()
            raise Died(f"exit code {code}", self._log_tail()) from None
        self.conversions += 1
        if not reply.get("ok"):
            if reply.get("dead"):
                self.stop()
                raise Died(f"exit code {reply.get('code')}", self._log_tail())
            raise LoadFailed(str(reply.get("error", "")))
        if not payload:
            raise LoadFailed("LibreOffice wrote an empty PDF")
        return payload

    def stop(self) -> None:
        """Kill LibreOffice and the helper (their whole process group) and wait until they are gone."""
        proc, self.proc, self.channel, self.ready = self.proc, None, None, False
        if proc is None:
            return
        if self._reaper is not None:
            self._reaper.detach()
        soffice.kill_group(proc)
        for stream in (proc.stdin, proc.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass

    def close(self) -> None:
        """Stop, and remove the profile: nothing of this LibreOffice is left behind, lock files included."""
        self.closed = True
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _exit_code(self) -> int | None:
        proc = self.proc
        if proc is None:  # stopped by its owner meanwhile (Ctrl-C, the build's deadline)
            return None
        try:
            return proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return None

    def _log_tail(self) -> str:
        return soffice.log_tail(self.folder / "soffice.log")


def _left(deadline: float) -> float:
    return max(0.0, deadline - time.monotonic())
