"""The keeper: one LibreOffice per user, kept running between commands for an idle time.

The first `pdpacket build` (or `court`, or `serve`) starts it, detached (its own session, no
terminal, named `pdpacket-keeper` in `ps`); the commands that follow within the idle time
(settings `keeper: {idle_minutes: 10}`) convert on it and start no LibreOffice of their own
(about a second each). With nothing converted for the idle time, it stops, LibreOffice with it.

It speaks the convert-server's protocol (server.py: a Pool, RemoteOffice on the client side),
over a Unix socket in a folder of the user's own, 0700 (`$XDG_RUNTIME_DIR/pdpacket`, else
`$TMPDIR/pdpacket-keeper-uid<UID>`): a folder of another owner or readable by others is refused,
so two users never share one (LibreOffice renders what a document links to, local files too).
The folder holds the socket, the token a client presents (0600), the pid file (`PID START`) and
a lock the running keeper holds: two commands starting one at once start one.

A command that finds it dead (kill -9 leaves a pid file and a socket: the next keeper clears
them), hung (no answer within HELLO_SECONDS), or running another LibreOffice program, kills it
and starts another; if that one does not answer either, the command converts on its own
LibreOffice, as without a keeper. The keeper is the one thing allowed to outlive a command.
PDPACKET_KEEPER=off turns it off (the test suite does), as do `--no-keep` and idle_minutes: 0.
"""
from __future__ import annotations

import contextlib
import ctypes
import fcntl
import os
import secrets
import signal
import socket
import socketserver
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from assembler import atomic, workspace
from assembler.convert import server, warm
from assembler.errors import ExitCode, PdpacketError

ENV = "PDPACKET_KEEPER"
NAME = "pdpacket-keeper"  # its process name (/proc/PID/comm, `ps -e`, `pgrep`): 15 characters, the most Linux keeps
DEFAULT_IDLE_MINUTES = 10
HELLO_SECONDS = 5.0  # a keeper that does not answer a connection within this is hung
SPAWN_SECONDS = 30.0  # how long a command waits for a keeper it started to answer
SOCKET, TOKEN, PID, LOCK, LOG = "keeper.sock", "keeper.token", "keeper.pid", "keeper.lock", "keeper.log"

_spawned: list[subprocess.Popen] = []  # kept referenced: a keeper outlives its Popen on purpose


class KeeperRefused(PdpacketError):
    """The keeper's folder is not the user's own, or is open to others."""

    exit_code = ExitCode.output_not_writable


def enabled(idle_minutes: float) -> bool:
    """Whether commands keep a LibreOffice between them: not with PDPACKET_KEEPER=off, nor idle_minutes 0."""
    if os.environ.get(ENV, "").strip().lower() in warm.OFF[1:]:
        return False
    return idle_minutes > 0 and hasattr(socket, "AF_UNIX") and hasattr(os, "getuid")


def folder() -> Path:
    """The keeper's folder, made 0700 if missing; refused (KeeperRefused) unless the user's alone."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and Path(runtime).is_absolute() and Path(runtime).is_dir():
        path = Path(runtime) / "pdpacket"
    else:  # no per-user runtime folder (macOS, a cron job): one named with the uid in the temporary folder
        path = Path(tempfile.gettempdir()) / f"pdpacket-keeper-uid{os.getuid()}"
    with contextlib.suppress(FileExistsError):
        path.mkdir(mode=0o700)
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise KeeperRefused(
            f"{path}: the keeper's folder must be a folder of yours that only you can open (it is "
            f"{'not a folder' if not stat.S_ISDIR(info.st_mode) else f'owned by uid {info.st_uid}, mode {info.st_mode & 0o777:o}'}): "
            f"remove it (the next command makes it again), or turn the keeper off with {ENV}=off")
    return path


def recorded(home: Path) -> int | None:
    """The PID of the keeper the pid file names, if that process still runs (a reused PID does not count)."""
    try:
        tag = (home / PID).read_text()
    except OSError:
        return None
    return None if workspace.is_gone(tag) else int(tag.split()[0])


def spawn(binary: str, idle_seconds: float) -> None:
    """Start a keeper, detached, unless one runs (if two start at once, the second leaves at once)."""
    home = folder()
    if recorded(home) is not None or (_spawned and _spawned[-1].poll() is None):
        return  # one runs, or the one this process started (early.py, before the imports) is starting
    package_root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p)}
    log = os.open(home / LOG, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        _spawned.append(subprocess.Popen(
            [sys.executable, "-m", "assembler.convert.keeper", binary, str(idle_seconds)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, cwd="/", env=env, start_new_session=True))
    finally:
        os.close(log)


def _signal_recorded(home: Path, signum: int) -> tuple[int, str] | None:
    """Send `signum` to the recorded keeper; its PID and its run folder's tag, or None when none is recorded."""
    pid = recorded(home)
    if pid is None:
        return None
    tag = (home / PID).read_text()
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)
    return pid, tag


def kill(home: Path) -> int | None:
    """Kill the recorded keeper (hung, or running another LibreOffice) and wait until it is gone;
    its LibreOffice's helper sees its pipe close and kills LibreOffice. Returns the PID killed."""
    sent = _signal_recorded(home, signal.SIGKILL)
    if sent is None:
        return None
    pid, tag = sent
    deadline = time.monotonic() + 5
    while not workspace.is_gone(tag) and time.monotonic() < deadline:
        time.sleep(0.02)
    workspace.sweep_stale()  # its run folder, and LibreOffice's group if the helper did not get to it
    return pid


def stop(home: Path, timeout: float = 10.0) -> int | None:
    """Stop the keeper (SIGTERM: it stops its LibreOffice and removes its files), kill it if it does not.
    Returns its PID, or None when none ran."""
    sent = _signal_recorded(home, signal.SIGTERM)
    if sent is None:
        return None
    pid, tag = sent
    deadline = time.monotonic() + timeout
    while not workspace.is_gone(tag):
        if time.monotonic() > deadline:
            kill(home)
            break
        time.sleep(0.05)
    return pid


def status(home: Path) -> dict | None:
    """What the running keeper says of itself (pid, idle_left, served, soffice), or None when none runs."""
    if recorded(home) is None:
        return None
    client = KeeperOffice("", 0)
    try:
        client.ensure_ready_once(time.monotonic() + HELLO_SECONDS)
        assert client.channel is not None
        deadline = time.monotonic() + HELLO_SECONDS
        client.channel.send({"op": "status"}, b"", deadline)
        return client.channel.receive(deadline)
    except (warm.Unavailable, TimeoutError, OSError, ValueError):
        pid = recorded(home)
        return {"pid": pid, "hung": True} if pid else None
    finally:
        client.stop()


def status_line() -> str:
    """`pdpacket keeper status`, in one line."""
    home = folder()
    said = status(home)
    if said is None:
        return f"no keeper runs (the next build starts one; its folder: {home})"
    if said.get("hung"):
        return f"the keeper (pid {said['pid']}) does not answer: the next build replaces it, or `pdpacket keeper stop`"
    return (f"the keeper runs: pid {said.get('pid')}, stops after {max(0, said.get('idle_left', 0)):.0f} s more "
            f"with nothing to convert, {said.get('served', 0)} conversion(s) served, LibreOffice {said.get('soffice')}")


def stop_line() -> str:
    """`pdpacket keeper stop`, in one line."""
    pid = stop(folder())
    return "no keeper was running" if pid is None else f"stopped the keeper (pid {pid}) and its LibreOffice"


# --- the client ----------------------------------------------------------------------------

class KeeperOffice(server.RemoteOffice):
    """The keeper as a build sees it: started if none runs, replaced if it is dead, hung or runs another soffice."""

    def __init__(self, binary: str, idle_seconds: float):
        super().__init__("the keeper")
        self.binary, self.idle_seconds = binary, idle_seconds
        self.spawned_at: float | None = None
        self.last_used = time.monotonic()

    def describe(self) -> str:
        return "LibreOffice kept running between commands (pdpacket-keeper)"

    def lane(self) -> server.RemoteOffice:
        return KeeperOffice(self.binary, self.idle_seconds)

    def start(self) -> None:
        if self.unavailable or self.closed:
            return
        try:
            self._spawn_if_none()
        except (KeeperRefused, OSError) as exc:
            self.unavailable = str(exc)

    def _spawn_if_none(self) -> None:
        if recorded(folder()) is None:
            spawn(self.binary, self.idle_seconds)
            self.spawned_at = time.monotonic()

    def ensure_ready(self, deadline: float) -> None:
        if self.channel is not None or self.unavailable:
            return super().ensure_ready(deadline)
        try:
            self._spawn_if_none()
            self.ensure_ready_once(deadline)
            if self.hello.get("soffice") != self.binary:
                raise warm.Unavailable(f"it runs {self.hello.get('soffice')}, not {self.binary}")
            return
        except (warm.Unavailable, TimeoutError, OSError, KeeperRefused) as exc:
            if isinstance(exc, KeeperRefused) or self.closed:
                self.stop()
                self._give_up(str(exc))
        self.stop()  # dead, hung or another soffice: replaced, once
        self.unavailable = None
        try:
            kill(folder())
            spawn(self.binary, self.idle_seconds)
            self.spawned_at = time.monotonic()
            self.ensure_ready_once(deadline)
        except (warm.Unavailable, TimeoutError, OSError, KeeperRefused) as exc:
            self.stop()
            self._give_up(f"the keeper did not answer ({exc or 'timed out'})")

    def ensure_ready_once(self, deadline: float) -> None:
        """Connect and say hello, within HELLO_SECONDS (SPAWN_SECONDS for a keeper this command started)."""
        waiting = SPAWN_SECONDS if self.spawned_at is not None else HELLO_SECONDS
        super().ensure_ready(min(deadline, time.monotonic() + waiting))

    def _connect(self, deadline: float) -> tuple[socket.socket, str]:
        try:
            home = folder()
        except KeeperRefused as exc:
            self._give_up(str(exc))
        while True:  # a keeper starting: its socket or token may not be there yet
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.settimeout(max(0.1, deadline - time.monotonic()))
                sock.connect(str(home / SOCKET))
                token = (home / TOKEN).read_text().strip()
                sock.settimeout(None)
                return sock, token
            except OSError as exc:
                sock.close()
                if self.spawned_at is None or time.monotonic() > deadline or _failed_to_start():
                    self._give_up(f"no keeper answers in {home}: {exc.strerror or exc}")
                time.sleep(0.05)

    def convert_bytes(self, data: bytes, suffix: str, bookmarks: bool, deadline: float) -> bytes:
        if self.channel is not None and time.monotonic() - self.last_used > server.IDLE / 2:
            self.stop()  # the keeper drops a connection idle for server.IDLE (the web app's, overnight): anew
        try:
            return super().convert_bytes(data, suffix, bookmarks, deadline)
        except TimeoutError:  # its LibreOffice hung on this document, or the keeper itself: the next command
            with contextlib.suppress(OSError, KeeperRefused):  # starts another; this one fails as a hang does
                kill(folder())
            raise
        except warm.Died as exc:
            if self.channel is not None:  # the keeper says its LibreOffice died on this document: as without it
                raise
            with contextlib.suppress(OSError, KeeperRefused):  # the keeper itself died: the build goes on
                kill(folder())  # on a LibreOffice of its own, the user none the wiser
            self._give_up(f"the keeper stopped answering ({exc})")
        finally:
            self.last_used = time.monotonic()


def _failed_to_start() -> bool:
    """Whether the keeper this process started has exited with an error (not: left for another keeper)."""
    return bool(_spawned) and _spawned[-1].poll() not in (None, 0)


# --- the keeper itself ---------------------------------------------------------------------

class _Keeper(server.Pool, socketserver.ThreadingUnixStreamServer):
    daemon_threads = True

    def __init__(self, path: Path, token: str, soffice: str, idle_seconds: float):
        super().__init__(str(path), server.Handler)
        self.setup(token, 1)
        self.soffice, self.idle_seconds = soffice, idle_seconds

    def hello(self) -> dict:
        return {"jobs": self.jobs, "soffice": self.soffice}

    def status(self) -> dict:
        return {**super().status(), "soffice": self.soffice, "idle_left": round(self.idle_left(), 1),
                "ready": not self.free.empty() or self.active > 0}

    def idle_left(self) -> float:
        return self.idle_seconds if self.active else self.idle_seconds - (time.monotonic() - self.last_used)

    def watch(self) -> None:
        """Stop serving once idle for the idle time (no connection open meanwhile)."""
        while self.idle_left() > 0:
            time.sleep(min(1.0, max(0.05, self.idle_left())))
        self.shutdown()


def _name_process() -> None:
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None)
        libc.prctl(15, NAME.encode(), 0, 0, 0)  # PR_SET_NAME


def main(argv: list[str]) -> int:
    soffice, idle_seconds = argv[0], float(argv[1])
    _name_process()
    home = folder()
    lock = os.open(home / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return 0  # another keeper runs (or is starting): the commands use that one
    python = warm.uno_python(soffice)
    if python is None:
        return 3
    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(signum, _interrupt)
    token = secrets.token_urlsafe(24)
    with contextlib.ExitStack() as stack:
        work = stack.enter_context(workspace.workdir())
        office = warm.Office(soffice, work / "lo", python)
        stack.callback(office.close)  # last: the socket and the files go first, so no client comes meanwhile
        atomic.write_text(home / TOKEN, token + "\n", mode=0o600)
        (home / SOCKET).unlink(missing_ok=True)  # left by a keeper killed with -9: we hold the lock now
        keeper = _Keeper(home / SOCKET, token, soffice, idle_seconds)
        os.chmod(home / SOCKET, 0o600)
        stack.callback(keeper.server_close)
        stack.callback((home / SOCKET).unlink, missing_ok=True)
        atomic.write_text(home / PID, workspace.owner_tag() + "\n", mode=0o600)
        stack.callback((home / PID).unlink, missing_ok=True)

        def boot() -> None:
            try:
                office.start()
                office.ensure_ready(time.monotonic() + SPAWN_SECONDS)
                keeper.add(office)
            except (warm.Unavailable, TimeoutError) as exc:
                print(f"{NAME}: LibreOffice did not start: {exc}", file=sys.stderr, flush=True)
                keeper.shutdown()

        threading.Thread(target=boot, daemon=True).start()
        threading.Thread(target=keeper.watch, daemon=True).start()
        with contextlib.suppress(KeyboardInterrupt):
            keeper.serve_forever(poll_interval=0.2)
    return 0


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
