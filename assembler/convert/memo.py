"""What the last build of a case read, so that the next `pdpacket build` can tell, before its imports,
that it will need no LibreOffice at all.

`pdpacket build` starts LibreOffice first thing (early.py: it boots while Python imports and
renders, 0.6 s of a cold build). A rebuild with nothing changed finds every document in the
cache (cache.py) and must start none. Which documents a build converts is known only once they
are rendered; what they are rendered from is known before: the case file, the files it names, the
templates, the settings, the edited copies, and the day (letters are dated). So a successful
build records those files (size and modification time), the day, pdpacket's version and the
cache entries it used; the next build of the same case with the same settings and templates
that finds them all as they were, and the entries still there, starts no LibreOffice early.

A wrong guess costs time, never a wrong filing: documents are looked up by their bytes either
way, and a document the cache lacks starts LibreOffice when it is due (warm.Office starts on
its first conversion). Stdlib only: early.py runs this before the library is imported.
"""
from __future__ import annotations

import datetime
import hashlib
import json
import os
from pathlib import Path

from assembler import __version__, atomic
from assembler.convert.cache import SUFFIX

KEEP = 200  # records kept (one per case, settings and templates built); the oldest go


def memo_path(root: Path, case: Path, settings_file: Path | None, templates_dir: Path | None) -> Path:
    """The record of builds of `case` (its folder, or its file) with these settings and templates."""
    case_dir = case if case.is_dir() else case.parent
    what = json.dumps([str(case_dir.resolve()), _resolved(settings_file), _resolved(templates_dir)])
    return root / "builds" / f"{hashlib.sha256(what.encode()).hexdigest()}.json"


def today() -> str:
    """The build's day as the documents print it (PDPACKET_TODAY pins it, as casefile/case.py reads it)."""
    return os.environ.get("PDPACKET_TODAY") or datetime.date.today().isoformat()


def record(where: Path, case_file: Path, inputs: list[Path], keys: list[str] | set[str], today: str) -> None:
    """After a build: what it read and which cache entries it used. Never fails the build."""
    data = {"version": __version__, "today": today, "case_file": str(case_file.resolve()),
            "inputs": {str(p): _stat(p) for p in sorted(set(inputs))}, "entries": sorted(keys)}
    try:
        where.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        atomic.write_text(where, json.dumps(data, sort_keys=True), mode=0o600)
        records = sorted(where.parent.glob("*.json"), key=lambda p: p.stat().st_mtime)
        for old in records[:-KEEP]:
            old.unlink(missing_ok=True)
    except OSError:
        pass


def all_cached(where: Path, case: Path, root: Path, today: str) -> bool:
    """True when a build of `case` will find every document it converts in the cache, as far as the
    last build's record can tell."""
    try:
        data = json.loads(where.read_text(encoding="utf-8"))
        if data["version"] != __version__ or data["today"] != today:
            return False
        if case.is_file() and str(case.resolve()) != data["case_file"]:
            return False
        if any(_stat(Path(p)) != st for p, st in data["inputs"].items()):
            return False
        return bool(data["entries"]) and all((root / f"{key}{SUFFIX}").is_file() for key in data["entries"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


def _stat(path: Path) -> list[int] | None:
    """A file's size and modification time; a folder's time (a file added or removed changes it)."""
    try:
        st = os.stat(path)
    except OSError:
        return None  # absent: its appearing is a change too
    return [st.st_size, st.st_mtime_ns]


def _resolved(path: Path | None) -> str | None:
    return str(Path(path).resolve()) if path else None
