"""Which LibreOffice a build converts with, and what makes two builds able to share one.

The vocabulary (README "Development"): a `LibreOffice` (convert/renders.py) is what a
build converts with; it tries its kept-running `Converter`s first (warm.Office, the
build's own over UNO, started early by `pdpacket build` (early.py); server.RemoteOffice,
a convert-server), else starts `soffice --convert-to` once per conversion.
"""
from __future__ import annotations

from pathlib import Path

from assembler.casefile.settings import Settings
from assembler.convert import early, server, soffice, warm
from assembler.convert.renders import LibreOffice


def libreoffice_key(settings: Settings) -> tuple:
    """What decides which LibreOffice libreoffice() gives: a kept one serves every build whose settings agree."""
    return settings.soffice_path, settings.soffice_timeout, settings.soffice_server, settings.soffice_token


def libreoffice(settings: Settings, work: Path) -> LibreOffice:
    """The LibreOffice a build converts with, its private folders in `work`: the convert-server the
    settings name, if it answers; else one of its own kept running over UNO, where a Python with
    `uno` is at hand; else one `soffice --convert-to` start per conversion."""
    binary = soffice.find_soffice(settings.soffice_path)
    kept: list[warm.Converter] = []
    if settings.soffice_server:
        kept.append(server.RemoteOffice(settings.soffice_server, settings.soffice_token))
    own = early.adopt(binary)  # `pdpacket build` started it before importing the library
    python = own.python if own else warm.uno_python(binary)
    if python:
        kept.append(own or warm.Office(binary, work / "lo-warm", python))
    return LibreOffice(binary, work / "lo-profile", settings.soffice_timeout, tuple(kept))
