"""One private folder per run for its work, and sweeping up after runs that were killed.

Case data is sensitive: everything a run writes outside the output folder (rendered
documents, converted PDFs, LibreOffice's profiles) lives under one folder of its own,
`$TMPDIR/pdpacket-<pid>-<random>/`, created readable by its owner only (mkdtemp gives
0700) and removed when the run ends. A process killed with SIGKILL cannot clean up,
so the run folder records its owner (PID and start time) and the process groups the
run started (LibreOffice and its helper); the next run removes the folders of runs
that are gone and kills what they left running. A run is gone when its PID no longer
exists or now belongs to a process that started at another time (PIDs are reused):
never by a process's name.
"""
from __future__ import annotations

import atexit
import contextlib
import os
import re
import shutil
import signal
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

PREFIX = "pdpacket-"
_PATTERN = re.compile(rf"^{PREFIX}(\d+)-")
OWNER = "owner"  # "PID START" of the run that made the folder
GROUPS = "groups"  # one file per process group the run started, named by its id, holding the leader's start

_runs: dict[tuple[int, str], Path] = {}  # (PID, temporary folder) -> the run folder there


def run_folder() -> Path:
    """This process's run folder in the temporary folder, made on first use (a forked batch
    worker gets its own; so does a test that points tempfile at a folder of its own)."""
    key = (os.getpid(), tempfile.gettempdir())
    run = _runs.get(key)
    if run is None or not run.is_dir():
        # Made and recorded for removal with the stopping signals held back: one arriving in
        # between would leave a folder that nothing removes until the next run.
        with _signals_held():
            if not any(pid == os.getpid() for pid, _ in _runs):
                _remove_at_exit()
            run = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))
            _runs[key] = run
            (run / OWNER).write_text(owner_tag() + "\n")
            (run / GROUPS).mkdir()
    return run


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    held = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    try:
        before = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    except (AttributeError, OSError, ValueError):  # pragma: no cover - not POSIX
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def _remove_at_exit() -> None:
    multiprocessing = sys.modules.get("multiprocessing")  # never imported here: it costs a build 20 ms
    if multiprocessing is not None and multiprocessing.parent_process() is not None:
        # A pool worker leaves through os._exit: atexit never runs there, multiprocessing's finalizers do.
        from multiprocessing import util
        util.Finalize(None, remove_run_folder, exitpriority=0)
    else:
        atexit.register(remove_run_folder)


def remove_run_folder() -> None:
    """Kill what this run started and still runs, then remove its folders (at exit, however it exits)."""
    with _stops_ignored():
        for key in [k for k in _runs if k[0] == os.getpid()]:
            run = _runs.pop(key)
            _kill_groups(run)
            shutil.rmtree(run, ignore_errors=True)
        sweep_pipes()  # again: a socket of a LibreOffice killed a moment ago may have been listed still


@contextlib.contextmanager
def _stops_ignored() -> Iterator[None]:
    """The run is ending already: a second Ctrl-C, or a SIGTERM just after a build finished, must
    not break off the removal of its folders (that would leave the client's documents behind)."""
    signals = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    try:
        before = [signal.signal(s, signal.SIG_IGN) for s in signals]
    except ValueError:  # not the main thread (a pool worker's finalizer): nothing to restore
        yield
        return
    try:
        yield
    finally:
        for s, handler in zip(signals, before, strict=True):
            signal.signal(s, handler if handler is not None else signal.SIG_DFL)


@contextlib.contextmanager
def workdir() -> Iterator[Path]:
    """A private folder for one build (or one conversion service) inside the run folder."""
    path = Path(tempfile.mkdtemp(dir=run_folder()))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


# --- process groups a run started ----------------------------------------------------------

def started_group(pgid: int) -> None:
    """Record a process group this run started (a LibreOffice, its UNO helper): if the run is
    killed, the next run kills the group."""
    with contextlib.suppress(OSError):
        (run_folder() / GROUPS / str(pgid)).write_text(start_time(pgid) or "")


def ended_group(pgid: int) -> None:
    for (pid, _), run in _runs.items():
        if pid == os.getpid():
            with contextlib.suppress(OSError):
                (run / GROUPS / str(pgid)).unlink(missing_ok=True)


def _kill_groups(run: Path) -> None:
    folder = run / GROUPS
    if not folder.is_dir():
        return
    for record in folder.iterdir():
        if not record.name.isdigit():
            continue
        pgid = int(record.name)
        try:
            started = record.read_text().strip()
        except OSError:
            continue
        leader = start_time(pgid)
        # The leader alive under another start time: that PID was reused, the group is not ours.
        if leader is not None and started and leader != started:
            continue
        if leader is None and not _group_alive(pgid):
            continue
        # While any member lives the group id cannot be given to a new process: what is left is ours.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


# --- who is alive --------------------------------------------------------------------------

def start_time(pid: int) -> str | None:
    """When process `pid` started (clock ticks since boot, from /proc), or None if it does not
    exist. Elsewhere than Linux, "" for a live process: the PID alone decides there."""
    stat = Path(f"/proc/{pid}/stat")
    if sys.platform.startswith("linux"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return None
        return fields[19] if len(fields) > 19 and fields[0] != "Z" else None
    return "" if _alive(pid) else None


def owner_tag() -> str:
    """This process as a run folder's owner file names it: `PID START`."""
    return f"{os.getpid()} {start_time(os.getpid()) or ''}"


def is_gone(tag: str) -> bool:
    """Is the process that wrote `tag` (owner_tag) gone? A tag that cannot be read is gone."""
    pid, _, started = tag.strip().partition(" ")
    if not pid.isdigit():
        return True
    now = start_time(int(pid))
    return now is None or bool(started and now and now != started)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_stale() -> int:
    """Remove the run folders of pdpacket runs that are gone, and kill what they left running.
    Returns how many were removed."""
    removed = 0
    root = Path(tempfile.gettempdir())
    uid = os.getuid()
    try:
        entries = list(root.iterdir())
    except OSError:
        return 0
    for entry in entries:
        m = _PATTERN.match(entry.name)
        if not m:
            continue
        try:
            if not entry.is_dir() or entry.is_symlink() or entry.stat().st_uid != uid:
                continue
            tag = (entry / OWNER).read_text()
        except FileNotFoundError:
            tag = m.group(1)  # a folder of an older release: the PID alone
        except OSError:
            continue
        if is_gone(tag):
            _kill_groups(entry)
            shutil.rmtree(entry, ignore_errors=True)
            removed += 1
    sweep_pipes()
    return removed


def sweep_pipes() -> None:
    """Remove LibreOffice's pipe sockets (OSL_PIPE_<uid>_...) in /tmp that no process listens on.

    LibreOffice removes its own only when it is not killed, and a build kills it. Whether a
    socket is live is read from the kernel's list of bound sockets, never guessed from a name."""
    bound = _bound_unix_sockets()
    if bound is None:  # not Linux: leave them
        return
    prefix = f"OSL_PIPE_{os.getuid()}_"
    with contextlib.suppress(OSError):
        for entry in Path("/tmp").iterdir():
            if entry.name.startswith(prefix) and str(entry) not in bound and entry.is_socket():
                with contextlib.suppress(OSError):
                    entry.unlink()


def _bound_unix_sockets() -> set[str] | None:
    try:
        lines = Path("/proc/net/unix").read_text().splitlines()[1:]
    except OSError:
        return None
    return {parts[7] for line in lines if len(parts := line.split()) > 7}
