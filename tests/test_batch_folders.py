"""A clinic's first day, the batch side: the README's folder layout works, and the report
and the progress bar say the same thing (issue 12)."""
from __future__ import annotations

import csv
import html
import json
import re
from pathlib import Path

import pytest

from assembler.errors import ExitCode
from helpers import minimal, write_case


def _firm_folder(root: Path) -> Path:
    """The README's layout: case folders beside the firm's templates and its settings."""
    for i in range(2):
        data = minimal(**{"respondent.family_names": f"Family{i}", "respondent.a_number": f"A08765432{i}"})
        write_case(root / f"case{i}", data)
    (root / "firm-templates").mkdir()
    (root / "firm-templates" / "notes.txt").write_text("not a case")
    (root / "pdpacket.yaml").write_text("filing: {size_limit_mb: 25}\n")
    return root


def _report(out: Path) -> dict[str, dict]:
    return {c["case"]: c for c in json.loads((out / "batch-report.json").read_text())["cases"]}


def test_folders_without_a_case_file_are_skipped_once_not_failed(tmp_path, run):
    root = _firm_folder(tmp_path / "firm")
    result = run("batch", root, "-o", tmp_path / "out", "--validate-only")
    assert result.code == ExitCode.ok, result.err
    assert result.err.count("firm-templates") == 1
    assert "firm-templates: skipped: no case file (case.yaml, case.yml or case.json): not a case folder" in result.err
    report = _report(tmp_path / "out")
    assert report["firm-templates"]["status"] == "skipped"
    assert [report[c]["status"] for c in ("case0", "case1")] == ["valid", "valid"]
    assert "3 cases: 2 valid, 1 skipped" in result.out


def test_a_folder_with_no_case_at_all_is_still_an_error(tmp_path, run):
    (tmp_path / "src" / "firm-templates").mkdir(parents=True)
    result = run("batch", tmp_path / "src", "-o", tmp_path / "out", "--validate-only")
    assert result.code == ExitCode.input_file
    assert "no case folders in it" in result.err


@pytest.mark.libreoffice
def test_batch_dot_on_the_readme_layout_builds_the_cases(tmp_path, run, monkeypatch):
    root = _firm_folder(tmp_path / "firm")
    monkeypatch.chdir(root)
    result = run("batch", ".", "-o", "out", "-q")
    assert result.code == ExitCode.ok, result.err
    assert result.err.count("firm-templates") == 1, result.err
    report = _report(root / "out")
    assert [report[c]["status"] for c in ("case0", "case1", "firm-templates")] == ["built", "built", "skipped"]
    assert not (root / "out" / "firm-templates").exists()


@pytest.mark.libreoffice
def test_the_csv_report_gives_the_warnings_of_a_built_case(tmp_path, run):
    data = minimal(**{"respondent.country_of_citizenship": "NO"})
    write_case(tmp_path / "src" / "case0", data)
    result = run("batch", tmp_path / "src", "-o", tmp_path / "out", "-q")
    assert result.code == ExitCode.ok, result.err
    [row] = list(csv.DictReader((tmp_path / "out" / "batch-report.csv").open(encoding="utf-8")))
    assert row["status"] == "built"
    # The CSV keeps one line per case: the count and the first warning; every warning is in the HTML report.
    count = int(re.match(r"(\d+) warning\(s\), the first: ", row["message"])[1])
    assert row["message"].endswith(f"({count - 1} more in batch-report.html)"), row["message"]
    page = html.unescape((tmp_path / "out" / "batch-report.html").read_text(encoding="utf-8"))
    assert "'NO' looks like a country code" in page


def test_the_progress_bar_counts_invalid_cases_as_the_summary_does(capsys):
    from assembler.batch import Bar, Outcome
    bar = Bar(3, enabled=True)
    bar.update([Outcome("a", "built"), Outcome("b", "invalid"), Outcome("c", "failed")])
    bar.close()
    err = capsys.readouterr().err
    assert "3/3 cases, 1 failed, 1 invalid" in err
