"""Start a build's LibreOffice before anything else, so that it boots while Python imports,
validates and renders (`pdpacket build`; measured on sample 1: 1.58 s a build when started
first thing, 2.18 s when started as the first conversion is due).

This runs before the library is imported (its imports take 0.2 s and more), so it reads
only what it must from the settings, found by the build's own lookup (casefile/lookup.py,
which imports nothing heavy). Nothing here may fail a build: on any
doubt it starts nothing, and the build starts its LibreOffice itself. A settings file
that names a convert-server starts nothing either: that server does the work.
"""
from __future__ import annotations

import atexit
import os
import tempfile
from pathlib import Path

from assembler import resources, workspace
from assembler.casefile.lookup import find_settings_file
from assembler.convert import soffice, warm
from assembler.options import CommandOptions

_office: warm.Office | None = None
_owner = 0


def start(case: Path, options: CommandOptions) -> None:
    """Start LibreOffice for a build of `case`, to be taken over by the build (adopt)."""
    global _office, _owner
    if _office is not None:
        return
    try:
        found = _soffice_settings(find_settings_file(options.settings_file, case if case.is_dir() else case.parent))
        if found.get("server"):
            return
        binary = soffice.find_soffice(found.get("path"))
        python = warm.uno_python(binary)
        if python is None:
            return
        folder = Path(tempfile.mkdtemp(dir=workspace.run_folder()))
        _office, _owner = warm.Office(binary, folder, python), os.getpid()
        atexit.register(discard)
        _office.start()
    except Exception:  # noqa: BLE001 - a head start only: the build itself says what is wrong
        discard()


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
    if path is None:
        return {}
    data = resources.safe_load(path.read_text(encoding="utf-8"))  # JSON settings files parse as YAML too
    options = data.get("soffice") if isinstance(data, dict) else None
    return options if isinstance(options, dict) else {}
