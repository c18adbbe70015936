"""A LibreOffice kept running over UNO (convert/warm.py): the same PDFs as one `soffice --convert-to`
start, and what happens when it dies, hangs or never answers. After every fault no LibreOffice
(nor UNO helper) of the test is left: each test's work folders live in its own tmp_path, so its
processes are the ones whose command line holds that path."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader

from assembler.convert import soffice, warm
from assembler.errors import ExitCode
from assembler.options import BuildOptions
from helpers import FAKES, REPO, SAMPLES, fake_soffice, make_docx, make_pdf, minimal, write_case

SOFFICE = shutil.which("soffice") or "soffice"
UNO_PYTHON = warm.uno_python(SOFFICE)
FAULTY_PYTHON = FAKES / "uno-python"  # the UNO client, with faults on cue


def _uno_importable() -> bool:
    if UNO_PYTHON is None:
        return False
    return subprocess.run([UNO_PYTHON, "-c", "import uno"], capture_output=True).returncode == 0


pytestmark = [pytest.mark.libreoffice,
              pytest.mark.skipif(not _uno_importable(), reason="no Python that imports uno: apt-get install python3-uno")]


@pytest.fixture(autouse=True)
def private_tmp(tmp_path, monkeypatch):
    """Work folders (and so LibreOffice profiles) of this test under its tmp_path; forked workers inherit it."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    monkeypatch.delenv("PDPACKET_UNO_PYTHON", raising=False)
    yield
    assert _processes_of(tmp_path, wait=10) == []


def _processes_of(tmp_path: Path, wait: float = 0.0) -> list[str]:
    """Command lines of live processes that name this test's folder (LibreOffice, its helper, a fake)."""
    deadline = time.monotonic() + wait
    while True:
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if str(tmp_path) in cmdline:
                found.append(cmdline)
        if not found or time.monotonic() >= deadline:
            return found
        time.sleep(0.1)


def _soffice_bins(tmp_path: Path) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                comm = (entry / "comm").read_text().strip()
                cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if comm == "soffice.bin" and str(tmp_path) in cmdline:
                pids.append(int(entry.name))
    return pids


def _case_saying(folder: Path, word: str, i: int = 0) -> Path:
    data = minimal(**{"request.summary": f"Summary {word}.", "respondent.family_names": f"Family{i}",
                      "respondent.a_number": f"A0876543{i:02d}"})
    data["exhibits"] = [{"id": "lease", "file": "ex/lease.pdf", "title": f"Lease {i}"}]
    data["request"]["favorable_factors"][0]["exhibits"] = ["lease"]
    write_case(folder, data)
    make_pdf(folder / "ex" / "lease.pdf", text=f"Lease {i}")
    return folder


def _report(out: Path) -> dict[str, dict]:
    return {c["case"]: c for c in json.loads((out / "batch-report.json").read_text())["cases"]}


# --- fidelity -------------------------------------------------------------------------

def test_every_template_role_converts_to_the_same_pages_and_text_as_one_soffice_start(tmp_path):
    from assembler import build
    from assembler.casefile.case import validate_case
    from assembler.casefile.settings import load_settings
    from assembler.court import court_names
    from assembler.documents.court import court_variables, plan_court
    from assembler.progress import Progress
    from assembler.vocab import COURT_PAPER_ROLES, SIGNING_ROLES, Role

    case = validate_case(SAMPLES / "1-garcia-lopez")
    settings = load_settings(None, case.dir)
    filing = build.plan_build(case, settings, tmp_path / "out", tmp_path / "filing", Progress(False))
    court = court_variables(case.data, settings.courts)[0]
    papers = build.plan_build(case, settings, tmp_path / "out-court", tmp_path / "court", Progress(False),
                              sections=plan_court(case.data, court), names=court_names(case.data),
                              roles=COURT_PAPER_ROLES)
    papers.context["court"] = court
    pending = []
    for planned in (filing, papers):
        pending += build.render_documents(planned, Progress(False)).pending
        build.abandon(planned)
    # The signing packet's covers are not in a filing's or the court's plan: tests/test_signing.py
    # converts them (through the same LibreOffice stage) and reads them back.
    assert {r.part.template for r in pending if r.template} == set(Role) - set(SIGNING_ROLES)
    jobs = [soffice.Job(r.doc, r.label) for r in pending]
    cold = soffice.convert(jobs, tmp_path / "cold", tmp_path / "cold-profile", SOFFICE, 180, bookmarks=True)
    office = warm.Office(SOFFICE, tmp_path / "office", UNO_PYTHON)
    try:
        hot = office.convert(jobs, tmp_path / "warm", 180, bookmarks=True)
    finally:
        office.close()
    for job in jobs:
        a, b = PdfReader(cold[job.source].pdf), PdfReader(hot[job.source].pdf)
        assert cold[job.source].pages == hot[job.source].pages == len(a.pages) == len(b.pages), job.label
        assert [p.extract_text() for p in a.pages] == [p.extract_text() for p in b.pages], job.label
        assert list(a.named_destinations) == list(b.named_destinations), job.label


def test_the_filing_is_byte_identical_and_the_progress_says_which_way_it_was_converted(tmp_path, monkeypatch,
                                                                                       capsys):
    from assembler.api import build
    from assembler.progress import Progress

    def built(name: str) -> tuple[dict[str, bytes], str]:
        build(SAMPLES / "1-garcia-lopez", tmp_path / name, progress=Progress(True))
        files = {p.relative_to(tmp_path / name).as_posix(): p.read_bytes()
                 for p in (tmp_path / name).rglob("*") if p.suffix in (".pdf", ".docx")}
        return files, capsys.readouterr().err

    kept, kept_err = built("kept")
    monkeypatch.setenv("PDPACKET_UNO_PYTHON", "off")
    once, once_err = built("once")
    assert kept == once and len(kept) > 5
    assert "with LibreOffice (LibreOffice kept running, over UNO" in kept_err
    assert "with LibreOffice (one soffice --convert-to start)" in once_err and "over UNO" not in once_err


def test_without_uno_the_build_falls_back_to_one_soffice_start_and_says_so(tmp_path, monkeypatch, capsys):
    from assembler.api import build
    from assembler.progress import Progress
    no_uno = tmp_path / "python-without-uno"
    no_uno.write_text(f"#!/bin/sh\nexec {sys.executable} -I -S \"$@\"\n")  # -S: no site-packages, so no uno
    no_uno.chmod(0o755)
    monkeypatch.setenv("PDPACKET_UNO_PYTHON", str(no_uno))
    result = build(write_case(tmp_path / "c"), tmp_path / "out", progress=Progress(True))
    err = capsys.readouterr().err
    assert result.pages > 0
    assert "LibreOffice kept running, over UNO" in err and "cannot be used" in err
    assert "No module named 'uno'" in err and "one soffice --convert-to start instead" in err


# --- one LibreOffice, driven directly -------------------------------------------------------

def test_libreoffice_killed_mid_conversion_fails_that_conversion_and_the_next_starts_afresh(tmp_path):
    big = make_docx(tmp_path / "docs" / "big.docx", *[f"Paragraph {i} " + "lorem ipsum dolor sit amet " * 12
                                                      for i in range(3000)])  # about 300 pages: seconds to convert
    small = make_docx(tmp_path / "docs" / "small.docx", "Small")
    office = warm.Office(SOFFICE, tmp_path / "office", UNO_PYTHON)
    try:
        office.convert([soffice.Job(small, "small")], tmp_path / "pdf", 120)
        [victim] = _soffice_bins(tmp_path)
        killer = threading.Timer(1.0, os.kill, (victim, signal.SIGKILL))
        killer.start()
        started = time.monotonic()
        with pytest.raises(soffice.Stopped) as caught:
            office.convert([soffice.Job(big, "the big document")], tmp_path / "pdf", 120)
        killer.join()
        assert "LibreOffice did not convert the big document (exit code" in caught.value.message
        assert time.monotonic() - started < 10  # noticed at once, not at the timeout
        assert _processes_of(tmp_path, wait=5) == []  # its helper went with it
        again = office.convert([soffice.Job(small, "small")], tmp_path / "pdf", 120)
        assert again[small].pages == 1 and office.starts == 2
    finally:
        office.close()
    assert not (tmp_path / "office").exists()  # profile (and its lock file) removed


def test_libreoffice_is_restarted_after_so_many_conversions(tmp_path):
    docs = [make_docx(tmp_path / "docs" / f"d{i}.docx", f"Document {i}") for i in range(3)]
    office = warm.Office(SOFFICE, tmp_path / "office", UNO_PYTHON, restart_after=2)
    try:
        for doc in docs:
            assert office.convert([soffice.Job(doc, doc.name)], tmp_path / "pdf", 120)[doc].pages == 1
        assert office.starts == 2
    finally:
        office.close()


def test_a_document_libreoffice_cannot_load_fails_alone_and_libreoffice_keeps_running(tmp_path):
    bad = tmp_path / "docs" / "bad.docx"
    bad.parent.mkdir()
    bad.write_bytes(b"PK\x03\x04 this is not a zip archive")
    good = make_docx(tmp_path / "docs" / "good.docx", "Good")
    office = warm.Office(SOFFICE, tmp_path / "office", UNO_PYTHON)
    try:
        with pytest.raises(soffice.ConversionError) as caught:
            office.convert([soffice.Job(bad, "exhibit bad (bad.docx)")], tmp_path / "pdf", 120)
        assert not isinstance(caught.value, soffice.Stopped)
        assert caught.value.message.startswith("LibreOffice did not convert exhibit bad (bad.docx)")
        assert office.convert([soffice.Job(good, "good")], tmp_path / "pdf", 120)[good].pages == 1
        assert office.starts == 1
    finally:
        office.close()


def test_when_the_process_that_started_libreoffice_is_killed_libreoffice_goes_too(tmp_path):
    doc = make_docx(tmp_path / "docs" / "d.docx", "Hello")
    script = ("import sys, time\nfrom pathlib import Path\nfrom assembler.convert import warm, soffice\n"
              f"o = warm.Office({SOFFICE!r}, Path({str(tmp_path / 'office')!r}), {UNO_PYTHON!r})\n"
              f"o.convert([soffice.Job(Path({str(doc)!r}), 'd')], Path({str(tmp_path / 'pdf')!r}), 120)\n"
              "print('converted', flush=True)\ntime.sleep(300)\n")
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout.readline().strip() == "converted"
        assert _soffice_bins(tmp_path)
    finally:
        parent.kill()  # SIGKILL: no cleanup of its own; the helper sees its stdin close
        parent.wait()
    assert _processes_of(tmp_path, wait=10) == []


# --- builds ------------------------------------------------------------------------------

def test_a_build_whose_libreoffice_dies_fails_with_the_conversion_exit_code(run, tmp_path, monkeypatch):
    monkeypatch.setenv("PDPACKET_UNO_PYTHON", str(FAULTY_PYTHON))
    out = tmp_path / "out"
    result = run("build", _case_saying(tmp_path / "c", "KILLME"), "-o", out)
    assert result.code == ExitCode.conversion_failed, result.err
    assert "error: LibreOffice did not convert" in result.err and "(exit code" in result.err
    assert "Traceback" not in result.err
    assert not out.exists() or list(out.iterdir()) == []


def test_a_build_whose_libreoffice_hangs_is_stopped_at_the_timeout(run, tmp_path, monkeypatch):
    monkeypatch.setenv("PDPACKET_UNO_PYTHON", str(FAULTY_PYTHON))
    settings = tmp_path / "s.yaml"
    settings.write_text("soffice:\n  timeout: 5\n")
    started = time.monotonic()
    result = run("build", "--settings", settings, _case_saying(tmp_path / "c", "HANGME"), "-o", tmp_path / "out")
    assert result.code == ExitCode.conversion_failed
    assert "LibreOffice did not finish converting" in result.err and "within 5 s" in result.err
    assert time.monotonic() - started < 60


def test_a_libreoffice_that_never_answers_is_stopped_at_the_timeout(run, tmp_path, monkeypatch):
    never = fake_soffice(tmp_path, "sleep 300 &\nwait", "soffice-that-never-answers")  # never opens its pipe
    monkeypatch.setenv("PDPACKET_SOFFICE", str(never))
    settings = tmp_path / "s.yaml"
    settings.write_text("soffice:\n  timeout: 5\n")
    started = time.monotonic()
    result = run("build", "--settings", settings, write_case(tmp_path / "c"), "-o", tmp_path / "out")
    assert result.code == ExitCode.conversion_failed
    assert "did not finish converting" in result.err and "within 5 s" in result.err
    assert time.monotonic() - started < 30  # one timeout, not one per conversion


def test_a_libreoffice_that_will_not_start_as_a_server_falls_back_to_one_start(run, tmp_path, monkeypatch):
    once_only = fake_soffice(tmp_path, f'case "$*" in *--accept*) exit 1;; esac\nexec {SOFFICE} "$@"',
                             "soffice-without-accept")
    monkeypatch.setenv("PDPACKET_SOFFICE", str(once_only))
    result = run("build", write_case(tmp_path / "c"), "-o", tmp_path / "out")
    assert result.code == 0, result.err


def test_court_papers_stop_their_libreoffice(run, tmp_path):
    result = run("court", SAMPLES / "1-garcia-lopez", "-o", tmp_path / "court")
    assert result.code == 0, result.err
    assert _processes_of(tmp_path, wait=5) == []


# --- batches -----------------------------------------------------------------------------

def test_batch_a_hanging_case_fails_alone_and_the_others_build(run, tmp_path, monkeypatch):
    monkeypatch.setenv("PDPACKET_UNO_PYTHON", str(FAULTY_PYTHON))
    root = tmp_path / "src"
    for i, word in enumerate(["fine", "HANGME", "fine", "fine"]):
        _case_saying(root / f"case{i:02d}", word, i)
    (root / "pdpacket.yaml").write_text("soffice:\n  timeout: 8\n")
    result = run("batch", root, "-o", tmp_path / "out", "--jobs", "2", "-q")
    assert result.code == ExitCode.batch_partial_failure
    report = _report(tmp_path / "out")
    assert report["case01"]["status"] == "failed" and report["case01"]["exit_code"] == ExitCode.conversion_failed
    assert "did not finish converting" in report["case01"]["message"]
    assert [report[c]["status"] for c in ("case00", "case02", "case03")] == ["built"] * 3


def test_batch_a_case_whose_libreoffice_died_once_is_retried_on_a_fresh_one(run, tmp_path, monkeypatch):
    monkeypatch.setenv("PDPACKET_UNO_PYTHON", str(FAULTY_PYTHON))
    monkeypatch.setenv("FAULT_MARKER", str(tmp_path / "killed-once"))
    root = tmp_path / "src"
    for i, word in enumerate(["fine", "KILLONCE", "fine"]):
        _case_saying(root / f"case{i:02d}", word, i)
    result = run("batch", root, "-o", tmp_path / "out", "--jobs", "1", "-q")
    assert result.code == 0, result.err
    assert (tmp_path / "killed-once").exists()
    assert {r["status"] for r in _report(tmp_path / "out").values()} == {"built"}


def test_batch_a_case_that_kills_libreoffice_every_time_fails_alone(run, tmp_path, monkeypatch):
    monkeypatch.setenv("PDPACKET_UNO_PYTHON", str(FAULTY_PYTHON))
    root = tmp_path / "src"
    for i, word in enumerate(["fine", "KILLME", "fine"]):
        _case_saying(root / f"case{i:02d}", word, i)
    result = run("batch", root, "-o", tmp_path / "out", "--jobs", "1", "-q")
    assert result.code == ExitCode.batch_partial_failure
    report = _report(tmp_path / "out")
    assert report["case01"]["status"] == "failed" and report["case01"]["exit_code"] == ExitCode.conversion_failed
    assert "LibreOffice did not convert" in report["case01"]["message"]
    assert report["case00"]["status"] == report["case02"]["status"] == "built"


def test_batch_gives_the_same_filings_as_a_batch_of_one_soffice_start_per_step(run, tmp_path, monkeypatch):
    # Not the same bytes as single builds: renders of one template are converted together
    # across a chunk's cases, so a font subset holds the glyphs of all of them.
    root = tmp_path / "src"
    for i in range(3):
        _case_saying(root / f"case{i:02d}", "fine", i)
    assert run("batch", root, "-o", tmp_path / "kept", "--jobs", "2", "-q").code == 0
    monkeypatch.setenv("PDPACKET_UNO_PYTHON", "off")
    assert run("batch", root, "-o", tmp_path / "once", "--jobs", "2", "-q").code == 0
    for i in range(3):
        [a] = (tmp_path / "kept" / f"case{i:02d}").glob("*.pdf")
        [b] = (tmp_path / "once" / f"case{i:02d}").glob("*.pdf")
        assert a.read_bytes() == b.read_bytes()


# --- convert-server ----------------------------------------------------------------------

class _Server:
    """`pdpacket convert-server --port 0` in a process of its own, its folders in the test's."""

    def __init__(self, tmp_path: Path, *args: str, env: dict | None = None):
        environment = {**os.environ, "TMPDIR": str(tmp_path / "tmp"), **(env or {})}
        self.proc = subprocess.Popen([sys.executable, "-m", "assembler", "convert-server", *args], cwd=REPO,
                                     env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.address = self.proc.stdout.readline().strip() if "--port" in args and "0" in args else ""

    def settings(self, path: Path, **extra) -> Path:
        path.write_text(yaml.safe_dump({"soffice": {"server": self.address, **extra}}))
        return path

    def stop(self, signal_number: int | None = signal.SIGTERM) -> tuple[int, str]:
        if signal_number is not None and self.proc.poll() is None:
            self.proc.send_signal(signal_number)
        _, err = self.proc.communicate(timeout=60)
        return self.proc.returncode, err


def test_builds_convert_on_a_running_convert_server_and_give_the_same_filing(run, tmp_path, capsys):
    from assembler.api import build
    from assembler.progress import Progress
    server = _Server(tmp_path, "--port", "0", "--jobs", "2")
    try:
        assert server.address.startswith("127.0.0.1:"), server.stop()
        token_file = tmp_path / "xdg-config" / "pdpacket" / f"convert-server-{server.address.split(':')[1]}.token"
        assert token_file.stat().st_mode & 0o777 == 0o600
        folder = write_case(tmp_path / "c")
        settings = server.settings(tmp_path / "s.yaml")
        served = build(folder, tmp_path / "served", options=BuildOptions(settings), progress=Progress(True))
        assert f"with LibreOffice (the convert-server at {server.address})" in capsys.readouterr().err
        local = build(folder, tmp_path / "local")
        assert served.filing.read_bytes() == local.filing.read_bytes()
    finally:
        code, err = server.stop()
    assert code == 0 and "stopped" in err
    assert not token_file.exists()


def test_a_convert_server_on_a_port_in_use_says_so_and_starts_nothing(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = _Server(tmp_path, "--port", str(port), "--jobs", "1")
        code, err = server.stop(signal_number=None)  # it stops by itself
    assert code == ExitCode.usage
    assert f"error: cannot listen on 127.0.0.1:{port}: Address already in use" in err
    assert "choose another port with --port" in err


def test_without_a_running_convert_server_the_build_uses_its_own_libreoffice(tmp_path, capsys):
    from assembler.api import build
    from assembler.progress import Progress
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = tmp_path / "s.yaml"
    settings.write_text(f"soffice:\n  server: 127.0.0.1:{port}\n  token: whatever\n")
    result = build(write_case(tmp_path / "c"), tmp_path / "out", options=BuildOptions(settings), progress=Progress(True))
    err = capsys.readouterr().err
    assert result.pages > 0
    assert f"the convert-server at 127.0.0.1:{port} cannot be used (nothing answers" in err
    assert "LibreOffice kept running, over UNO" in err


def test_a_convert_server_refuses_a_wrong_token_and_the_build_goes_on_without_it(tmp_path, capsys):
    from assembler.api import build
    from assembler.progress import Progress
    server = _Server(tmp_path, "--port", "0", "--jobs", "1")
    try:
        settings = server.settings(tmp_path / "s.yaml", token="not-the-token")
        result = build(write_case(tmp_path / "c"), tmp_path / "out", options=BuildOptions(settings), progress=Progress(True))
        assert result.pages > 0
        assert "cannot be used (it refused the connection: wrong or missing token)" in capsys.readouterr().err
    finally:
        server.stop()


def test_a_convert_server_that_never_answers_fails_the_build_at_the_timeout(run, tmp_path):
    with socket.socket() as silent:  # accepts connections (the kernel does), never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        settings = tmp_path / "s.yaml"
        settings.write_text(f"soffice:\n  server: 127.0.0.1:{silent.getsockname()[1]}\n  token: t\n  timeout: 5\n")
        started = time.monotonic()
        result = run("build", "--settings", settings, write_case(tmp_path / "c"), "-o", tmp_path / "out")
    assert result.code == ExitCode.conversion_failed
    assert "did not finish converting" in result.err and "within 5 s" in result.err
    assert time.monotonic() - started < 30


def test_a_convert_server_whose_libreoffice_dies_fails_that_build_and_serves_the_next(run, tmp_path):
    server = _Server(tmp_path, "--port", "0", "--jobs", "1", env={"PDPACKET_UNO_PYTHON": str(FAULTY_PYTHON)})
    try:
        settings = server.settings(tmp_path / "s.yaml")
        bad = run("build", "--settings", settings, _case_saying(tmp_path / "bad", "KILLME"), "-o", tmp_path / "o1")
        assert bad.code == ExitCode.conversion_failed
        assert "LibreOffice did not convert" in bad.err and "on the convert-server" in bad.err
        good = run("build", "--settings", settings, _case_saying(tmp_path / "good", "fine"), "-o", tmp_path / "o2")
        assert good.code == 0, good.err
    finally:
        code, _ = server.stop()
    assert code == 0


def test_templates_convert_while_the_build_still_renders(tmp_path, monkeypatch, sample1_build):
    # Each template's renders go to the kept-running LibreOffice once the last of them is filled,
    # in a thread of its own: the letter is converting before the exhibits are prepared.
    from assembler.api import build
    from assembler.convert.renders import LibreOffice
    from assembler.progress import Progress
    from helpers import copy_firm_settings

    events: list[tuple[str, str]] = []
    real_convert, real_step = LibreOffice.convert, Progress.step

    def convert(self, jobs, *args, **kwargs):
        events.append(("convert", threading.current_thread().name))
        return real_convert(self, jobs, *args, **kwargs)

    def step(self, what):
        events.append(("step", what))
        return real_step(self, what)

    monkeypatch.setattr(LibreOffice, "convert", convert)
    monkeypatch.setattr(Progress, "step", step)
    copy_firm_settings(tmp_path / "cases")
    case = shutil.copytree(SAMPLES / "1-garcia-lopez", tmp_path / "cases" / "1-garcia-lopez")
    result = build(case, tmp_path / "out")
    assert result.pages == sample1_build.result.pages  # the same filing as an ordinary build's
    before_exhibits = events[:events.index(("step", "prepare exhibits"))]
    assert ("convert", "pdpacket-convert_0") in before_exhibits
    assert sum(e[0] == "convert" for e in events) >= 4  # per template, not all at once
