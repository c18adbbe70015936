"""Converted PDFs kept between builds: a rebuild converts only the documents whose bytes changed.

An entry is the PDF LibreOffice made of one document (a render, a case's own .docx, or the
combined document of several renders of one template: combine.py), under the sha256 of
    the exact bytes of the document that was converted (renders and combined documents are
        written with fixed zip timestamps, so the same content gives the same bytes),
    the export options (the filter string: PDF/A-2b, bookmarks as destinations or not),
    the LibreOffice (its versionrc and the size and time of its program files, read without
        starting it) and the fonts fontconfig offers it (fc-list, sorted),
    and this cache's format.
A combined document is cached whole, not render by render: the pages of one render carry the
font subsets of the document they were converted in, so a render converted with other siblings
would put other bytes into the filing. Keyed on what was converted, a page from the cache is
the page LibreOffice would have made, and the filing is byte-identical either way
(tests/test_convert_cache_builds.py).

Where: $PDPACKET_CACHE (a folder, or "off"), else $XDG_CACHE_HOME/pdpacket/converted (default
~/.cache/pdpacket/converted), mode 0700, entries 0600. Each entry starts with one JSON line
holding its PDF's sha256, size and page count: a truncated or damaged entry is found on reading,
removed, and converted again, never used. Entries are written atomically (atomic.py); reading one
marks it used (its mtime), and past the settings' bound (cache.converted_mb, default 500) the
least recently used go. Several builds may share the folder at once: a file that vanishes
between listing and reading is a miss, nothing more.

Results derived from files (font programs, rendered pages, the template check...) are kept in the
same folder, under the same bound, by kept.py, which lies below the pipeline's steps that use it.

Stdlib only: convert/early.py asks memo.py (which uses this) before the library's imports.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from assembler import atomic, kept
from assembler.kept import ENV, OFF, folder  # one folder for converted PDFs and kept results

__all__ = ["DEFAULT_MB", "ENV", "FORMAT", "OFF", "SUFFIX", "Cache", "Entry", "Summary", "clear", "folder",
           "fonts_identity", "info", "libreoffice_identity", "open_cache"]
DEFAULT_MB = 500
FORMAT = 1
SUFFIX = ".pdf"


def open_cache(limit_mb: float = DEFAULT_MB, no_cache: bool = False) -> Cache | None:
    """The cache a build converts through (None: off, by --no-cache or PDPACKET_CACHE=off)."""
    where = None if no_cache else folder()
    return None if where is None else Cache(where, int(limit_mb * 1024 * 1024))


@dataclass(frozen=True)
class Entry:
    pdf: bytes
    pages: int
    extra: dict = field(default_factory=dict)  # what the writer kept beside the PDF (compress.py: its report)


@dataclass(frozen=True)
class Summary:
    """What `pdpacket cache info` and `cache clear` report (folder None: the cache is off)."""
    folder: Path | None
    entries: int
    bytes: int


@dataclass
class Cache:
    root: Path
    limit: int  # bytes
    # What this cache object served and stored (one build's, or a batch worker's): the keys, for the
    # record of the build (memo.py), and how many documents came from the cache, for the progress line.
    used: set[str] = field(default_factory=set)
    hits: int = 0
    misses: int = 0

    def key(self, document: bytes, options: str, libreoffice: str) -> str:
        h = hashlib.sha256()
        for part in (f"pdpacket-converted {FORMAT}".encode(), options.encode(), libreoffice.encode(),
                     hashlib.sha256(document).digest()):
            h.update(len(part).to_bytes(8, "big") + part)  # lengths: no two tuples hash alike
        return h.hexdigest()

    def path(self, key: str) -> Path:
        return self.root / f"{key}{SUFFIX}"

    def get(self, key: str) -> Entry | None:
        """The entry under `key`, checked against its own hash (a damaged one is removed: None)."""
        path = self.path(key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        entry = _parse(data)
        if entry is None:
            path.unlink(missing_ok=True)
            return None
        try:
            os.utime(path)  # used now: the last to be evicted
        except OSError:
            pass
        self.used.add(key)
        return entry

    def put(self, key: str, pdf: bytes, pages: int, extra: dict | None = None) -> None:
        """Keep `pdf` under `key` (with `extra`, a small JSON mapping, in its header). A cache that cannot be
        written (a full disk, a read-only home) costs the next build a conversion, never this build its filing."""
        meta = {"format": FORMAT, "sha256": hashlib.sha256(pdf).hexdigest(), "size": len(pdf), "pages": pages}
        header = json.dumps({**meta, "extra": extra} if extra else meta, sort_keys=True).encode()
        try:
            self._ensure_folder()
            atomic.write_bytes(self.path(key), header + b"\n" + pdf, mode=0o600)
        except OSError:
            return
        self.used.add(key)

    def trim(self) -> None:
        """Remove the least recently used entries until the cache is within its bound."""
        _sweep_parts(self.root)
        entries = _entries(self.root)
        total = sum(size for _, size, _ in entries)
        for path, size, _ in sorted(entries, key=lambda e: e[2]):
            if total <= self.limit:
                break
            try:
                path.unlink(missing_ok=True)
            except OSError:  # a folder made read-only by hand: the next build tries again
                continue
            total -= size

    def _ensure_folder(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        if self.root.stat().st_mode & 0o077:
            os.chmod(self.root, 0o700)  # made by mkdir under a umask, or by hand: the user's documents


def info() -> Summary:
    where = folder()
    if where is None:
        return Summary(None, 0, 0)
    entries = _entries(where)
    return Summary(where, len(entries), sum(size for _, size, _ in entries))


def clear() -> Summary:
    """Remove every entry (and the records of builds that name them); the folder stays."""
    before = info()
    if before.folder is not None:
        _sweep_parts(before.folder)
        for path, _, _ in _entries(before.folder):
            path.unlink(missing_ok=True)
        builds = before.folder / "builds"
        if builds.is_dir():
            for memo_file in builds.iterdir():
                memo_file.unlink(missing_ok=True)
    return before


def _parse(data: bytes) -> Entry | None:
    header, newline, pdf = data.partition(b"\n")
    try:
        meta = json.loads(header) if newline else None
    except ValueError:
        return None
    if (not isinstance(meta, dict) or meta.get("format") != FORMAT or meta.get("size") != len(pdf)
            or meta.get("sha256") != hashlib.sha256(pdf).hexdigest() or not isinstance(meta.get("pages"), int)):
        return None
    extra = meta.get("extra")
    return Entry(pdf, meta["pages"], extra if isinstance(extra, dict) else {})


_PART = re.compile(r"^\..+\.(\d+)-\d+-\d+\.part$")  # atomic.py's temporary name: its writer's pid


def _sweep_parts(where: Path) -> None:
    """Remove the half-written entries of writers that are gone (killed with -9 while writing): they
    hold a client's pages and no entry names them. One whose writer lives is left alone."""
    try:
        listing = list(os.scandir(where))
    except OSError:
        return
    for item in listing:
        found = _PART.match(item.name)
        if found is None:
            continue
        try:
            os.kill(int(found.group(1)), 0)
        except ProcessLookupError:
            with contextlib.suppress(OSError):
                os.unlink(item.path)
        except OSError:  # alive, another user's: not ours to judge
            continue


def _entries(where: Path) -> list[tuple[Path, int, float]]:
    """(path, size, last used) of every entry; one removed meanwhile is left out."""
    found = []
    try:
        listing = list(os.scandir(where))
    except OSError:
        return []
    for item in listing:
        # Kept results (kept.py) share the folder, the bound and `cache clear` with the converted PDFs.
        if item.name.endswith((SUFFIX, kept.SUFFIX)) and not item.name.startswith("."):
            try:
                st = item.stat()
            except OSError:
                continue
            found.append((Path(item.path), st.st_size, st.st_mtime))
    return found


@functools.lru_cache(maxsize=8)
def libreoffice_identity(binary: str) -> str:
    """What tells one LibreOffice from another without starting it: its versionrc (the build id, the
    vendor) and the size and modification time of its program files. An upgrade changes them all."""
    program = Path(binary).resolve().parent
    parts = [str(program)]
    for name in ("versionrc", "soffice", "soffice.bin", "libmergedlo.so", "soffice.exe", "mergedlo.dll",
                 "../Resources/versionrc", "../Frameworks/libmergedlo.dylib"):
        path = program / name
        try:
            st = path.stat()
        except OSError:
            continue
        parts.append(f"{name} {st.st_size} {st.st_mtime_ns}")
        if name.endswith("versionrc"):
            parts.append(hashlib.sha256(path.read_bytes()).hexdigest())
    parts.append(Path(binary).name + " " + _stat_of(binary))
    return "\n".join(parts + [fonts_identity()])


@functools.lru_cache(maxsize=1)
def fonts_identity() -> str:
    """The fonts LibreOffice can use (fc-list, sorted, hashed: about 20 ms): a font installed or
    removed changes pagination, so it changes every key."""
    try:
        listed = subprocess.run(["fc-list"], capture_output=True, timeout=20, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return "fonts unknown"
    return "fonts " + hashlib.sha256(b"\n".join(sorted(listed.splitlines()))).hexdigest()


def _stat_of(path: str) -> str:
    try:
        st = Path(path).stat()
    except OSError:
        return "?"
    return f"{st.st_size} {st.st_mtime_ns}"
