"""The one way pdpacket writes a file in place: a temporary file beside the target, flushed to the
disk, then one rename. A reader (or a crash) sees the old file or the new one, never half of one."""
from __future__ import annotations

import itertools
import os
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

_numbers = itertools.count()


def write_bytes(target: Path, data: bytes, mode: int | None = None) -> None:
    """Replace `target` with `data`. `mode`: the new file's permissions (default: the old file's, or
    what an ordinary new file gets)."""
    _replace(Path(target), lambda fh: fh.write(data), mode)


def write_text(target: Path, text: str, mode: int | None = None) -> None:
    write_bytes(target, text.encode("utf-8"), mode)


def copy(source: Path, target: Path) -> None:
    """Replace `target` with a copy of `source`'s content."""
    with open(source, "rb") as src:
        _replace(Path(target), lambda fh: shutil.copyfileobj(src, fh), None)


def _replace(target: Path, write: Callable[[BinaryIO], object], mode: int | None) -> None:
    # A name of this process and thread alone (the web app writes from threads); O_EXCL never reuses a file.
    tmp = target.with_name(f".{target.name}.{os.getpid()}-{threading.get_ident()}-{next(_numbers)}.part")
    if mode is None and target.exists():
        mode = target.stat().st_mode & 0o777
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 if mode is None else mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)  # os.open's mode passed through the umask
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
