"""Start a build's LibreOffice before anything else, so that it boots while Python imports,
validates and renders (`pdpacket build`; measured on sample 1: 1.58 s a build when started
first thing, 2.18 s when started as the first conversion is due).

This runs before the library is imported (its imports take 0.2 s and more), so it reads
only what it must from the settings, found by the build's own lookup (casefile/lookup.py,
which imports nothing heavy). Nothing here may fail a build: on any
doubt it starts nothing, and the build starts its LibreOffice itself. A settings file
that names a convert-server starts nothing either: that server does the work. Nor does a
rebuild that the record of the last build (memo.py) says will find every document in the
cache of converted PDFs: the build's LibreOffice then starts only if a document is missing.
Where the build converts on the keeper (keeper.py), this starts the keeper if none runs, and
nothing of the build's own.
"""
from __future__ import annotations

import atexit
import os
import tempfile
from pathlib import Path

from assembler import resources, workspace
from assembler.casefile.lookup import find_settings_file
from assembler.convert import cache, keeper, memo, soffice, warm
from assembler.options import BuildOptions, CommandOptions

_office: warm.Office | None = None
_owner = 0
_cached: Path | None = None  # the case whose rebuild memo.py foresaw entirely in the cache
_kept = False  # the keeper runs, or was started, for this build


def start(case: Path, options: CommandOptions) -> None:
    """Start LibreOffice for a build of `case`, to be taken over by the build (adopt)."""
    global _office, _owner, _cached, _kept
    if _office is not None or _cached is not None or _kept:
        return
    try:
        settings_file = find_settings_file(options.settings_file, case if case.is_dir() else case.parent)
        if all_cached(case, settings_file, options):
            _cached, _owner = case, os.getpid()
            return
        found = _soffice_settings(settings_file)
        if found.get("server"):
            return
        binary = soffice.find_soffice(found.get("path"))
        python = warm.uno_python(binary)
        if python is None:
            return
        idle = float((_settings_section(settings_file, "keeper")).get("idle_minutes", keeper.DEFAULT_IDLE_MINUTES))
        if isinstance(options, BuildOptions) and options.keep and keeper.enabled(idle):
            keeper.spawn(binary, idle * 60)  # unless one runs: it boots while the build imports
            _kept = True
            return
        folder = Path(tempfile.mkdtemp(dir=workspace.run_folder()))
        _office, _owner = warm.Office(binary, folder, python), os.getpid()
        atexit.register(discard)
        _office.start()
    except Exception:  # noqa: BLE001 - a head start only: the build itself says what is wrong
        discard()


def all_cached(case: Path, settings_file: Path | None, options: CommandOptions) -> bool:
    """Whether the last build of `case` with these settings and templates, as memo.py recorded it,
    says this one will find every document in the cache."""
    root = cache.folder()
    if root is None or (isinstance(options, BuildOptions) and options.no_cache):
        return False
    templates = options.templates_dir if isinstance(options, BuildOptions) else None
    return memo.all_cached(memo.memo_path(root, case, settings_file, templates), case, root, memo.today())


def foreseen_cached() -> bool:
    """True when this process's build was foreseen entirely in the cache (and so started no LibreOffice)."""
    return _cached is not None and _owner == os.getpid()


def adopt(binary: str) -> warm.Office | None:
    """The LibreOffice started early, if it runs `binary`; the caller closes it from now on."""
    global _office
    office = _office
    if office is None or _owner != os.getpid() or office.soffice != binary:
        return None
    _office = None
    return office


def discard() -> None:
    """Stop a LibreOffice started early that no build took over."""
    global _office
    office, _office = _office, None
    if office is not None and _owner == os.getpid():
        office.close()


def _soffice_settings(path: Path | None) -> dict:
    return _settings_section(path, "soffice")


def _settings_section(path: Path | None, name: str) -> dict:
    if path is None:
        return {}
    data = resources.safe_load(path.read_text(encoding="utf-8"))  # JSON settings files parse as YAML too
    options = data.get(name) if isinstance(data, dict) else None
    return options if isinstance(options, dict) else {}
