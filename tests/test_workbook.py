"""The spreadsheet as people keep one (issue 26, point 5): a workbook with a Cases sheet and a sheet per
list, keyed by the case id; made by `pdpacket new --spreadsheet cases.xlsx`, read by `pdpacket batch`."""
from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assembler.batch import CaseSpec, load_spec
from assembler.casefile.workbook import case_data, read_cases, write_workbook
from assembler.errors import ExitCode, InputFileError
from assembler.options import NO_OPTIONS
from case_strategies import valid_cases
from helpers import SAMPLES, examples, load_yaml, make_pdf, minimal


def _book(path: Path, sheets: dict[str, list[list]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def _report(out: Path) -> dict[str, dict]:
    return {c["case"]: c for c in json.loads((out / "batch-report.json").read_text())["cases"]}


def _cases_rows(data: dict, case_id: str) -> list[list]:
    from assembler.casefile.spreadsheet import data_to_row
    row = {"case id": case_id, **data_to_row(data)}
    return [list(row), list(row.values())]


def _load(path: Path, name: str):
    [found] = [c for c in read_cases(path) if c.name == name]
    spec = CaseSpec(name, row=found.row, row_label=found.label, base_dir=path.parent, source=path, items=found.items)
    return load_spec(spec, NO_OPTIONS)[0]


# --- 1. new --spreadsheet writes a sheet per list ----------------------------------------------------

def test_new_spreadsheet_xlsx_has_a_sheet_per_list_with_drop_downs_and_a_read_me(run, tmp_path):
    sheet = tmp_path / "cases.xlsx"
    result = run("new", "--spreadsheet", sheet)
    assert result.code == ExitCode.ok, result.err
    book = openpyxl.load_workbook(sheet)
    assert book.sheetnames == ["Read me", "Lists", "Cases", "Exhibits", "Declarations", "Factors",
                               "Criminal history", "Immigration history", "Forms"]
    assert book["Lists"].sheet_state == "hidden"
    headers = {name: [c.value for c in book[name][1]] for name in book.sheetnames[2:]}
    assert headers["Cases"][0] == "case id" and "respondent.family_names" in headers["Cases"]
    assert not any("exhibits" in h or "declarations" in h for h in headers["Cases"])  # lists have their sheets
    assert headers["Exhibits"][:4] == ["case id", "id", "file", "title"]
    assert "translation.file" in headers["Exhibits"]
    assert headers["Factors"][:4] == ["case id", "kind", "title", "text"]
    assert "signed.city" in headers["Declarations"]
    # Each header says what its column holds, in its comment and on the Read me sheet.
    assert all(c.comment and c.comment.text for name in book.sheetnames[2:] for c in book[name][1])
    readme = {(r[0], r[1]): r[2] for r in book["Read me"].iter_rows(values_only=True) if r[1]}
    assert readme[("Cases", "proceedings.stage")].startswith("Required.")
    assert "nta_not_filed" in readme[("Cases", "proceedings.stage")]
    # Drop-down lists for the enumerations, offices shown by city with their key.
    lists = book["Lists"]

    def choices(sheet_name: str, column: str) -> list[str]:
        sheet = book[sheet_name]
        letter = sheet.cell(1, headers[sheet_name].index(column) + 1).column_letter
        [rule] = [v for v in sheet.data_validations.dataValidation if f"{letter}2:{letter}1000" in str(v.sqref)]
        ref = rule.formula1.split("!")[1].replace("$", "")
        return [c.value for row in lists[ref] for c in row]

    assert "Chicago (chicago)" in choices("Cases", "office")
    assert "El Paso (el_paso)" in choices("Cases", "office")
    assert "administrative_closure" in choices("Cases", "request.relief")
    assert choices("Cases", "proceedings.stage")[0] == "nta_not_filed"
    assert choices("Cases", "service.method") == ["email", "mail", "hand", "eservice"]
    assert choices("Cases", "respondent.detained") == ["true", "false"]
    assert choices("Factors", "kind") == ["favorable", "negative"]
    assert "g28" in choices("Exhibits", "kind")
    assert choices("Immigration history", "kind") == ["encounter", "check_in", "prior_order", "other"]


def test_the_office_chosen_from_the_list_is_its_key(tmp_path):
    path = _book(tmp_path / "c.xlsx", {"Cases": [["case id", "office"], ["a", "Chicago (chicago)"]]})
    [case] = read_cases(path)
    assert case_data(case)[0] == {"office": "chicago"}


# --- 3. the example validates clean -------------------------------------------------------------------

@pytest.mark.parametrize("name", ["cases.xlsx", "cases.csv"])
def test_the_new_spreadsheets_example_validates_with_no_error_and_no_warning(run, tmp_path, name):
    sheet = tmp_path / "clinic" / name
    sheet.parent.mkdir()
    assert run("new", "--spreadsheet", sheet).code == ExitCode.ok
    result = run("batch", sheet, "-o", tmp_path / "out", "--validate-only")
    assert result.code == ExitCode.ok, result.err
    [case] = _report(tmp_path / "out").values()
    assert (case["status"], case["message"], case["problems"]) == ("valid", "0 error(s), 0 warning(s)", [])


def test_new_spreadsheet_never_overwrites_an_exhibit_already_there(run, tmp_path):
    (tmp_path / "exhibits").mkdir()
    (tmp_path / "exhibits" / "example-g28.pdf").write_bytes(b"mine")
    result = run("new", "--spreadsheet", tmp_path / "cases.xlsx")
    assert result.code == ExitCode.ok, result.err
    assert (tmp_path / "exhibits" / "example-g28.pdf").read_bytes() == b"mine"
    assert (tmp_path / "exhibits" / "example-i918-receipt.pdf").read_bytes().startswith(b"%PDF")


# --- 2. reading it back ------------------------------------------------------------------------------

def test_a_case_gets_its_items_from_every_sheet_in_order(tmp_path):
    data = minimal()
    data["request"].pop("favorable_factors"), data["request"].pop("negative_factors")
    rows = _cases_rows(data, "tenzin")
    other = _cases_rows({**data, "respondent": {**data["respondent"], "family_names": "Other"}}, "other")[1]
    path = _book(tmp_path / "cases.xlsx", {
        "Cases": [*rows, other],
        "Exhibits": [["case id", "id", "file", "title"],
                     ["tenzin", "a", "exhibits/a.pdf", "First"],
                     ["other", "x", "exhibits/x.pdf", "Not his"],
                     ["tenzin", "b", "exhibits/b.pdf", "Second"]],
        "Factors": [["case id", "kind", "title", "text", "exhibits"],
                    ["tenzin", "negative", "A prior order", "In 2010.", None],
                    ["tenzin", "favorable", "Long residence", "Since 2003.", "a, b"]],
        "Notes": [["anything", "a clinic keeps"], ["is", "not read"]]})
    cases = read_cases(path)
    assert [c.name for c in cases] == ["tenzin", "other"]
    got, problems, origins = case_data(cases[0])
    assert problems == []
    assert got["exhibits"] == [{"id": "a", "file": "exhibits/a.pdf", "title": "First"},
                               {"id": "b", "file": "exhibits/b.pdf", "title": "Second"}]
    assert got["request"]["favorable_factors"] == [{"title": "Long residence", "text": "Since 2003.",
                                                    "exhibits": ["a", "b"]}]
    assert got["request"]["negative_factors"] == [{"title": "A prior order", "text": "In 2010."}]
    assert origins["exhibits[1]"] == "cases.xlsx, sheet Exhibits, row 4"


def test_an_item_row_whose_case_id_names_no_case_is_an_error_naming_its_sheet_and_row(run, tmp_path):
    path = _book(tmp_path / "cases.xlsx", {
        "Cases": [["case id", "respondent.family_names"], ["tenzin", "Tenzin"]],
        "Exhibits": [["case id", "id"], ["tenzin", "a"], ["tenzn", "b"]],
        "Declarations": [["case id", "id"], [None, "d"]]})
    with pytest.raises(InputFileError) as exc:
        read_cases(path)
    result = run("batch", path, "-o", tmp_path / "out", "--validate-only")
    assert "cases.xlsx, sheet Exhibits, row 3: the case id 'tenzn' is not in the Cases sheet" in str(exc.value)
    assert "cases.xlsx, sheet Declarations, row 2: the case id is empty" in str(exc.value)
    assert result.code == ExitCode.input_file
    assert "sheet Exhibits, row 3" in result.err and "Traceback" not in result.err


def test_exhibit_paths_are_relative_to_the_spreadsheet_and_named_as_written(tmp_path, monkeypatch):
    data = minimal()
    folder = tmp_path / "clinic"
    make_pdf(folder / "scans" / "lease.pdf")
    path = _book(folder / "cases.xlsx", {
        "Cases": _cases_rows(data, "tenzin"),
        "Exhibits": [["case id", "id", "file", "title"],
                     ["tenzin", "lease", "scans/lease.pdf", "Lease"],
                     ["tenzin", "photo", "scans/photo.pdf", "Photo"]]})
    monkeypatch.chdir(tmp_path)  # run from elsewhere: paths still start at the workbook's folder
    case = _load(path.relative_to(tmp_path), "tenzin")
    [problem] = [p for p in case.errors if "photo" in p.message]
    assert problem.file == "cases.xlsx, sheet Exhibits, row 3"
    assert problem.path == "file"
    assert problem.message.startswith("'scans/photo.pdf' does not exist in the spreadsheet's folder (clinic)")
    assert not [p for p in case.problems if "lease" in p.message]


def test_a_factor_of_no_kind_and_a_list_said_both_none_and_in_rows_are_reported(tmp_path):
    path = _book(tmp_path / "cases.xlsx", {
        "Cases": [["case id", "request.criminal_history"], ["t", "none"]],
        "Factors": [["case id", "kind", "title"], ["t", "good", "A"]],
        "Criminal history": [["case id", "offense"], ["t", "DWI"]]})
    [case] = read_cases(path)
    _, problems, _ = case_data(case)
    assert [(p.file, p.path) for p in problems] == [("cases.xlsx, sheet Factors, row 2", "kind"),
                                                    ("cases.xlsx, sheet Criminal history, row 2", "")]
    assert problems[0].message == "write favorable or negative"
    assert "says request.criminal_history: 'none'" in problems[1].message


def test_none_in_the_cases_sheet_is_an_empty_immigration_history(tmp_path):
    path = _book(tmp_path / "cases.xlsx", {"Cases": [["case id", "immigration_history"], ["t", "None"]]})
    [case] = read_cases(path)
    assert case_data(case)[0] == {"immigration_history": []}


def test_a_workbook_without_a_cases_sheet_is_read_as_one_row_a_case(tmp_path):
    path = _book(tmp_path / "cases.xlsx", {"cases2026": [["case", "exhibits[0].file"], ["t", "a.pdf"]]})
    [case] = read_cases(path)
    assert (case.name, case.label, case.items) == ("t", "cases.xlsx row 2", [])


# --- 4. round trip ----------------------------------------------------------------------------------

SAID_NONE = {"immigration_history", "exhibits", "declarations", "forms"}


def _pruned(value, top=True):
    """The data as cells hold it: no empty values (an empty cell is no value), but an empty list of
    items (immigration_history: [] says there was none), which the Cases sheet says with "none"."""
    if isinstance(value, dict):
        out = {k: _pruned(v, False) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in (None, [], {}) or (top and k in SAID_NONE and v == [])}
    if isinstance(value, list):
        return [_pruned(v, False) for v in value]
    return value


def _read_back(path: Path) -> list[tuple[str, dict]]:
    back = []
    for case in read_cases(path):
        data, problems, _ = case_data(case)
        assert problems == []
        back.append((case.name, data))
    return back


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cases=st.lists(valid_cases(), min_size=1, max_size=3))
def test_cases_written_into_the_workbook_read_back_as_the_same_data(tmp_path, cases):
    path = write_workbook(tmp_path / "cases.xlsx", [(f"case-{i}", c) for i, c in enumerate(cases)])
    assert _read_back(path) == [(f"case-{i}", _pruned(c)) for i, c in enumerate(cases)]


def test_every_sample_case_round_trips_through_the_workbook(tmp_path):
    samples = [(p.parent.name, load_yaml(p.read_text(encoding="utf-8")))
               for p in sorted(SAMPLES.glob("*/case.yaml"))]
    # Text as a person types it (YAML read dates and numbers as such; a cell holds text).
    samples = [(n, json.loads(json.dumps(d, default=str), parse_int=str, parse_float=str,
                              parse_constant=str)) for n, d in samples]
    samples = [(n, _texts(d)) for n, d in samples]
    path = write_workbook(tmp_path / "cases.xlsx", samples)
    assert _read_back(path) == [(n, _pruned(d)) for n, d in samples]
    assert len(list(openpyxl.load_workbook(path)["Exhibits"].iter_rows())) > 10


def _texts(value):
    if isinstance(value, dict):
        return {k: _texts(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_texts(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if value is None else str(value).strip()  # a cell holds no trailing line break


def test_unknown_columns_and_fields_are_kept(tmp_path):
    data = {"respondent": {"family_names": "T", "nickname": "Pem"}, "custom": {"matter_number": "2026-0142"},
            "exhibits": [{"id": "a", "file": "a.pdf", "title": "A", "scanned_by": "Lucía"}], "clinic_note": "x"}
    path = write_workbook(tmp_path / "cases.xlsx", [("t", data)])
    assert _read_back(path) == [("t", data)]
    assert "scanned_by" in [c.value for c in openpyxl.load_workbook(path)["Exhibits"][1]]


@pytest.mark.libreoffice
def test_the_new_workbooks_example_builds(run, tmp_path):
    sheet = tmp_path / "clinic" / "cases.xlsx"
    sheet.parent.mkdir()
    assert run("new", "--spreadsheet", sheet).code == ExitCode.ok
    result = run("batch", sheet, "-o", tmp_path / "out", "-q", "--jobs", "1")
    assert result.code == ExitCode.ok, result.err
    case = _report(tmp_path / "out")["example-tenzin"]
    assert case["status"] == "built", case
    assert Path(case["output"]).is_file() and case["pages"] > 3
