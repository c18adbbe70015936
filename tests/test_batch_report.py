"""The batch report people read: batch-report.html beside the CSV (one section per case, warnings as a list,
links to the filing relative to the report), escaped and deterministic; the CSV kept one line a case."""
from __future__ import annotations

import csv
import html.parser
from pathlib import Path

from assembler.batch import Outcome, write_report
from assembler.vocab import BatchStatus

WARNINGS = [f"case.yaml: warning: the address of the office number {i} printed in the filing has not been checked "
            "by your firm: check it on ice.gov" for i in range(6)]


def _outcomes(out: Path) -> list[Outcome]:
    (out / "Smith & Sons").mkdir(parents=True)
    filing = out / "Smith & Sons" / "Smith & Sons #1.pdf"
    filing.write_bytes(b"%PDF-1.7\n")
    return [Outcome("Smith & Sons", BatchStatus.built, output=str(filing), pages=12, size_bytes=9, problems=WARNINGS),
            Outcome("<unknown>", BatchStatus.failed, exit_code=5, message="exhibit lease (ex/<lease>.pdf) is damaged"),
            Outcome("row0003", BatchStatus.invalid, exit_code=3, message="2 error(s), 0 warning(s)",
                    problems=["rows.csv row 3: office: 'atlantis' is not a known office", "rows.csv row 3: x: y"])]


class _Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.text, self.links, self.sections, self.items = [], [], 0, 0

    def handle_starttag(self, tag, attrs):
        self.sections += tag == "section"
        self.items += tag == "li"
        if tag == "a":
            self.links.append(dict(attrs)["href"])

    def handle_data(self, data):
        self.text.append(data)


def test_the_html_report_has_a_section_per_case_with_its_warnings_and_a_link_to_its_filing(tmp_path):
    write_report(tmp_path, _outcomes(tmp_path))
    page = _Page()
    page.feed((tmp_path / "batch-report.html").read_text(encoding="utf-8"))
    text = " ".join(" ".join(page.text).split())
    assert page.sections == 3
    assert "Smith & Sons" in text and "<unknown>" in text and "ex/<lease>.pdf" in text  # printed as typed
    assert all(w in text for w in WARNINGS) and page.items >= len(WARNINGS) + 2  # a list item each
    assert "Smith%20%26%20Sons/Smith%20%26%20Sons%20%231.pdf" in page.links  # relative to the report, quoted
    target = tmp_path / page.links[page.links.index("Smith%20%26%20Sons/Smith%20%26%20Sons%20%231.pdf")] \
        .replace("%20", " ").replace("%26", "&").replace("%23", "#")
    assert Path(target).is_file()
    assert "built" in text and "failed" in text and "not valid" in text


def test_the_report_is_the_same_each_time_and_leaves_no_temporary_file(tmp_path):
    outcomes = _outcomes(tmp_path)
    write_report(tmp_path, outcomes)
    first = (tmp_path / "batch-report.html").read_bytes()
    write_report(tmp_path, outcomes)
    assert (tmp_path / "batch-report.html").read_bytes() == first
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_the_csv_keeps_a_count_and_the_first_warning_not_all_of_them_in_one_cell(tmp_path):
    write_report(tmp_path, _outcomes(tmp_path))
    rows = {r["case"]: r for r in csv.DictReader((tmp_path / "batch-report.csv").open(encoding="utf-8"))}
    built = rows["Smith & Sons"]["message"]
    assert built.startswith(f"6 warning(s), the first: {WARNINGS[0]}") and WARNINGS[1] not in built
    assert "batch-report.html" in built
    assert len(built) < 250
    invalid = rows["row0003"]["message"]
    assert "'atlantis' is not a known office" in invalid and "x: y" not in invalid
    assert len((tmp_path / "batch-report.csv").read_text().splitlines()) == 1 + 3  # one line a case: grep and cut work
