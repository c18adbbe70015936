"""`pdpacket convert-server`: a pool of LibreOffices kept running, for the builds that name it.

A build whose settings say `soffice: {server: "127.0.0.1:PORT"}` sends its documents
here instead of starting a LibreOffice of its own (0.7 s or more a start); when the
server does not answer the connection, the build falls back to its own LibreOffice.
A batch's workers use it the same way. Each document goes to whichever LibreOffice
of the pool is free (one LibreOffice converts one document at a time).

The server listens on 127.0.0.1 only, and a client first presents a token that the
server writes, readable by its user only, to token_path(port) (or that the settings
give as `soffice: {token: ...}`): LibreOffice renders whatever a document links to,
local files included, so another user of the machine must not have documents converted.

Protocol: warm.Channel's JSON lines and bytes, over TCP.
    -> {"hello": TOKEN}                         <- {"ok": true, "jobs": N} or {"ok": false, "error": "..."}
    -> {"op": "convert", "size": N, "ext": ".docx", "bookmarks": true, "timeout": 180.0} then N bytes
    <- {"ok": true, "size": M} then M bytes of PDF
       or {"ok": false, "kind": "load" | "died" | "timeout" | "unavailable", "error": "..."}
"""
from __future__ import annotations

import concurrent.futures
import contextlib
import errno
import hmac
import os
import queue
import secrets
import signal
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn

from assembler import atomic, workspace
from assembler.convert import soffice, warm
from assembler.convert.soffice import Converted, Job
from assembler.errors import ExitCode, PdpacketError

HOST = "127.0.0.1"
DEFAULT_PORT = 8765
GRACE = 5.0  # seconds a client waits past a request's timeout for the server to report it
IDLE = 3600.0  # seconds a connection may wait between requests


class ServerError(PdpacketError):
    """The server cannot start: its port is taken, LibreOffice will not start over UNO."""

    exit_code = ExitCode.usage


def token_path(port: int) -> Path:
    config_home = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return config_home / "pdpacket" / f"convert-server-{port}.token"


def parse_address(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host or HOST, int(port)


# --- the server --------------------------------------------------------------------------

class Handler(socketserver.BaseRequestHandler):
    server: Pool  # type: ignore[assignment]  # a socketserver server that is also a Pool

    def handle(self) -> None:
        if self.request.family != socket.AF_UNIX:
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        channel = warm.Channel(self.request.fileno(), self.request.fileno())
        pool = self.server
        try:
            hello = channel.receive(time.monotonic() + 30)
            if not hello or not hmac.compare_digest(str(hello.get("hello", "")), pool.token):
                channel.send({"ok": False, "error": "wrong or missing token"}, b"", time.monotonic() + 5)
                return
            channel.send({"ok": True, **pool.hello()}, b"", time.monotonic() + 5)
            with contextlib.ExitStack() as using:
                in_use = False
                while (request := channel.receive(time.monotonic() + IDLE)) is not None:
                    if request.get("op") == "status":  # asking is not using: the idle time goes on
                        channel.send({"ok": True, **pool.status()}, b"", time.monotonic() + 5)
                        continue
                    if not in_use:  # from a build's first conversion to its end, the pool is in use
                        in_use = using.enter_context(pool.busy()) or True
                    data = channel.read(int(request.get("size", 0)), time.monotonic() + 60)
                    reply, pdf = pool.convert(data, str(request.get("ext", ".docx")), bool(request.get("bookmarks")),
                                              float(request.get("timeout", 180)))
                    channel.send(reply, pdf, time.monotonic() + 60)
        except (TimeoutError, EOFError, OSError, ValueError):
            return  # a client that went away or spoke nonsense: only its connection ends


class Pool:
    """LibreOffices that convert for clients, one document each at a time; what the convert-server and
    the keeper (keeper.py) share. Counts what it served and when it was last used."""

    token: str
    jobs: int  # as the hello says: LibreOffices that may still be starting count

    def setup(self, token: str, jobs: int) -> None:
        self.token, self.jobs = token, jobs
        self.offices: list[warm.Office] = []
        self.free: queue.Queue[warm.Office] = queue.Queue()
        self.served = 0
        self.active = 0
        self.last_used = time.monotonic()
        self.count_lock = threading.Lock()

    def hello(self) -> dict:
        return {"jobs": self.jobs}

    def status(self) -> dict:
        return {"pid": os.getpid(), "served": self.served, "jobs": self.jobs}

    @contextlib.contextmanager
    def busy(self) -> Iterator[None]:
        with self.count_lock:
            self.active += 1
        try:
            yield
        finally:
            with self.count_lock:
                self.active -= 1
                self.last_used = time.monotonic()

    def add(self, office: warm.Office) -> None:
        self.offices.append(office)
        self.free.put(office)

    def convert(self, data: bytes, ext: str, bookmarks: bool, timeout: float) -> tuple[dict, bytes]:
        deadline = time.monotonic() + timeout
        try:
            office = self.free.get(timeout=timeout)
        except queue.Empty:
            return {"ok": False, "kind": "timeout", "error": "every LibreOffice of the server stayed busy"}, b""
        try:
            pdf = office.convert_bytes(data, ext, bookmarks, deadline)
        except warm.LoadFailed as exc:
            return {"ok": False, "kind": "load", "error": str(exc)}, b""
        except warm.Died as exc:  # restarted by its next conversion
            return {"ok": False, "kind": "died", "error": f"{exc.why} on the convert-server"}, b""
        except TimeoutError:
            office.stop()
            return {"ok": False, "kind": "timeout", "error": "timed out"}, b""
        except warm.Unavailable as exc:
            return {"ok": False, "kind": "unavailable", "error": str(exc)}, b""
        finally:
            self.free.put(office)
        self.served += 1
        return {"ok": True, "size": len(pdf)}, pdf


class _Server(Pool, socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True  # a restarted server may take its port back while old connections linger

    def __init__(self, port: int, token: str, jobs: int):
        super().__init__((HOST, port), Handler)
        self.setup(token, jobs)


def serve(port: int, jobs: int, soffice_path: str, start_timeout: float,
          on_ready: Callable[[str, Path], None]) -> None:
    """Hold `jobs` LibreOffices and convert for clients on 127.0.0.1:`port` until Ctrl-C or SIGTERM."""
    python = warm.uno_python(soffice_path)
    if python is None:
        raise ServerError("no Python that can import uno: on Debian/Ubuntu `apt-get install python3-uno`, "
                          "or name one in PDPACKET_UNO_PYTHON")
    token = secrets.token_urlsafe(24)
    with contextlib.ExitStack() as stack:
        try:
            server = stack.enter_context(_Server(port, token, jobs))  # the port first: nothing started if it is taken
        except OSError as exc:
            raise ServerError(f"cannot listen on {HOST}:{port}: {exc.strerror}"
                              + (" (another convert-server?): choose another port with --port"
                                 if exc.errno == errno.EADDRINUSE else "")) from exc
        port = server.server_address[1]
        work = stack.enter_context(workspace.workdir())
        offices = [warm.Office(soffice_path, work / f"lo-{i}", python) for i in range(jobs)]
        for office in offices:
            stack.callback(office.close)
            office.start()
        deadline = time.monotonic() + start_timeout
        for office in offices:
            try:
                office.ensure_ready(deadline)
            except warm.Unavailable as exc:
                raise ServerError(f"LibreOffice did not start over UNO: {exc}") from None
            except TimeoutError:
                raise ServerError(f"LibreOffice did not start within {start_timeout} s: check that `soffice "
                                  "--version` runs, or raise soffice.timeout in the settings") from None
            server.add(office)
        path = _write_token(port, token)
        stack.callback(path.unlink, missing_ok=True)
        previous = signal.signal(signal.SIGTERM, _interrupt)
        stack.callback(signal.signal, signal.SIGTERM, previous)
        on_ready(f"{HOST}:{port}", path)
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever(poll_interval=0.2)


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def _write_token(port: int, token: str) -> Path:
    path = token_path(port)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_text(path, token + "\n", mode=0o600)
    return path


# --- the client --------------------------------------------------------------------------

class RemoteOffice(warm.Converter):
    """The convert-server at `address`, as a build sees it: LibreOffices kept running elsewhere.

    A build's documents are spread over as many connections as the server has LibreOffices
    (one converts one document at a time; two gave 1.8x the throughput of one)."""

    def __init__(self, address: str, token: str | None = None):
        super().__init__()
        self.address, self.token = address, token
        self.sock: socket.socket | None = None
        self.channel: warm.Channel | None = None
        self.width = 1  # the server's LibreOffices, as its hello says
        self.lanes: list[RemoteOffice] = []  # further connections, made when there is work for them
        self.hello: dict = {}  # what the server said when this connected

    def describe(self) -> str:
        return f"the convert-server at {self.address}"

    def _convert(self, jobs: list[Job], outdir: Path, timeout: float, bookmarks: bool) -> dict[Path, Converted]:
        if self.unavailable or len(jobs) < 2:
            return super()._convert(jobs, outdir, timeout, bookmarks)
        started = time.monotonic()
        try:
            self.ensure_ready(started + timeout)
        except TimeoutError:
            self.stop()
            raise soffice.timeout_error(len(jobs), timeout) from None
        finally:
            self.waited += time.monotonic() - started
        width = min(self.width, len(jobs))
        if width < 2:
            return super()._convert(jobs, outdir, timeout, bookmarks)
        while len(self.lanes) < width - 1:
            self.lanes.append(self.lane())
        shares: list[list[Job]] = [[] for _ in range(width)]  # the largest documents first, each to the lightest
        loads = [0] * width
        for job in sorted(jobs, key=lambda j: j.source.stat().st_size, reverse=True):
            lightest = loads.index(min(loads))
            shares[lightest].append(job)
            loads[lightest] += job.source.stat().st_size
        left = max(0.1, timeout - (time.monotonic() - started))
        workers = [self, *self.lanes[:width - 1]]  # the lanes are this object's own: its lock covers them
        with concurrent.futures.ThreadPoolExecutor(max_workers=width) as pool:
            futures = [pool.submit(warm.Converter._convert, w, share, outdir, left, bookmarks)
                       for w, share in zip(workers, shares, strict=True)]
        results: dict[Path, Converted] = {}
        for future in futures:  # the first failure in job order wins; the others' PDFs are dropped with it
            try:
                results.update(future.result())
            except warm.Unavailable as exc:
                self.stop()
                self._give_up(str(exc))
        return {job.source: results[job.source] for job in jobs}

    def ensure_ready(self, deadline: float) -> None:
        if self.unavailable:
            raise warm.Unavailable(self.unavailable)
        if self.channel is not None:
            return
        sock, token = self._connect(deadline)
        channel = warm.Channel(sock.fileno(), sock.fileno())
        self.sock, self.channel = sock, channel
        channel.send({"hello": token}, b"", deadline)
        reply = channel.receive(deadline)
        if not reply or not reply.get("ok"):
            self.stop()
            self._give_up(f"it refused the connection: {(reply or {}).get('error', 'it closed it')}")
        self.width = max(1, int(reply.get("jobs", 1)))
        self.hello = reply

    def _connect(self, deadline: float) -> tuple[socket.socket, str]:
        """A connected socket and the token to present on it."""
        try:
            host, port = parse_address(self.address)
        except ValueError:
            self._give_up(f"{self.address!r} is not host:port")
        token = self.token or _read_token(port)
        if not token:
            self._give_up(f"no token: none in the settings (soffice.token), none in {token_path(port)}")
        try:
            sock = socket.create_connection((host, port), timeout=max(0.1, min(5.0, deadline - time.monotonic())))
        except OSError as exc:
            self._give_up(f"nothing answers at {self.address}: {exc.strerror or exc}")
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock, token

    def lane(self) -> RemoteOffice:
        """One more connection to the same server."""
        return RemoteOffice(self.address, self.token)

    def convert_bytes(self, data: bytes, suffix: str, bookmarks: bool, deadline: float) -> bytes:
        self.ensure_ready(deadline)
        assert self.channel is not None
        timeout = max(0.0, deadline - time.monotonic())
        self.channel.send({"op": "convert", "size": len(data), "ext": suffix.lower(), "bookmarks": bookmarks,
                           "timeout": timeout}, data, deadline)
        try:
            reply = self.channel.receive(deadline + GRACE)
            if reply is None:
                raise EOFError
            payload = self.channel.read(int(reply.get("size", 0)), deadline + GRACE) if reply.get("ok") else b""
        except EOFError:
            self.stop()
            raise warm.Died(f"{self.describe()} closed the connection") from None
        if reply.get("ok"):
            return payload
        kind, error = reply.get("kind"), str(reply.get("error", ""))
        if kind == "timeout":
            raise TimeoutError
        if kind == "died":
            raise warm.Died(error)
        if kind == "unavailable":
            self.stop()
            self._give_up(error)
        raise warm.LoadFailed(error)

    def stop(self) -> None:
        for lane in self.lanes:
            lane.stop()
        sock, self.sock, self.channel = self.sock, None, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()

    def _give_up(self, why: str) -> NoReturn:
        self.unavailable = why
        raise warm.Unavailable(why)


def _read_token(port: int) -> str | None:
    try:
        return token_path(port).read_text().strip() or None
    except OSError:
        return None


def main_loop_message(address: str, token_file: Path, jobs: int) -> str:
    return (f"converting with {jobs} LibreOffice process(es) on {address}; builds use it with "
            f"`soffice: {{server: \"{address}\"}}` in the settings (token in {token_file}); Ctrl-C stops it")

