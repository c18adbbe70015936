"""How a run is stopped from outside: Ctrl-C, SIGTERM, SIGHUP, and a build's own deadline.

Each of these becomes an exception in the main thread that derives from KeyboardInterrupt,
so every path that already cleans up after Ctrl-C (stop LibreOffice's whole process group,
remove the work folders, leave the output folder as it was) cleans up after them too, and
no `except Exception` on the way can swallow one. A stuck LibreOffice cannot delay them:
the main thread never waits on it without a timeout of a tenth of a second.
"""
from __future__ import annotations

import contextlib
import importlib
import signal
import threading
from collections.abc import Callable, Iterator

# The exit codes of a process ended by a signal, as shells report them (128 + the signal's number).
SIGNAL_EXIT = {signal.SIGINT: 130, signal.SIGTERM: 143, signal.SIGHUP: 129}
NAMES = {signal.SIGINT: "interrupted", signal.SIGTERM: "stopped (SIGTERM)", signal.SIGHUP: "stopped (SIGHUP: the terminal closed)"}


class Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP arrived: end the run as after Ctrl-C, with the signal's own exit code."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


class DeadlinePassed(KeyboardInterrupt):
    """The build's deadline passed (raised in the main thread; the build turns it into DeadlineError)."""


def install() -> None:
    """Make SIGTERM and SIGHUP end the run the way Ctrl-C does (main thread only: a command's start)."""
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _raise_stopped)


def _raise_stopped(signum: int, frame: object) -> None:
    raise Stopped(signum)


# Compiled with nanobind, which aborts the whole process ("Critical nanobind error", exit 134, no
# cleanup: the early LibreOffice and the run folder stay) when an exception passes through its
# module's initialisation, as the exception of a signal arriving then would. Seen in a build
# stopped by SIGTERM 1.3 s after its start, while img2pdf imported pikepdf.
NATIVE = ("pikepdf", "zxingcpp")


def preload_native() -> None:
    """Import the NATIVE modules with the stopping signals deferred until they are loaded."""
    with deferred():
        for name in NATIVE:
            try:
                importlib.import_module(name)
            except ImportError:  # said where the module is used, with how to install it
                pass


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Ctrl-C, SIGTERM and SIGHUP arriving inside the block take effect when it ends. (A handler
    that only notes the signal, rather than a blocked mask: another thread may take a signal.)"""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    noted: list[int] = []
    signals = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    before = [signal.signal(s, lambda signum, frame: noted.append(signum)) for s in signals]
    try:
        yield
    finally:
        for s, handler in zip(signals, before, strict=True):
            signal.signal(s, handler if handler is not None else signal.SIG_DFL)
        if noted:
            signal.raise_signal(noted[0])  # now, to the handler it was meant for


def stopped_by(exc: BaseException) -> KeyboardInterrupt | None:
    """The Ctrl-C, SIGTERM or SIGHUP during whose handling `exc` was raised, if any: the signal, not
    a failure of the cleanup it started, says how the run ends (its exit code, 130/143/129)."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt) and not isinstance(cause, DeadlinePassed):
            return cause
        seen.add(id(cause))
        cause = cause.__context__
    return None


def exit_code(exc: BaseException) -> tuple[int, str]:
    """The exit code and the one word for a run ended by `exc` (KeyboardInterrupt or Stopped)."""
    signum = exc.signum if isinstance(exc, Stopped) else signal.SIGINT
    return SIGNAL_EXIT.get(signal.Signals(signum), 128 + signum), NAMES.get(signal.Signals(signum), "stopped")


class Deadline:
    """What `limit` hands its caller: whether the time ran out."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.passed = False


@contextlib.contextmanager
def limit(seconds: float | None, on_expiry: Callable[[], None]) -> Iterator[Deadline]:
    """Give the block `seconds`. When they pass, `on_expiry` runs in a thread of its own (it stops
    the build's LibreOffice, which ends any conversion in flight), and a block running in the main
    thread gets DeadlinePassed at once, even while it waits. A block in another thread (a build
    of the web app) ends when its conversion fails; the caller reads `passed`."""
    deadline = Deadline(seconds or 0)
    if not seconds:
        yield deadline
        return
    main = threading.current_thread() is threading.main_thread()
    ident = threading.get_ident()
    previous = signal.signal(signal.SIGALRM, _raise_deadline) if main else None
    lock, ended = threading.Lock(), [False]

    def expire() -> None:
        with lock:  # never after the block restored SIGALRM's default, which would kill the process
            if ended[0]:
                return
            deadline.passed = True
            if main:  # first: the main thread must hear of the deadline before of a conversion failing
                signal.pthread_kill(ident, signal.SIGALRM)
        with contextlib.suppress(Exception):
            on_expiry()

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    try:
        yield deadline
    finally:
        with lock:
            ended[0] = True
        timer.cancel()
        if main:
            signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)


def _raise_deadline(signum: int, frame: object) -> None:
    raise DeadlinePassed()
