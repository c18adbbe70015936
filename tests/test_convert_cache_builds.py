"""Builds through the cache of converted PDFs (assembler/convert/cache.py): a rebuild converts only the
documents whose bytes changed, one with nothing changed starts no LibreOffice at all, and the filing is
byte-identical whether its parts came from the cache or from LibreOffice.

The builds run as `pdpacket build` does, in a process of their own (the early start of LibreOffice,
convert/early.py, happens only there), with PDPACKET_SOFFICE pointing at a stand-in that records each
start of LibreOffice and runs the real one."""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import REPO, SAMPLES, TODAY, copy_firm_settings, page_texts

pytestmark = pytest.mark.libreoffice

RECORDING = REPO / "tests" / "fakes" / "recording-soffice"


@pytest.fixture
def sample1(tmp_path):
    """A copy of sample 1 beside the samples' firm settings (the tests change its case file), without the
    attorney's approval it ships with: a change to the case would make that stale, and the draft that follows
    changes the certificate of service too (its "/s/"), which is not what these tests measure."""
    copy_firm_settings(tmp_path / "cases")
    case = tmp_path / "cases" / "1-garcia-lopez"
    shutil.copytree(SAMPLES / "1-garcia-lopez", case, ignore=shutil.ignore_patterns("approval.json"))
    return case


class Builds:
    def __init__(self, tmp_path: Path):
        self.cache = tmp_path / "cache"
        self.calls = tmp_path / "soffice-calls.txt"
        self.env = {**os.environ, "PDPACKET_CACHE": str(self.cache), "PDPACKET_SOFFICE": str(RECORDING),
                    "SOFFICE_CALLS": str(self.calls), "REAL_SOFFICE": shutil.which("soffice") or "soffice",
                    "PDPACKET_TODAY": TODAY, "XDG_CONFIG_HOME": str(tmp_path / "xdg"),
                    "PDPACKET_LEDGER": str(tmp_path / "ledger.db")}
        self.env.pop("PDPACKET_SETTINGS", None)

    def build(self, case: Path, out: Path, *more: str) -> tuple[str, int]:
        """The filing's sha256, and how many times LibreOffice was started for this build."""
        self.calls.unlink(missing_ok=True)
        done = subprocess.run([sys.executable, "-m", "assembler", "build", str(case), "-o", str(out), "-q", *more],
                              cwd=REPO, env=self.env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        [filing] = out.glob("*.pdf")
        starts = len(self.calls.read_text().splitlines()) if self.calls.exists() else 0
        return hashlib.sha256(filing.read_bytes()).hexdigest(), starts

    def entries(self) -> set[Path]:
        return set(self.cache.glob("*.pdf"))


def test_a_rebuild_with_nothing_changed_starts_no_libreoffice_and_gives_the_same_bytes(sample1, tmp_path):
    builds = Builds(tmp_path)
    cold, cold_starts = builds.build(sample1, tmp_path / "out1")
    assert cold_starts >= 1
    stored = builds.entries()
    assert stored, "the cold build filled the cache"
    results = set(builds.cache.glob("*.kept"))  # font programs, rendered pages, texts, checks (kept.py)
    assert results, "the cold build kept what it derived from files"
    warm, warm_starts = builds.build(sample1, tmp_path / "out2")
    assert warm == cold, "a filing from the cache is the filing LibreOffice makes"
    assert warm_starts == 0, "nothing changed: LibreOffice was not needed, so not started"
    assert builds.entries() == stored
    assert set(builds.cache.glob("*.kept")) == results, "and it computed nothing new"
    bypassed, bypassed_starts = builds.build(sample1, tmp_path / "out3", "--no-cache")
    assert (bypassed, bypassed_starts >= 1) == (cold, True)


def test_a_rebuild_after_one_field_of_the_letter_changed_converts_the_letter_alone(sample1, tmp_path):
    builds = Builds(tmp_path)
    builds.build(sample1, tmp_path / "out1")
    before = builds.entries()
    case_file = sample1 / "case.yaml"
    text = case_file.read_text(encoding="utf-8")
    old = "exercise prosecutorial discretion and move to dismiss these proceedings."
    assert old in text
    case_file.write_text(text.replace(old, "exercise its prosecutorial discretion and move to dismiss."),
                         encoding="utf-8")
    _, starts = builds.build(sample1, tmp_path / "out2")
    assert starts == 1
    new = builds.entries() - before
    assert len(new) == 1, "one document converted: the letter"
    [entry] = new
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(entry.read_bytes().split(b"\n", 1)[1])
    assert "exercise its prosecutorial discretion and move to dismiss." in " ".join(
        " ".join(t.split()) for t in page_texts(pdf))


def test_a_damaged_entry_is_converted_again_and_the_filing_is_unchanged(sample1, tmp_path):
    builds = Builds(tmp_path)
    cold, _ = builds.build(sample1, tmp_path / "out1")
    for entry in builds.entries():
        entry.write_bytes(entry.read_bytes()[:-100])  # truncated, as by a full disk
    again, starts = builds.build(sample1, tmp_path / "out2")
    assert (again, starts >= 1) == (cold, True)


def test_a_rebuild_through_the_api_starts_no_libreoffice_either(sample1, tmp_path, monkeypatch):
    # A script or a long-lived caller builds through api.build, without the command's early start:
    # the driver reads the last build's record itself.
    from assembler import api, workspace

    monkeypatch.setenv("PDPACKET_CACHE", str(tmp_path / "cache"))
    first = api.build(sample1, tmp_path / "out1")
    started: list[int] = []
    real = workspace.started_group
    monkeypatch.setattr(workspace, "started_group", lambda pid: (started.append(pid), real(pid))[1])
    second = api.build(sample1, tmp_path / "out2")
    assert started == [], "every document was in the cache: no LibreOffice process was started"
    assert hashlib.sha256(second.filing.read_bytes()).digest() == hashlib.sha256(first.filing.read_bytes()).digest()


def _hashes(files: list[Path]) -> list[str]:
    return [hashlib.sha256(f.read_bytes()).hexdigest() for f in sorted(files)]


def test_the_court_papers_and_a_batch_use_the_same_cache(sample1, tmp_path, monkeypatch, run):
    from assembler import api

    cache = tmp_path / "cache"
    monkeypatch.setenv("PDPACKET_CACHE", str(cache))
    first = api.court_papers(sample1, tmp_path / "court1")
    stored = set(cache.glob("*.pdf"))
    assert stored
    second = api.court_papers(sample1, tmp_path / "court2")
    assert set(cache.glob("*.pdf")) == stored, "nothing new converted"
    assert _hashes(second.files or [second.filing]) == _hashes(first.files or [first.filing])
    bypassed = api.court_papers(sample1, tmp_path / "court3", api.BuildOptions(no_cache=True))
    assert _hashes(bypassed.files or [bypassed.filing]) == _hashes(first.files or [first.filing])

    cases = sample1.parent
    done = run("batch", cases, "-o", tmp_path / "batch1", "-j", "1", "-q")
    assert done.code == 0, done.err
    stored = set(cache.glob("*.pdf"))
    again = run("batch", cases, "-o", tmp_path / "batch2", "-j", "1", "-q", "--force")
    assert again.code == 0, again.err
    assert set(cache.glob("*.pdf")) == stored, "the second batch converted nothing"
    assert _hashes(list((tmp_path / "batch2").rglob("*.pdf"))) == _hashes(list((tmp_path / "batch1").rglob("*.pdf")))
