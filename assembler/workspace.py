"""Private temporary folders for a build's work, and sweeping up after kills.

Case data is sensitive: work folders are created readable by their owner only
(mkdtemp gives 0700) and removed when the build ends. A process killed with
SIGKILL cannot clean up, so each folder's name carries the owner's PID and the
next run removes folders whose owner is gone.
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from pathlib import Path

PREFIX = "pdpacket-"
_PATTERN = re.compile(rf"^{PREFIX}(\d+)-")


@contextlib.contextmanager
def workdir():
    path = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def sweep_stale() -> int:
    """Remove work folders left by pdpacket processes that no longer run."""
    removed = 0
    root = Path(tempfile.gettempdir())
    for entry in root.iterdir():
        m = _PATTERN.match(entry.name)
        if not m or not entry.is_dir() or entry.owner() != _me():
            continue
        if not _alive(int(m.group(1))):
            shutil.rmtree(entry, ignore_errors=True)
            removed += 1
    return removed


def _me() -> str:
    import pwd
    return pwd.getpwuid(os.getuid()).pw_name


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
