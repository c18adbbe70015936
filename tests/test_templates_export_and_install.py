"""A clinic's first day: exporting only the templates a firm changes, installing anywhere (issue 12)."""
from __future__ import annotations

from assembler.convert import soffice
from assembler.errors import ExitCode
from helpers import REPO


def test_templates_export_only_the_roles_asked_for(run, tmp_path):
    result = run("templates", "export", tmp_path / "firm", "--role", "letter", "--role", "declaration")
    assert result.code == ExitCode.ok, result.err
    assert sorted(p.name for p in (tmp_path / "firm").iterdir()) == ["declaration.docx", "letter.docx"]
    assert result.out.split() == [str(tmp_path / "firm" / "letter.docx"), str(tmp_path / "firm" / "declaration.docx")]


def test_templates_export_refuses_an_unknown_role(run, tmp_path):
    result = run("templates", "export", tmp_path / "firm", "--role", "letters")
    assert result.code == ExitCode.usage
    assert not (tmp_path / "firm").exists()


def test_libreoffice_is_looked_for_where_windows_and_macos_install_it():
    assert r"C:\Program Files\LibreOffice\program\soffice.exe" in soffice.KNOWN_PLACES
    assert r"C:\Program Files (x86)\LibreOffice\program\soffice.exe" in soffice.KNOWN_PLACES
    assert "/Applications/LibreOffice.app/Contents/MacOS/soffice" in soffice.KNOWN_PLACES
    assert "on Windows the installer from libreoffice.org" in soffice.INSTALL_HELP


def test_the_install_guide_says_how_to_install_on_windows_and_macos():
    guide = (REPO / "docs" / "admin" / "install.md").read_text(encoding="utf-8")
    assert "### Windows" in guide and "### macOS" in guide
    assert "pipx install" in guide
    assert r"C:\Program Files\LibreOffice\program\soffice.exe" in guide
