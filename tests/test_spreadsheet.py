"""Cases from a spreadsheet: rows read from CSV and XLSX, cells nested by their column paths."""
from __future__ import annotations

import datetime

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assembler.casefile.spreadsheet import data_to_row, read_rows, row_to_data, write_rows
from assembler.errors import InputFileError
from case_strategies import valid_cases
from helpers import examples


def _csv(tmp_path, text: str, encoding="utf-8"):
    path = tmp_path / "cases.csv"
    path.write_bytes(text.encode(encoding))
    return path


def _xlsx(tmp_path, *rows):
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(tmp_path / "cases.xlsx")
    return tmp_path / "cases.xlsx"


# --- reading rows --------------------------------------------------------------------

def test_csv_rows_keep_their_spreadsheet_numbers_and_leave_out_empty_cells_and_rows(tmp_path):
    sheet = _csv(tmp_path, "case,respondent.family_names,office\n"
                           "c1,Tenzin,chicago\n"
                           ",,\n"
                           "\n"
                           "c2,\"Smith, Jr.\",  \n")
    assert read_rows(sheet) == [(2, {"case": "c1", "respondent.family_names": "Tenzin", "office": "chicago"}),
                                (5, {"case": "c2", "respondent.family_names": "Smith, Jr."})]


def test_a_semicolon_separated_csv(tmp_path):
    # What Excel writes where the comma is the decimal separator.
    sheet = _csv(tmp_path, "case;respondent.family_names;attorney.firm\nc1;García;Okafor, Reyes & Co\n")
    assert read_rows(sheet) == [(2, {"case": "c1", "respondent.family_names": "García",
                                     "attorney.firm": "Okafor, Reyes & Co"})]


def test_a_byte_order_mark_and_spaces_around_headers_are_not_part_of_the_column_name(tmp_path):
    sheet = _csv(tmp_path, "\ufeffcase , office\nc1,chicago\n")
    assert read_rows(sheet) == [(2, {"case": "c1", "office": "chicago"})]


def test_a_csv_that_is_not_utf8_says_how_to_export_it(tmp_path):
    sheet = _csv(tmp_path, "case,respondent.family_names\nc1,Tenzín\n", encoding="latin-1")
    with pytest.raises(InputFileError) as exc:
        read_rows(sheet)
    assert "not UTF-8 text: export the spreadsheet as 'CSV UTF-8'" in str(exc.value)


def test_an_empty_csv_and_an_unknown_kind_of_file_are_errors(tmp_path):
    with pytest.raises(InputFileError) as empty:
        read_rows(_csv(tmp_path, ""))
    (tmp_path / "cases.ods").write_bytes(b"x")
    with pytest.raises(InputFileError) as ods:
        read_rows(tmp_path / "cases.ods")
    assert "the spreadsheet is empty" in str(empty.value)
    assert "export it as .csv or .xlsx" in str(ods.value)


def test_xlsx_cells_become_the_text_a_csv_export_would_hold(tmp_path):
    sheet = _xlsx(tmp_path,
                  ["case", "respondent.date_of_birth", "proceedings.next_hearing.time", "attorney.bar_number",
                   "custom.ratio", "service.date", "office"],
                  ["x1", datetime.datetime(1990, 1, 20), datetime.datetime(2027, 1, 5, 10, 30), 5123456.0,
                   1.5, datetime.date(2026, 12, 3), None],
                  [None, None, None, None, None, None, None],
                  ["x2", None, None, 42, None, None, " chicago "])
    assert read_rows(sheet) == [
        (2, {"case": "x1", "respondent.date_of_birth": "1990-01-20",
             "proceedings.next_hearing.time": "2027-01-05 10:30:00", "attorney.bar_number": "5123456",
             "custom.ratio": "1.5", "service.date": "2026-12-03"}),
        (4, {"case": "x2", "attorney.bar_number": "42", "office": "chicago"})]


def test_xlsx_rows_nest_like_csv_rows(tmp_path):
    sheet = _xlsx(tmp_path, ["case", "respondent.date_of_birth", "request.relief[0]", "exhibits[0].file",
                             "attorney.bar_number"],
                  ["x1", datetime.datetime(1990, 1, 20), "dismissal", "a.pdf", 5123456])
    ((number, row),) = read_rows(sheet)
    data, problems = row_to_data(row, "cases.xlsx row 2")
    assert number == 2 and not problems
    assert data == {"respondent": {"date_of_birth": "1990-01-20"}, "request": {"relief": ["dismissal"]},
                    "exhibits": [{"file": "a.pdf"}], "attorney": {"bar_number": "5123456"}}


def test_a_file_that_is_not_a_workbook(tmp_path):
    (tmp_path / "cases.xlsx").write_bytes(b"not a zip")
    with pytest.raises(InputFileError) as exc:
        read_rows(tmp_path / "cases.xlsx")
    assert "cannot be read as an Excel workbook" in str(exc.value)


# --- nesting a row ----------------------------------------------------------------------

def test_column_paths_nest_into_mappings_and_lists_and_the_case_column_is_not_data():
    data, problems = row_to_data({"case": "c1", "respondent.family_names": "Tenzin", "exhibits[0].file": "a.pdf",
                                  "exhibits[0].title": "Lease", "request.relief[0]": "dismissal"}, "s.csv row 2")
    assert problems == []
    assert data == {"respondent": {"family_names": "Tenzin"}, "exhibits": [{"file": "a.pdf", "title": "Lease"}],
                    "request": {"relief": ["dismissal"]}}


def test_list_columns_may_come_in_any_order():
    row = {"exhibits[1].file": "b.pdf", "request.relief[1]": "r1", "exhibits[0].title": "A",
           "exhibits[10].file": "k.pdf", "request.relief[0]": "r0", "exhibits[0].file": "a.pdf"}
    row.update({f"exhibits[{i}].file": f"{i}.pdf" for i in range(2, 10)})
    data, problems = row_to_data(row, "s.csv row 2")
    assert problems == []
    assert data["request"]["relief"] == ["r0", "r1"]
    assert [e["file"] for e in data["exhibits"]] == ["a.pdf", "b.pdf", *[f"{i}.pdf" for i in range(2, 10)], "k.pdf"]
    assert data["exhibits"][0] == {"file": "a.pdf", "title": "A"}


def test_a_gap_in_a_list_is_reported_with_the_item_it_skips():
    data, problems = row_to_data({"exhibits[0].file": "a.pdf", "exhibits[2].file": "c.pdf"}, "s.csv row 3")
    assert [(p.file, p.path) for p in problems] == [("s.csv row 3", "exhibits[2].file")]
    assert problems[0].message == "item [2] comes before item [1]: number list items from 0 without gaps"
    assert data == {"exhibits": [{"file": "a.pdf"}]}


def test_the_same_cell_given_twice_is_reported():
    # Two spellings of one path: the second is refused, the first kept.
    data, problems = row_to_data({"request.relief[0]": "dismissal", "request.relief.[0]": "closure"}, "s.csv row 2")
    assert [(p.path, p.message) for p in problems] == [("request.relief.[0]", "this cell is given twice")]
    assert data == {"request": {"relief": ["dismissal"]}}


def test_bad_column_paths_are_reported():
    data, problems = row_to_data({"exhibits[1].file": "b.pdf", "respondent..x": "1", "[0]": "y"}, "s.csv row 2")
    assert {p.path for p in problems} == {"exhibits[1].file", "respondent..x", "[0]"}
    assert any("comes before item [0]" in p.message for p in problems)
    assert all(p.file == "s.csv row 2" for p in problems)


# --- the way back: a case as a row, read again ------------------------------------------------------------

def _pruned(value):
    """The data as a row can hold it: no empty values (an empty cell is no value)."""
    if isinstance(value, dict):
        out = {k: _pruned(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in (None, [], {})}
    if isinstance(value, list):
        return [_pruned(v) for v in value]
    return value


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cases=st.lists(valid_cases(), min_size=1, max_size=2))
def test_cases_exported_to_rows_read_back_as_the_same_data(tmp_path, suffix, cases):
    sheet = write_rows(tmp_path / f"cases{suffix}", [data_to_row(c, f"case-{i}") for i, c in enumerate(cases)])
    rows = read_rows(sheet)
    assert [number for number, _ in rows] == list(range(2, len(cases) + 2))
    for i, ((_, row), case) in enumerate(zip(rows, cases, strict=True)):
        data, problems = row_to_data(row, "row")
        assert problems == []
        assert row["case"] == f"case-{i}"
        assert data == _pruned(case)


def test_a_cell_that_starts_with_an_equals_sign_stays_text_in_xlsx(tmp_path):
    case = {"respondent": {"family_names": "=SUM(A1:A9)"}, "request": {"facts": "One.\n\nTwo, with a comma."}}
    sheet = write_rows(tmp_path / "cases.xlsx", [data_to_row(case)])
    (_, row), = read_rows(sheet)
    assert row_to_data(row, "row") == (case, [])
