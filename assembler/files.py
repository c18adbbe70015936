"""What the manifest, the ledger and the edited copies all say about a file: its sha256, and its path
as shown relative to a folder (the case's)."""
from __future__ import annotations

import hashlib
from pathlib import Path


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def relative(path: Path, base: Path) -> str:
    """`path` relative to `base` (with forward slashes), or as it is when it lies outside."""
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return str(path)
