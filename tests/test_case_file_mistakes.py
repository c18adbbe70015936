"""A clinic's first day, the case file side: every problem in one run, plain words for YAML
mistakes, near-miss file names, and spreadsheet cells that keep their lines (issue 12)."""
from __future__ import annotations

import csv

from assembler.casefile.spreadsheet import read_rows, row_to_data
from assembler.errors import ExitCode
from helpers import DELETE, minimal, write_case

# --- 3: validate reports in one run ----------------------------------------------------

def test_structural_errors_do_not_hide_the_file_and_cross_field_checks(run, tmp_path):
    data = minimal(**{"respondent.famly_names": "Tenzin", "respondent.date_of_birth": "03/04/1990",
                      "attorney": DELETE})
    data["request"]["favorable_factors"][0]["exhibits"] = ["leese"]
    data["exhibits"] = [{"id": "lease", "file": "exhibits/lease.pdf", "title": "Lease"}]
    data["declarations"] = [{"id": "d1", "declarant": "Ana", "relationship": "sister", "language": "Spanish",
                             "paragraphs": ["p"],
                             "signed": {"city": "Queens", "country": "United States", "date": "2026-11-01"}}]
    result = run("validate", write_case(tmp_path / "c", data))
    assert result.code == ExitCode.invalid_case
    err = result.err
    # the structural round
    assert "respondent.famly_names: unknown field: did you mean 'family_names'?" in err
    assert "respondent.date_of_birth: '03/04/1990' is ambiguous" in err
    assert "attorney: is required but missing" in err
    # ... and, in the same run, what used to wait for the next one
    assert "exhibits[0].file: 'exhibits/lease.pdf' does not exist in the case folder" in err
    assert "request.favorable_factors[0].exhibits[0]: no exhibit or declaration has the id 'leese': did you mean " \
           "'lease'?" in err
    assert "declarations[0].interpreter: Ana speaks Spanish and does not read English" in err


def test_a_broken_part_reports_once_not_again_through_the_rules(run, tmp_path):
    # The schema's finding about the date is enough: no second finding about the same field.
    data = minimal(**{"respondent.date_of_birth": "1990-02-31"})
    result = run("validate", write_case(tmp_path / "c", data))
    lines = [line for line in result.err.splitlines() if "date_of_birth" in line]
    assert len(lines) == 1, result.err
    assert "not a real calendar date" in lines[0]


def test_a_case_that_is_a_list_still_gets_one_clear_message(run, tmp_path):
    result = run("validate", write_case(tmp_path / "c", text="- a\n- b\n"))
    assert result.code == ExitCode.invalid_case
    assert "must be a mapping of fields" in result.err
    assert "Traceback" not in result.err


# --- 6: YAML mistakes in plain words, at the line where they start -------------------

YAML_HEAD = "respondent:\n  family_names: Tenzin\n"


def _validate_text(run, tmp_path, text):
    result = run("validate", write_case(tmp_path / "c", text=text))
    assert result.code == ExitCode.invalid_case
    assert "<block" not in result.err and "<scalar>" not in result.err, result.err
    return result.err


def test_a_field_indented_differently_is_named_at_its_line(run, tmp_path):
    err = _validate_text(run, tmp_path, YAML_HEAD + "  a_number: A087654321\n date_of_birth: 1990-01-20\n")
    assert "case.yaml:4: this line is indented differently from the fields around it" in err


def test_an_unclosed_quote_is_reported_where_it_opens(run, tmp_path):
    text = YAML_HEAD + ('  a_number: "A087654321\n  date_of_birth: 1990-01-20\n  language: Nepali\n'
                        '  country_of_citizenship: "Nepal"\n')
    err = _validate_text(run, tmp_path, text)
    assert "case.yaml:3: the quote opened on this line is not closed" in err


def test_an_unclosed_quote_at_the_end_of_the_file_is_reported_where_it_opens(run, tmp_path):
    err = _validate_text(run, tmp_path, YAML_HEAD + '  a_number: "A087654321\n  language: Nepali\n')
    assert "case.yaml:3: the quote opened on this line is not closed" in err


def test_a_line_without_a_colon(run, tmp_path):
    err = _validate_text(run, tmp_path, YAML_HEAD + "  a_number A087654321\n  language: Nepali\n")
    assert "case.yaml:3: this line is not `field: value`" in err


def test_a_list_item_out_of_line(run, tmp_path):
    err = _validate_text(run, tmp_path, "request:\n  relief:\n    - dismissal\n   - termination\n")
    assert "case.yaml:4: this list item (- ...) is indented differently from the items and fields around it" in err


def test_text_after_a_closing_quote(run, tmp_path):
    err = _validate_text(run, tmp_path, YAML_HEAD + '  given_names: "Ana" Maria\n')
    assert "case.yaml:3: text follows the closing quote" in err


def test_an_unclosed_brace(run, tmp_path):
    err = _validate_text(run, tmp_path, "proceedings: {court: Chicago, stage: master\noffice: chicago\n")
    assert "case.yaml:1: the { opened on this line is not closed" in err


def test_a_backslash_inside_double_quotes(run, tmp_path):
    err = _validate_text(run, tmp_path, YAML_HEAD + '  given_names: "C:\\path"\n')
    assert "case.yaml:3: inside double quotes a backslash starts an escape" in err


# --- 8: near-miss file names ------------------------------------------------------------

def _case_with_exhibit(tmp_path, named: str, actual: str):
    folder = tmp_path / "c"
    (folder / "exhibits").mkdir(parents=True)
    (folder / "exhibits" / actual).write_bytes(b"%PDF-1.4\n%%EOF\n")
    data = minimal()
    data["exhibits"] = [{"id": "acta", "file": named, "title": "Acta"}]
    return write_case(folder, data)


def test_a_near_miss_file_name_suggests_the_file_that_exists(run, tmp_path):
    result = run("validate", _case_with_exhibit(tmp_path, "exhibits/acta-nacimiento-EN.pdf",
                                                "acta-nacimiento-en.pdf"))
    assert ("exhibits[0].file: 'exhibits/acta-nacimiento-EN.pdf' does not exist in the case folder: did you mean "
            "'exhibits/acta-nacimiento-en.pdf'?") in result.err


def test_a_misspelled_file_name_suggests_the_closest_one(run, tmp_path):
    result = run("validate", _case_with_exhibit(tmp_path, "exhibits/acta-nacimineto.pdf", "acta-nacimiento.pdf"))
    assert "did you mean 'exhibits/acta-nacimiento.pdf'?" in result.err


def test_a_wrong_folder_name_is_suggested_too(run, tmp_path):
    result = run("validate", _case_with_exhibit(tmp_path, "exhibit/acta.pdf", "acta.pdf"))
    assert "did you mean 'exhibits/acta.pdf'?" in result.err


def test_no_suggestion_when_nothing_is_close(run, tmp_path):
    result = run("validate", _case_with_exhibit(tmp_path, "exhibits/lease.pdf", "acta-nacimiento.pdf"))
    assert "'exhibits/lease.pdf' does not exist in the case folder: check the name" in result.err


# --- 2: spreadsheet cells keep their lines; lists in one cell -------------------------

def _csv(tmp_path, rows: list[dict]):
    sheet = tmp_path / "cases.csv"
    with sheet.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return sheet


def test_a_csv_cell_with_paragraphs_keeps_them(tmp_path):
    facts = "She arrived in 2019.\n\nShe applied for asylum in 2020."
    sheet = _csv(tmp_path, [{"case": "a", "request.facts": facts}, {"case": "b", "request.facts": "One."}])
    rows = read_rows(sheet)
    assert rows == [(2, {"case": "a", "request.facts": facts}), (3, {"case": "b", "request.facts": "One."})]


def test_a_csv_cell_with_windows_line_ends_keeps_its_lines(tmp_path):
    sheet = tmp_path / "cases.csv"
    sheet.write_bytes(b'case,request.facts\r\na,"One.\r\n\r\nTwo."\r\n')
    assert read_rows(sheet) == [(2, {"case": "a", "request.facts": "One.\n\nTwo."})]


def test_a_list_of_ids_in_one_cell_works_with_commas_or_lines():
    data, problems = row_to_data({"request.favorable_factors[0].exhibits": "lease, photo",
                                  "request.negative_factors[0].exhibits": "police\nletter",
                                  "request.relief": "dismissal, termination"}, "s.csv row 2")
    assert problems == []
    assert data["request"]["favorable_factors"][0]["exhibits"] == ["lease", "photo"]
    assert data["request"]["negative_factors"][0]["exhibits"] == ["police", "letter"]
    assert data["request"]["relief"] == ["dismissal", "termination"]


def test_a_list_of_text_in_one_cell_takes_one_item_per_line():
    data, problems = row_to_data({"declarations[0].paragraphs": "My name is Ana, and I live here.\nI work.",
                                  "respondent.address": "41-12 Junction Blvd, Apt 3C\nCorona, NY 11368"},
                                 "s.csv row 2")
    assert problems == []
    assert data["declarations"][0]["paragraphs"] == ["My name is Ana, and I live here.", "I work."]
    assert data["respondent"]["address"] == ["41-12 Junction Blvd, Apt 3C", "Corona, NY 11368"]


def test_a_list_of_keywords_written_with_spaces_is_refused_with_the_way_to_write_it():
    data, problems = row_to_data({"request.relief": "Administrative closure, dismissal"}, "s.csv row 2")
    assert [p.message for p in problems] == [
        "several values in one cell: separate them with line breaks (Alt+Enter in Excel), or with commas "
        "when each is one word (dismissal, termination), or give each its own column (request.relief[0], "
        "request.relief[1])"]


# --- a colon inside a value (issue 26) -----------------------------------------------------------

def test_a_colon_inside_a_fields_value_says_to_quote_it_and_shows_how(run, tmp_path):
    err = _validate_text(run, tmp_path, "exhibits:\n  - id: lease\n    title: Lease: the apartment\n")
    assert ('case.yaml:3: the value holds a colon followed by a space, which YAML reads as the start of a new field: '
            'put the whole value in quotes: title: "Lease: the apartment"') in err


def test_a_colon_inside_a_list_item_says_to_quote_it_and_shows_how(run, tmp_path):
    err = _validate_text(run, tmp_path, "request:\n  relief:\n    - Deferred action: for now\n"
                                        "    - Dismissal: because: I said so\n")
    assert ('case.yaml:4: the item holds a colon followed by a space, which YAML reads as the start of a new field: '
            'put the whole item in quotes: - "Dismissal: because: I said so"') in err


def test_a_colon_inside_a_declaration_paragraph_gives_one_message_saying_to_quote_it(run, tmp_path):
    import yaml
    data = minimal()
    data["declarations"] = [{"id": "d1", "declarant": "Ana", "relationship": "sister", "language": "Spanish",
                             "paragraphs": ["PARAGRAPH", "Second paragraph."],
                             "signed": {"city": "Queens", "country": "United States", "date": "2026-11-01"}}]
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True).replace(
        "PARAGRAPH", "I came to the United States in 2019: I was afraid.")
    err = _validate_text(run, tmp_path, text)
    lines = [x for x in err.splitlines() if "paragraphs[0]" in x]
    assert len(lines) == 1, err
    assert lines[0].endswith(
        'declarations[0].paragraphs[0]: a colon followed by a space makes YAML read this text as a field and its '
        'value: put the whole text in quotes: - "I came to the United States in 2019: I was afraid."'), lines
