from __future__ import annotations

import copy
import shutil
from pathlib import Path

import os

import pytest
import yaml
from hypothesis import settings as hypothesis_settings

# CI must not fail on a new random draw (nothing would land): examples are derived from
# the test's name. HYPOTHESIS_PROFILE=explore draws new ones and shrinks what fails.
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
hypothesis_settings.register_profile("explore", derandomize=False)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

from assembler.cli import main

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"
# The samples' hearing dates lie after this day; pinning it keeps the suite
# meaningful whatever day it runs.
TODAY = "2026-11-28"

MINIMAL = {
    "respondent": {"family_names": "Tenzin", "a_number": "A087654321", "date_of_birth": "1990-01-20",
                   "country_of_citizenship": "Nepal"},
    "proceedings": {"court": "Chicago Immigration Court", "stage": "master_calendar"},
    "office": "chicago",
    "request": {"relief": ["administrative_closure"], "summary": "S.", "facts": "F.",
                "favorable_factors": [{"title": "T", "text": "X"}], "negative_factors": "none",
                "criminal_history": "none", "conclusion": "C."},
    "attorney": {"name": "Daniel Okafor", "bar_number": "5123456", "bar_state": "NY",
                 "address": ["350 Broadway", "New York, NY 10013"], "phone": "(212) 555-0142",
                 "email": "d@example.org"},
    "service": {"method": "mail", "date": "2026-12-03", "served_by": "Daniel Okafor"},
}


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch, tmp_path):
    monkeypatch.setenv("PDPACKET_TODAY", TODAY)
    monkeypatch.delenv("PDPACKET_SETTINGS", raising=False)
    # No stray user settings from the machine running the tests.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))


class Result:
    def __init__(self, code, out, err):
        self.code, self.out, self.err = code, out, err


@pytest.fixture
def run(capsys):
    """Run the pdpacket command in-process; return its exit code and output."""
    def _run(*args):
        with pytest.raises(SystemExit) as exc:
            main([str(a) for a in args])
        captured = capsys.readouterr()
        return Result(exc.value.code, captured.out, captured.err)
    return _run


def write_case(folder: Path, data=None, text: str | None = None, name="case.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if text is None:
        text = yaml.safe_dump(data if data is not None else MINIMAL, allow_unicode=True, sort_keys=False)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def minimal(**changes) -> dict:
    """A valid minimal case with dotted-path changes: minimal(**{"respondent.language": "Spanish"})."""
    data = copy.deepcopy(MINIMAL)
    for dotted, value in changes.items():
        target = data
        keys = dotted.split(".")
        for key in keys[:-1]:
            target = target.setdefault(key, {})
        if value is DELETE:
            target.pop(keys[-1], None)
        else:
            target[keys[-1]] = value
    return data


DELETE = object()


@pytest.fixture
def sample_copy(tmp_path):
    """A private copy of a sample (with the samples' settings file beside it)."""
    def _copy(name: str) -> Path:
        dest = tmp_path / "cases" / name
        shutil.copytree(SAMPLES / name, dest, ignore=shutil.ignore_patterns("out"))
        shutil.copy(SAMPLES / "pdpacket.yaml", dest.parent / "pdpacket.yaml")
        return dest
    return _copy
