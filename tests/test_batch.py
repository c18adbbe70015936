"""`pdpacket batch`: many cases, failures isolated, re-runs skip, spreadsheets."""
from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from assembler.errors import ExitCode
from helpers import REPO, make_pdf, minimal, write_case


def _case_data(i: int) -> dict:
    data = minimal(**{"respondent.family_names": f"Family{i}", "respondent.a_number": f"A0876543{i:02d}"})
    data["exhibits"] = [{"id": "lease", "file": "ex/lease.pdf", "title": f"Lease of family {i}"}]
    data["request"]["favorable_factors"][0]["exhibits"] = ["lease"]
    return data


def _folder_of_cases(root: Path, n: int) -> Path:
    for i in range(n):
        folder = write_case(root / f"case{i:02d}", _case_data(i))
        make_pdf(folder / "ex" / "lease.pdf", pages=1 + i % 2, text=f"Lease {i}")
    return root


def _report(out: Path) -> dict[str, dict]:
    return {c["case"]: c for c in json.loads((out / "batch-report.json").read_text())["cases"]}


@pytest.fixture(scope="module")
def twelve(tmp_path_factory):
    """12 cases, 2 broken in different ways, built once; the tests below read the result."""
    root = _folder_of_cases(tmp_path_factory.mktemp("src"), 12)
    # broken 1: invalid case data
    data = yaml.safe_load((root / "case03" / "case.yaml").read_text())
    data["office"] = "atlantis"
    (root / "case03" / "case.yaml").write_text(yaml.safe_dump(data))
    # broken 2: a damaged exhibit
    (root / "case07" / "ex" / "lease.pdf").write_bytes(b"%PDF-1.4\n garbage garbage\n")
    out = tmp_path_factory.mktemp("out")
    from assembler.cli import main
    try:
        main(["batch", str(root), "-o", str(out), "--jobs", "2", "-q"])
    except SystemExit as exc:
        code = exc.code
    return root, out, code


@pytest.mark.libreoffice
def test_the_good_cases_build_and_the_broken_ones_are_reported(twelve):
    root, out, code = twelve
    assert code == ExitCode.batch_partial_failure
    report = _report(out)
    assert len(report) == 12
    built = [c for c, r in report.items() if r["status"] == "built"]
    assert len(built) == 10
    assert report["case03"]["status"] == "invalid" and report["case03"]["exit_code"] == ExitCode.invalid_case
    assert any("office: 'atlantis' is not a known office" in p for p in report["case03"]["problems"])
    assert report["case07"]["status"] == "failed" and report["case07"]["exit_code"] == ExitCode.input_file
    assert "exhibit lease (ex/lease.pdf) is damaged" in report["case07"]["message"]
    for name in built:
        filing = Path(report[name]["output"])
        assert filing.is_file() and filing.parent == out / name
        assert report[name]["pages"] > 0 and report[name]["size_bytes"] == filing.stat().st_size
    # nothing at all for the failed cases: no filing, no staging folder
    for name in ("case03", "case07"):
        assert not (out / name).exists() or not any((out / name).iterdir())
    rows = list(csv.DictReader((out / "batch-report.csv").open()))
    assert [r["case"] for r in rows] == sorted(report)
    assert "damaged" in next(r for r in rows if r["case"] == "case07")["message"]


@pytest.mark.libreoffice
def test_a_rerun_rebuilds_nothing_and_a_changed_exhibit_rebuilds_only_its_case(twelve, run):
    root, out, _ = twelve
    before = {p: p.stat().st_mtime_ns for p in out.glob("*/*.pdf")}
    result = run("batch", root, "-o", out, "--jobs", "2", "-q")
    assert result.code == ExitCode.batch_partial_failure  # the two broken cases still fail
    report = _report(out)
    assert sorted(c for c, r in report.items() if r["status"] == "skipped") == \
        sorted(c for c in report if c not in ("case03", "case07"))
    assert {p: p.stat().st_mtime_ns for p in out.glob("*/*.pdf")} == before
    make_pdf(root / "case05" / "ex" / "lease.pdf", pages=3, text="Changed lease")
    run("batch", root, "-o", out, "--jobs", "2", "-q")
    report = _report(out)
    assert report["case05"]["status"] == "built"
    assert [c for c, r in report.items() if r["status"] == "built"] == ["case05"]
    assert "12 cases" in run("batch", root, "-o", out, "-q").out


@pytest.mark.libreoffice
def test_force_rebuilds(tmp_path, run):
    root = _folder_of_cases(tmp_path / "src", 2)
    assert run("batch", root, "-o", tmp_path / "out", "-q").code == 0
    run("batch", root, "-o", tmp_path / "out", "-q", "--force")
    assert {r["status"] for r in _report(tmp_path / "out").values()} == {"built"}


def test_validate_only_reports_every_problem_of_every_case(tmp_path, run):
    root = _folder_of_cases(tmp_path / "src", 3)
    for name, change in (("case00", {"office": "nowhere"}), ("case02", {"service": {"method": "fax"}})):
        data = yaml.safe_load((root / name / "case.yaml").read_text())
        data.update(change)
        (root / name / "case.yaml").write_text(yaml.safe_dump(data))
    result = run("batch", root, "-o", tmp_path / "out", "--validate-only")
    assert result.code == ExitCode.invalid_case
    assert "office: 'nowhere' is not a known office" in result.err
    assert "service.method: 'fax' is not allowed" in result.err and "service.date: is required" in result.err
    report = _report(tmp_path / "out")
    assert [report[c]["status"] for c in ("case00", "case01", "case02")] == ["invalid", "valid", "invalid"]
    assert not list((tmp_path / "out").glob("case*"))  # nothing built


HANGING_SOFFICE = """#!{python}
import os, sys, time, zipfile
for arg in sys.argv[1:]:
    if arg.endswith(".docx"):
        with zipfile.ZipFile(arg) as z:
            if b"HANGME" in z.read("word/document.xml"):
                time.sleep(300)
os.execv("{real}", ["{real}", *sys.argv[1:]])
"""


@pytest.mark.libreoffice
def test_a_hanging_conversion_fails_only_its_case(tmp_path, run, monkeypatch):
    """One soffice start per conversion (test_warm.py has the same for a LibreOffice kept running)."""
    import shutil
    monkeypatch.setenv("PDPACKET_UNO_PYTHON", "off")
    fake = tmp_path / "soffice"
    fake.write_text(HANGING_SOFFICE.format(python=sys.executable, real=shutil.which("soffice")))
    fake.chmod(0o755)
    monkeypatch.setenv("PDPACKET_SOFFICE", str(fake))
    root = _folder_of_cases(tmp_path / "src", 4)
    data = yaml.safe_load((root / "case01" / "case.yaml").read_text())
    data["request"]["summary"] = "HANGME"
    (root / "case01" / "case.yaml").write_text(yaml.safe_dump(data))
    (root / "pdpacket.yaml").write_text("soffice:\n  timeout: 8\n")
    result = run("batch", root, "-o", tmp_path / "out", "--jobs", "1", "-q")
    assert result.code == ExitCode.batch_partial_failure
    report = _report(tmp_path / "out")
    assert report["case01"]["status"] == "failed"
    assert report["case01"]["exit_code"] == ExitCode.conversion_failed
    assert "did not finish" in report["case01"]["message"]
    assert [report[c]["status"] for c in ("case00", "case02", "case03")] == ["built"] * 3


def _flatten(value, prefix=""):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _flatten(v, f"{prefix}.{k}" if prefix else k)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _flatten(v, f"{prefix}[{i}]")
    else:
        yield prefix, value


@pytest.mark.libreoffice
def test_the_same_cases_from_a_csv_give_the_same_filings(tmp_path, run):
    root = _folder_of_cases(tmp_path / "src", 3)
    assert run("batch", root, "-o", tmp_path / "from-folders", "-q").code == 0
    rows = []
    for i in range(3):
        data = yaml.safe_load((root / f"case{i:02d}" / "case.yaml").read_text())
        data["exhibits"][0]["file"] = f"case{i:02d}/ex/lease.pdf"
        rows.append({"case": f"case{i:02d}", **dict(_flatten(data))})
    columns = sorted({c for r in rows for c in r}, reverse=True)  # any column order works
    sheet = tmp_path / "cases.csv"
    with sheet.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    result = run("batch", sheet, "-o", tmp_path / "from-csv", "--exhibits-dir", root, "-q")
    assert result.code == 0, result.err
    for i in range(3):
        a = next((tmp_path / "from-folders" / f"case{i:02d}").glob("*.pdf"))
        b = next((tmp_path / "from-csv" / f"case{i:02d}").glob("*.pdf"))
        assert a.name == b.name and a.read_bytes() == b.read_bytes()


@pytest.mark.libreoffice
def test_a_killed_batch_resumes_without_redoing_finished_cases(tmp_path):
    # 20 cases with one worker: a chunk of 16, then one of 4, so the kill lands mid-run.
    root = _folder_of_cases(tmp_path / "src", 20)
    out = tmp_path / "out"
    env = {**os.environ, "PDPACKET_TODAY": "2026-11-28"}
    cmd = [sys.executable, "-m", "assembler", "batch", str(root), "-o", str(out), "--jobs", "1", "-q"]
    proc = subprocess.Popen(cmd, env=env, start_new_session=True, cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list(out.glob("*/manifest.json")):
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = {p.parent.name for p in out.glob("*/manifest.json")}
    assert finished and len(finished) < 20
    result = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    report = _report(out)
    assert {c for c, r in report.items() if r["status"] == "skipped"} == finished
    assert {c for c, r in report.items() if r["status"] == "built"} == {f"case{i:02d}" for i in range(20)} - finished
    assert not list(out.glob("*/.pdpacket-*")), "partial files left behind"
    leftovers = [p for p in Path(os.environ.get("TMPDIR", "/tmp")).glob(f"pdpacket-{proc.pid}-*")]
    assert leftovers == []


@pytest.mark.libreoffice
def test_ctrl_c_stops_cleanly_and_the_next_run_finishes(tmp_path):
    root = _folder_of_cases(tmp_path / "src", 20)
    out = tmp_path / "out"
    env = {**os.environ, "PDPACKET_TODAY": "2026-11-28"}
    cmd = [sys.executable, "-m", "assembler", "batch", str(root), "-o", str(out), "--jobs", "1", "-q"]
    proc = subprocess.Popen(cmd, env=env, start_new_session=True, cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list(out.glob("*/manifest.json")):
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == ExitCode.interrupted, err
    assert "Traceback" not in err and "interrupted" in err
    report = _report(out)
    assert "interrupted" in {r["status"] for r in report.values()}
    assert not list(out.glob("*/.pdpacket-*"))
    # A private work folder the interrupt caught being made may outlive the process; the next
    # run sweeps every folder of a process that is gone (workspace.sweep_stale).
    again = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert not list(Path("/tmp").glob(f"pdpacket-{proc.pid}-*"))
    assert {r["status"] for r in _report(out).values()} <= {"built", "skipped"}


def test_the_progress_bar_shows_done_failed_and_time_left(capsys):
    from assembler.batch import Bar, Outcome
    bar = Bar(4, enabled=True)
    bar.update([Outcome("a", "built"), Outcome("b", "failed")])
    bar.close()
    err = capsys.readouterr().err
    assert "2/4 cases, 1 failed, about" in err and "s left" in err


@pytest.mark.libreoffice
def test_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path, run):
    root = _folder_of_cases(tmp_path / "src", 1)
    result = run("batch", root, "-o", tmp_path / "out")
    assert result.code == 0
    assert result.err == ""
    assert "1 cases: 1 built" in result.out


@pytest.mark.libreoffice
def test_status_in_the_batch_output_folder_shows_that_batchs_cases(twelve, run):
    root, out, _ = twelve
    result = run("status", out)
    assert result.code == 0, result.err
    lines = {line.split(":")[0]: line for line in result.out.splitlines() if line.startswith("case")}
    built = [c for c, r in _report(out).items() if r["status"] in ("built", "skipped")]
    assert len(built) == 10 and all("built 2026-" in lines[c] for c in built), result.out
    assert "case03" in result.out and "fix the case data" in result.out  # the invalid one, with what to do
    assert json.loads(run("status", out, "--json").out)["cases"]  # the same as data


@pytest.mark.libreoffice
def test_the_html_report_links_every_built_filing(twelve):
    root, out, _ = twelve
    page = (out / "batch-report.html").read_text(encoding="utf-8")
    assert page.count("<section") == 12
    for name, r in _report(out).items():
        if r["status"] in ("built", "skipped"):
            href = f'href="{name}/{Path(r["output"]).name}"'
            assert href in page and (out / name / Path(r["output"]).name).is_file()
    assert "exhibit lease (ex/lease.pdf) is damaged" in page
