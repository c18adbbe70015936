"""Which settings file applies: the lookup order, with no heavy imports.

`pdpacket build` asks this before the library is imported, to start LibreOffice
early (convert/early.py); casefile/settings.py asks it before reading the file.

Order (the first file found is used, whole):
  1. --settings FILE on the command line
  2. the file named by the PDPACKET_SETTINGS environment variable
  3. pdpacket.yaml in the folder that holds the case folder (a firm's or clinic's cases folder)
  4. $XDG_CONFIG_HOME/pdpacket/settings.yaml (default ~/.config/pdpacket/settings.yaml)
"""
from __future__ import annotations

import os
from pathlib import Path

SETTINGS_FILE_NAME = "pdpacket.yaml"


def find_settings_file(explicit: Path | None, case_dir: Path | None) -> Path | None:
    # Resolved as the file found beside a case is: the paths it names (forms, templates) are then
    # spelled one way, and a build's record of its inputs matches a later command's whichever way
    # the file was named (`--settings cases/pdpacket.yaml` made `send` see a changed G-28).
    if explicit:
        return explicit.resolve()
    env = os.environ.get("PDPACKET_SETTINGS")
    if env:
        return Path(env).resolve()
    if case_dir is not None:
        candidate = case_dir.resolve().parent / SETTINGS_FILE_NAME
        if candidate.is_file():
            return candidate
    else:  # a command about no case (offices, law, templates) run in the cases folder, where init wrote it
        candidate = Path.cwd() / SETTINGS_FILE_NAME
        if candidate.is_file():
            return candidate.resolve()
    config_home = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    candidate = config_home / "pdpacket" / "settings.yaml"
    return candidate if candidate.is_file() else None
