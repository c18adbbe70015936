"""Results derived from files, kept between commands in the cache of converted PDFs (convert/cache.py).

A rebuild with nothing changed converts nothing, yet Python redid the same work on the same bytes every
time: the font programs a PDF/A filing embeds (fontTools, about 0.5 s), the pages pdftoppm renders to
see where a stamp may go, the signed scans turned 1-bit, the text of each signable document, the
template check, the schemas' own check (Cerberus), the renders (docxtpl) and the record of what fed
them, the forms filled and flattened. Each such result is kept here under the sha256 of
    what it was computed from (the bytes of the files, the arguments),
    the code that computed it: pdpacket's own modules (their size and time: any edit or upgrade of
        pdpacket changes every key) and, where a library or a program does the work, its identity
        (`library`, `program`: where it is installed, its size and time),
    and this store's format,
so a kept result is the result the computation would give, and the filing stays byte-identical.

The entries live in the same folder as the converted PDFs ($PDPACKET_CACHE, else
$XDG_CACHE_HOME/pdpacket/converted), as `<key>.kept`, written atomically, with the same first JSON line
(sha256 and size: a damaged entry is removed and computed again); they count in the same bound
(cache.converted_mb: a build's trim removes the least recently used of both) and `pdpacket cache clear`
removes them. PDPACKET_CACHE=off turns them off with the rest; `--no-cache` too (drive.py: `bypassed`).

Stdlib only, and below every pipeline step: the template check, validation and the PDF code use it.
"""
from __future__ import annotations

import contextlib
import contextvars
import functools
import hashlib
import importlib.util
import json
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from assembler import atomic

ENV = "PDPACKET_CACHE"
OFF = ("off", "none", "0", "no", "false")
FORMAT = 1
SUFFIX = ".kept"

# Set by a run with --no-cache (drive.py): nothing read from here, nothing written.
_bypassed: contextvars.ContextVar[bool] = contextvars.ContextVar("pdpacket_kept_bypassed", default=False)
# How many results this process took from here and computed (tests and benchmarks read them).
counts = {"hits": 0, "misses": 0}


def folder() -> Path | None:
    """The cache folder (converted PDFs and kept results), or None when PDPACKET_CACHE turns it off."""
    chosen = os.environ.get(ENV, "").strip()
    if chosen.lower() in OFF:
        return None
    if chosen:
        return Path(chosen).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pdpacket" / "converted"


@contextlib.contextmanager
def bypassed(really: bool = True) -> Iterator[None]:
    """Within it (when `really`), every result is computed and none kept: `--no-cache`."""
    token = _bypassed.set(_bypassed.get() or really)
    try:
        yield
    finally:
        _bypassed.reset(token)


def active() -> bool:
    """Whether results are kept now: callers that read files only to make a key ask first (a cold build
    with the cache off pays nothing for it)."""
    return not _bypassed.get() and folder() is not None


def remember(kind: str, inputs: Iterable[bytes | str], compute: Callable[[], bytes]) -> bytes:
    """`compute()`, or what it returned before for the same `kind` and `inputs` with the same code.

    `inputs`: everything the result depends on besides pdpacket's code (file bytes, arguments, the
    `library(...)` or `program(...)` identity of what does the work)."""
    root = None if _bypassed.get() else folder()
    if root is None:
        return compute()
    h = hashlib.sha256()
    for part in (f"pdpacket-kept {FORMAT} {kind}", code_identity(), *inputs):
        data = part.encode() if isinstance(part, str) else hashlib.sha256(part).digest()
        h.update(len(data).to_bytes(8, "big") + data)  # lengths: no two tuples hash alike
    path = root / f"{h.hexdigest()}{SUFFIX}"
    found = _read(path)
    if found is not None:
        counts["hits"] += 1
        return found
    counts["misses"] += 1
    result = compute()
    _write(root, path, result)
    return result


def remember_json(kind: str, inputs: Iterable[bytes | str], compute: Callable[[], Any]) -> Any:
    """remember() for a result that JSON holds (lists, mappings, text, numbers)."""
    data = remember(kind, inputs, lambda: json.dumps(compute(), sort_keys=True, ensure_ascii=False).encode())
    return json.loads(data)


def _read(path: Path) -> bytes | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    header, newline, body = data.partition(b"\n")
    try:
        meta = json.loads(header) if newline else None
    except ValueError:
        meta = None
    if (not isinstance(meta, dict) or meta.get("format") != FORMAT or meta.get("size") != len(body)
            or meta.get("sha256") != hashlib.sha256(body).hexdigest()):
        path.unlink(missing_ok=True)  # damaged (a full disk, a hand edit): computed again
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # used now: the last to be evicted
    return body


def _write(root: Path, path: Path, data: bytes) -> None:
    """A cache that cannot be written (a full disk, a read-only home) costs the next run the work again,
    never this one its result."""
    header = json.dumps({"format": FORMAT, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)},
                        sort_keys=True).encode()
    try:
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        if root.stat().st_mode & 0o077:
            os.chmod(root, 0o700)  # the user's documents' pages and texts
        atomic.write_bytes(path, header + b"\n" + data, mode=0o600)
    except OSError:
        return


@functools.lru_cache(maxsize=1)
def code_identity() -> str:
    """pdpacket's own code and data: every file of the package, by name, size and time (about 2 ms).
    An edit of any module, or another version installed, changes every kept result's key."""
    package = Path(__file__).resolve().parent
    roots = [package]
    if not (package / "schemas").is_dir():  # a source checkout: the schemas are beside the package
        roots.append(package.parent / "schemas")
    h = hashlib.sha256()
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            for name in sorted(filenames):
                if name.endswith((".py", ".yaml", ".json", ".docx")):
                    st = os.stat(os.path.join(dirpath, name))
                    h.update(f"{os.path.relpath(os.path.join(dirpath, name), root.parent)} {st.st_size} "
                             f"{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


@functools.lru_cache(maxsize=16)
def library(name: str) -> str:
    """A Python library's identity without importing it (an import is what a kept result saves): where
    it is installed and the size and time of its first module. An upgrade rewrites it."""
    spec = importlib.util.find_spec(name)
    origin = spec.origin if spec is not None else None
    return f"library {name} {origin} {_stat_of(origin)}"


@functools.lru_cache(maxsize=16)
def program(name: str) -> str:
    """An external program's identity without running it: its path, size and time (`name` not found: so said)."""
    found = shutil.which(name)
    return f"program {name} {found} {_stat_of(os.path.realpath(found)) if found else '-'}"


def file_identity(path: str) -> str:
    """A file's identity without reading it: its path, size and time (missing: so said)."""
    return f"file {path} {_stat_of(path)}"


def _stat_of(path: str | None) -> str:
    if not path:
        return "?"
    try:
        st = os.stat(path)
    except OSError:
        return "?"
    return f"{st.st_size} {st.st_mtime_ns}"
