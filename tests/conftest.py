"""Fixtures and the hypothesis profile; shared non-fixture helpers live in helpers.py."""
from __future__ import annotations

import gc
import os
import signal
from dataclasses import dataclass

import pytest
from hypothesis import settings as hypothesis_settings

from assembler.cli import main
from helpers import FAST_EXAMPLES, SAMPLES, TODAY, Result, tree_hashes

# CI must not fail on a new random draw (nothing would land): examples are derived from
# the test's name. HYPOTHESIS_PROFILE=explore draws new ones and shrinks what fails; "fast"
# (`make test-fast`) draws as "ci" does, fewer of them (helpers.examples).
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
hypothesis_settings.register_profile("fast", hypothesis_settings.get_profile("ci"), max_examples=FAST_EXAMPLES)
hypothesis_settings.register_profile("explore", derandomize=False)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_collection_finish(session):
    """What collection imported (pdpacket, the libraries, the test modules) lives to the end of the session:
    frozen, Python's cyclic garbage collector no longer walks it at every full collection. About 7% of the
    fast tier's CPU, measured on five of its files. The collector still runs as often (a LibreOffice kept by
    convert/warm.py is stopped by a finalizer when its owner is collected)."""
    gc.collect()
    gc.freeze()


@pytest.fixture(scope="session", autouse=True)
def hermetic_session(tmp_path_factory):
    """What pinned_today does, for the whole session: module- and session-scoped fixtures build before
    any function-scoped fixture runs, so without this they saw the developer's PDPACKET_SETTINGS
    (a batch built under the samples' settings, then re-run without them, rebuilt every case)."""
    # A suite started in the background of a script (`make test &`, nohup) inherits SIGINT and SIGHUP
    # ignored, and so would every build the tests start and then interrupt: give them their defaults.
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if signal.getsignal(signal.SIGHUP) is signal.SIG_IGN:
        signal.signal(signal.SIGHUP, signal.SIG_DFL)
    mp = pytest.MonkeyPatch()
    mp.setenv("PDPACKET_TODAY", TODAY)
    mp.delenv("PDPACKET_SETTINGS", raising=False)
    mp.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("xdg-config-session")))
    mp.setenv("PDPACKET_LEDGER", str(tmp_path_factory.mktemp("ledger-session") / "test-ledger.db"))
    # No cache of converted PDFs: a test's build converts what it renders (the fault tests need their
    # LibreOffice to see the document), never reads the developer's cache nor what another test left.
    # The cache's own tests set PDPACKET_CACHE to a folder of their own.
    mp.setenv("PDPACKET_CACHE", "off")
    # No OCR either (seconds a scanned page): the samples' photos would add them to every build. The OCR
    # tests (tests/test_ocr.py) turn it on for their own builds.
    mp.setenv("PDPACKET_OCR", "off")
    # No LibreOffice kept between commands (convert/keeper.py): a CLI build of a test starts and stops
    # its own, as the fault tests expect. The keeper's own tests (test_keeper.py) turn it on.
    mp.setenv("PDPACKET_KEEPER", "off")
    yield
    mp.undo()


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch, tmp_path):
    monkeypatch.setenv("PDPACKET_TODAY", TODAY)
    monkeypatch.delenv("PDPACKET_SETTINGS", raising=False)
    # No stray user settings from the machine running the tests.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    # Builds record themselves in a ledger beside the cases folder: never in samples/.
    monkeypatch.setenv("PDPACKET_LEDGER", str(tmp_path / "test-ledger.db"))
    monkeypatch.setenv("PDPACKET_CACHE", "off")  # see hermetic_session
    monkeypatch.setenv("PDPACKET_KEEPER", "off")  # see hermetic_session


@pytest.fixture
def run(capsys):
    """Run the pdpacket command in-process; return its exit code and output."""
    def _run(*args):
        with pytest.raises(SystemExit) as exc:
            main([str(a) for a in args])
        captured = capsys.readouterr()
        return Result(exc.value.code, captured.out, captured.err)
    return _run


@dataclass
class SampleBuild:
    result: object  # assembler.build's result: filing, manifest, docx_dir, warnings...
    inputs_before: dict[str, str]  # tree_hashes of the sample folder, taken before the build


@pytest.fixture(scope="session")
def sample1_build(tmp_path_factory) -> SampleBuild:
    """Sample 1 built once (several seconds of LibreOffice) for every test that only reads the result.
    Tests that change a file of it work on a copy."""
    from assembler.api import build
    folder = SAMPLES / "1-garcia-lopez"
    inputs_before = tree_hashes(folder)
    with pytest.MonkeyPatch.context() as mp:  # what pinned_today does, for the session
        mp.setenv("PDPACKET_TODAY", TODAY)
        mp.delenv("PDPACKET_SETTINGS", raising=False)
        mp.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("xdg-config")))
        mp.setenv("PDPACKET_LEDGER", str(tmp_path_factory.mktemp("sample1-ledger") / "ledger.db"))
        result = build(folder, tmp_path_factory.mktemp("sample1-out"))
    return SampleBuild(result, inputs_before)
