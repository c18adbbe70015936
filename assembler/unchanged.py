"""A rebuild with nothing changed: told in a blink, before the library is imported (issue 25).

A full build records beside its output (`OUT/.last-build.json`) everything its result came from, and
the next `pdpacket build` (or api.build) of the same case into the same folder compares it with now:
    what the build read: every file it opened (the case file, exhibits, forms, signed scans, hand edits,
        templates, settings, the firm's law and office data, pdpacket's code and data, the libraries), seen
        by an audit hook (sys.addaudithook: "open", "os.listdir", "os.scandir", "sqlite3.connect",
        "subprocess.Popen"), plus the case folder's whole tree and pdpacket's package folder walked
        explicitly (a file that appears where the build only asked whether one exists changes a listing);
    the folders it listed (their names), the programs it ran, the ledgers it opened (their size and time);
    the options and the environment variables that change a build (KEY_ENV), pdpacket's version, Python;
    today's date, when the build asked for it (casefile/case.py's today(): validation always does);
    and every file of the output folder, with its bytes.
A file is unchanged when its size, modification and change times and inode are as recorded (the change
time cannot be set back by hand), or, for the user's own files, when its sha256 is; pdpacket's code,
the libraries and the system's files are compared by their stat alone (an upgrade changes it).
All as recorded: the build's own words (warnings, notes, the filing's line) are said again, the exit code
is 0, and nothing is written. Anything else, or anything unreadable, is a full build: correctness first.
A file the build read that changed while it ran leaves no record (the next build is a full one), and a
full build removes the record before it starts, so a failed one leaves none.

Stdlib only, imported by `pdpacket build` before anything else (start.py): keep its imports tiny.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sys
import sysconfig
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from assembler import __version__

RECORD = ".last-build.json"
FORMAT = 1
# Environment variables that can change what a build makes or says (PDPACKET_* all of them).
KEY_ENV = ("PATH", "HOME", "TZ", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_TIME", "LC_MESSAGES",
           "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "SOURCE_DATE_EPOCH")
_PACKAGE = Path(__file__).resolve().parent
_SKIP_DIRS = {"__pycache__", ".git"}
_BUF = 1 << 20


# --- recording, during a full build ----------------------------------------------------------------

class Recorder:
    """What one full build touched: paths with their stat when first seen (None: absent then)."""

    def __init__(self, skip: list[str], case_dir: str = "/nonexistent") -> None:
        self.skip = tuple(s.rstrip("/") + "/" for s in skip if s)
        self.case = case_dir.rstrip("/") + "/"  # the user's own files: never skipped (but the output folder)
        self.read: dict[str, list[int] | None] = {}
        self.written: set[str] = set()
        self.listed: set[str] = set()
        self.databases: set[str] = set()
        self.made: set[str] = set()  # folders the build made (its temporary ones): nothing in them is an input
        self.today = False
        self.lock = threading.Lock()

    def skipped(self, path: str) -> bool:
        if path.startswith(self.skip) or "/__pycache__/" in path:
            return True
        if path.startswith(self.case):
            return False
        if _RUNS.match(path):
            return True
        if self.made:
            parent = os.path.dirname(path.rstrip("/"))
            while parent not in ("/", ""):
                if parent in self.made:
                    return True
                parent = os.path.dirname(parent)
        return False

    def saw(self, path: str) -> None:
        if path not in self.read and not self.skipped(path):
            with self.lock:
                self.read.setdefault(path, _stat(path))


# The temporary folders of pdpacket's runs (workspace.py: pdpacket-PID-random), this one's and others'
# (a build looks for what dead runs left), are no input; a folder of another name there may be the user's.
_RUNS = re.compile(re.escape(os.path.join(tempfile.gettempdir(), "pdpacket-")) + r"\d+-[^/]+/")
_active: list[Recorder] = []
why = ""  # why the last save() wrote no record (tests read it)
_hooked = False
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def _path(value: Any) -> str | None:
    if value is None or isinstance(value, int):
        return None
    try:
        return os.path.abspath(os.fsdecode(value))
    except (TypeError, ValueError):
        return None


def _hook(event: str, args: tuple) -> None:
    """The audit hook: cheap when no build records; never raises (it runs inside every open())."""
    if not _active:
        return
    try:
        if event == "open":
            path = _path(args[0])
            if path is None:
                return
            mode, flags = args[1], args[2]
            writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                mode is None and isinstance(flags, int) and flags & _WRITE_FLAGS)
            for rec in list(_active):
                if writes:
                    rec.written.add(path)
                else:
                    rec.saw(path)
        elif event in ("os.listdir", "os.scandir"):
            path = _path(args[0] if args else ".")
            if path is not None:
                for rec in list(_active):
                    if not rec.skipped(path + "/"):
                        rec.listed.add(path)
        elif event in ("os.mkdir", "os.remove", "os.rename", "shutil.rmtree"):
            paths = [_path(a) for a in (args[:2] if event == "os.rename" else args[:1])]
            for rec in list(_active):
                for path in paths:
                    if path is not None:
                        (rec.made if event == "os.mkdir" else rec.written).add(path)
        elif event == "sqlite3.connect":
            path = _path(args[0])
            if path is not None:
                for rec in list(_active):
                    rec.databases.add(path)
        elif event == "subprocess.Popen":
            executable, argv = args[0], args[1]
            words = [executable] if executable else []
            words += [argv] if isinstance(argv, (str, bytes, os.PathLike)) else list(argv or [])
            for i, word in enumerate(words):
                path = _path(word)
                if i == 0 and path is not None and os.sep not in os.fsdecode(word):
                    import shutil  # a program named by name: where PATH finds it

                    found = shutil.which(os.fsdecode(word))
                    path = os.path.realpath(found) if found else None
                if path is not None and os.path.isfile(path):
                    for rec in list(_active):
                        rec.saw(path)
    except Exception:  # noqa: BLE001 - an audit hook that raises would fail the build's open()
        pass


def note_folder(folder: Path) -> None:
    """The build asked whether a file is in `folder` (a template of a role): a file that appears there
    later is a change, as its listing shows (the audit hook sees no such question)."""
    for rec in list(_active):
        rec.listed.add(os.path.abspath(folder))


def note_today() -> None:
    """casefile/case.py's today() was asked: the build depends on the day."""
    for rec in list(_active):
        rec.today = True


@contextlib.contextmanager
def recording(case: Path, out: Path, skip: list[Path | str]) -> Iterator[Recorder]:
    """Within it, what the build reads is recorded. `skip`: folders whose files are not inputs (the output
    folder, the caches, the temporary folders)."""
    global _hooked
    if not _hooked:  # once per process: audit hooks cannot be removed (the web app builds many times)
        sys.addaudithook(_hook)
        _hooked = True
    rec = Recorder([str(Path(p).resolve()) for p in skip] + ["/proc", "/dev", "/sys", "/run"], str(_case_dir(case)))
    _walk(rec, _case_dir(case))
    _walk(rec, _PACKAGE)
    # The settings files a build would take if they appeared (casefile/lookup.py: beside the case's
    # folder, then the user's): absent now, their appearing is a change.
    config_home = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    for candidate in (_case_dir(case).parent / "pdpacket.yaml", Path(config_home) / "pdpacket" / "settings.yaml"):
        rec.saw(str(candidate))
    _active.append(rec)
    try:
        yield rec
    finally:
        _active.remove(rec)


def _walk(rec: Recorder, top: Path) -> None:
    for root, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not rec.skipped(os.path.join(root, d) + "/"))
        rec.listed.add(os.path.abspath(root))
        for name in files:
            rec.saw(os.path.abspath(os.path.join(root, name)))


def _case_dir(case: Path) -> Path:
    case = Path(case).resolve()
    return case if case.is_dir() else case.parent


def default_out(case: Path) -> Path:
    """Where a build of `case` writes when no -o is given (api.build: the case's folder's `out`)."""
    return _case_dir(case) / "out"


def forget(out: Path) -> dict:
    """Before a full build: no record until it has succeeded. The old record's inputs, whose hashes still
    hold for the files whose stat has not changed."""
    previous = _previous(Path(out))
    with contextlib.suppress(OSError):
        (Path(out) / RECORD).unlink()
    return previous


def save(rec: Recorder, out: Path, key: dict, result: Any, previous: dict) -> None:
    """After a successful full build: the record, unless a file it read changed while it ran. Never fails
    the build (a missing record costs the next build its fast path, nothing else)."""
    global why
    out = Path(out).resolve()
    try:
        inputs = {}
        for path, first in sorted(rec.read.items()):
            if path in rec.written or rec.skipped(path) or path.startswith(str(out) + "/"):
                continue
            now = _stat(path)
            if now != first:
                why = f"{path} changed while the build ran"
                return  # what the build made may not be what the file says now
            inputs[path] = _entry(path, now, previous.get(path), _system(path))
        outputs = {}
        for root, dirs, files in os.walk(out):
            dirs[:] = [d for d in dirs if not d.startswith(".pdpacket-")]
            for name in files:
                path = os.path.join(root, name)
                if name != RECORD and not name.startswith("."):
                    outputs[path] = _entry(path, _stat(path), None, False)
        for module in list(sys.modules.values()):  # the libraries imported before the build began
            file = getattr(module, "__file__", None)
            if isinstance(file, str) and file not in inputs and not _stdlib(file):
                inputs[file] = _entry(file, _stat(file), None, True)
        listed = {d: _listing(d) for d in sorted(rec.listed)
                  if not _system(d + "/") and not d.startswith(str(out)) and d != tempfile.gettempdir()}
        data = {"format": FORMAT, "identity": _identity(), "key": key,
                "today": _today() if rec.today else None, "built_at": time.strftime("%Y-%m-%d %H:%M:%S"),
                "inputs": inputs, "listed": listed, "databases": {d: _state(d) for d in sorted(rec.databases)},
                "outputs": outputs, "said": said(result), "result": _result(result)}
        from assembler import atomic

        atomic.write_text(out / RECORD, json.dumps(data, sort_keys=True, ensure_ascii=False))
    except (OSError, ValueError, TypeError) as exc:
        why = f"no record: {exc}"
        forget(out)


# --- the check, before a build ---------------------------------------------------------------------

def key(case: Path, out: Path | None, settings_file: Path | None, templates_dir: Path | None, **choices: bool) -> dict:
    """What names a build besides the files it reads: its case, output, options and environment."""
    def resolved(p: Path | None) -> str | None:
        return str(Path(p).resolve()) if p else None
    env = {k: v for k, v in os.environ.items() if k.startswith("PDPACKET_") or k in KEY_ENV}
    return {"case": resolved(case), "out": resolved(out or default_out(case)), "settings": resolved(settings_file),
            "templates": resolved(templates_dir), "choices": dict(sorted(choices.items())), "env": dict(sorted(env.items())),
            "cwd": os.getcwd()}


def unchanged(out: Path, key: dict) -> dict | None:
    """The record of the last build into `out` when nothing it came from, and nothing it made, changed
    since; else None (build)."""
    try:
        data = json.loads((Path(out) / RECORD).read_text(encoding="utf-8"))
        if data.get("format") != FORMAT or data["identity"] != _identity() or data["key"] != key:
            return None
        if data["today"] is not None and data["today"] != _today():
            return None
        for group in ("outputs", "inputs"):
            for path, entry in data[group].items():
                if not _same(path, entry):
                    return None
        if not data["outputs"]:
            return None
        if any(_listing(d) != names for d, names in data["listed"].items()):
            return None
        if any(_state(d) != st for d, st in data["databases"].items()):
            return None
        return data
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def said(result: Any) -> dict:
    """What `pdpacket build` prints of a build's result: the same lines whether it built or not."""
    err = [f"from {name} (edited by hand, used instead of a render)" for name in result.edited]
    err += [problem.render() for problem in result.warnings] + list(result.notes)
    return {"stderr": err, "stdout": [f"{result.filing} ({result.pages} pages)",
                                      *(str(p) for p in [*result.parts, *result.drafts])]}


def since_line(built_at: str, filing: Path | str) -> str:
    return f"unchanged since the build of {built_at}: {filing}"


def replay(out: Path, key: dict) -> bool:
    """`pdpacket build` with nothing changed: say what the last build said, and True; else False."""
    found = unchanged(out, key)
    if found is None:
        return False
    lines = found["said"]
    err = [*lines["stderr"], since_line(found["built_at"], found["result"]["filing"])]
    sys.stderr.write("".join(f"{line}\n" for line in err))
    sys.stdout.write("".join(f"{line}\n" for line in lines["stdout"]))
    return True


def _result(result: Any) -> dict:
    from dataclasses import asdict

    warnings = [{**asdict(w), "severity": getattr(w.severity, "value", w.severity)} for w in result.warnings]
    return {"filing": str(result.filing), "manifest": str(result.manifest), "docx_dir": str(result.docx_dir),
            "pages": result.pages, "warnings": warnings, "parts": [str(p) for p in result.parts],
            "edited": list(result.edited), "drafts": [str(p) for p in result.drafts], "notes": list(result.notes)}


# --- files -----------------------------------------------------------------------------------------

def _stat(path: str) -> list[int] | None:
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, int(os.path.isdir(path))]


def _system(path: str) -> bool:
    """pdpacket's code and data, Python's, the libraries', the system's: compared by stat alone."""
    return path.startswith(_SYSTEM)


_SYSTEM = tuple({str(_PACKAGE) + "/", sys.prefix + "/", sys.base_prefix + "/", sys.exec_prefix + "/",
                 sysconfig.get_paths()["purelib"] + "/", "/usr/", "/lib/", "/lib64/", "/bin/", "/sbin/", "/etc/",
                 "/opt/"})


_STDLIB = os.path.dirname(os.__file__) + "/"  # Python's own modules: sys.version stands for them


def _stdlib(path: str) -> bool:
    return path.startswith(_STDLIB) and "-packages/" not in path


def _entry(path: str, st: list[int] | None, previous: list | None, system: bool) -> list:
    if st is None or st[4] or system:
        return [st, None]
    if previous and previous[0] == st and previous[1]:
        return previous  # the same file as the last record's: its hash still holds
    return [st, _sha(path)]


def _same(path: str, entry: list) -> bool:
    recorded, digest = entry
    now = _stat(path)
    if now == recorded:
        return True
    if now is None or recorded is None or digest is None or now[4]:
        return False
    return now[0] == recorded[0] and _sha(path) == digest


def _sha(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_BUF):
            h.update(chunk)
    return h.hexdigest()


def _listing(folder: str) -> str | None:
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return None
    return hashlib.sha256("\0".join(names).encode("utf-8", "surrogateescape")).hexdigest()


def _state(database: str) -> list:
    """A ledger's size and time, its write-ahead log's too: a row recorded since is a change."""
    return [_stat(database), _stat(database + "-wal")]


def _previous(out: Path) -> dict:
    try:
        return json.loads((out / RECORD).read_text(encoding="utf-8"))["inputs"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _identity() -> list:
    return [__version__, sys.version, sys.executable]


def _today() -> str:
    import datetime

    return os.environ.get("PDPACKET_TODAY") or datetime.date.today().isoformat()
