"""Fixtures and the hypothesis profile; shared non-fixture helpers live in helpers.py."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from assembler.cli import main
from helpers import SAMPLES, TODAY, Result

# CI must not fail on a new random draw (nothing would land): examples are derived from
# the test's name. HYPOTHESIS_PROFILE=explore draws new ones and shrinks what fails.
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
hypothesis_settings.register_profile("explore", derandomize=False)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch, tmp_path):
    monkeypatch.setenv("PDPACKET_TODAY", TODAY)
    monkeypatch.delenv("PDPACKET_SETTINGS", raising=False)
    # No stray user settings from the machine running the tests.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))


@pytest.fixture
def run(capsys):
    """Run the pdpacket command in-process; return its exit code and output."""
    def _run(*args):
        with pytest.raises(SystemExit) as exc:
            main([str(a) for a in args])
        captured = capsys.readouterr()
        return Result(exc.value.code, captured.out, captured.err)
    return _run


@pytest.fixture
def sample_copy(tmp_path):
    """A private copy of a sample (with the samples' settings file beside it)."""
    def _copy(name: str) -> Path:
        dest = tmp_path / "cases" / name
        shutil.copytree(SAMPLES / name, dest, ignore=shutil.ignore_patterns("out"))
        shutil.copy(SAMPLES / "pdpacket.yaml", dest.parent / "pdpacket.yaml")
        return dest
    return _copy
