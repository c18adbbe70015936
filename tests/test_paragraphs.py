"""Paragraphs as the writer sees them: a blank line starts a new paragraph, and a single line
break inside one is a space, whatever YAML style the text is written in (plain, quoted, `|`,
`>`), in JSON, and in a spreadsheet cell. Each test reads the paragraphs that reach the Word
document, not only what a function returns."""
from __future__ import annotations

import json

import pytest
import yaml
from docx import Document

from assembler import build as stages
from assembler.batch import CaseSpec, load_spec
from assembler.casefile.normalize import paragraphs
from assembler.casefile.read import load_file
from assembler.options import NO_OPTIONS
from assembler.progress import Progress
from helpers import minimal

FIRST = "Ms. Tenzin came to the United States in 2003."
SECOND = "She has two children, both born here."
THIRD = "She has worked as a nurse since 2010."

# facts: three paragraphs, the first hard-wrapped over two lines, two blank lines before the third
STYLES = {
    "plain": """  facts: Ms. Tenzin came to the United States
    in 2003.

    She has two children, both born here.


    She has worked as a nurse since 2010.
""",
    "single-quoted": """  facts: 'Ms. Tenzin came to the United States
    in 2003.

    She has two children, both born here.


    She has worked as a nurse since 2010.'
""",
    "double-quoted": """  facts: "Ms. Tenzin came to the United States
    in 2003.

    She has two children, both born here.


    She has worked as a nurse since 2010."
""",
    "double-quoted with escapes": r"""  facts: "Ms. Tenzin came to the United States\nin 2003.\n\nShe has two children, both born here.\n\n\nShe has worked as a nurse since 2010."
""",
    "literal": """  facts: |
    Ms. Tenzin came to the United States
    in 2003.

    She has two children, both born here.
    \x20\x20
    \x20
    She has worked as a nurse since 2010.
""",
    "folded": """  facts: >
    Ms. Tenzin came to the United States
    in 2003.

    She has two children, both born here.


    She has worked as a nurse since 2010.
""",
}
WRITTEN = ("Ms. Tenzin came to the United States\nin 2003.\n\nShe has two children, both born here.\n\n\n"
           "She has worked as a nurse since 2010.")


def _case_text(facts_lines: str) -> str:
    text = yaml.safe_dump(minimal(), allow_unicode=True, sort_keys=False)
    assert "  facts: F.\n" in text
    return text.replace("  facts: F.\n", facts_lines)


def _letter_paragraphs(run, folder) -> list[str]:
    result = run("edit", folder, "01-request-letter")
    assert result.code == 0, result.err
    return [p.text for p in Document(str(folder / "edits" / "01-request-letter.docx")).paragraphs]


def _facts_in(paragraphs: list[str]) -> list[str]:
    return [p for p in paragraphs if p in (FIRST, SECOND, THIRD) or "Tenzin came" in p or "two children" in p
            or "nurse" in p]


@pytest.mark.parametrize("style", sorted(STYLES))
def test_each_yaml_style_gives_the_letter_the_paragraphs_as_written(run, tmp_path, style):
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "case.yaml").write_text(_case_text(STYLES[style]), encoding="utf-8")
    assert _facts_in(_letter_paragraphs(run, folder)) == [FIRST, SECOND, THIRD]


def test_a_json_case_gives_the_letter_the_paragraphs_as_written(run, tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    data = minimal(**{"request.facts": WRITTEN})
    (folder / "case.json").write_text(json.dumps(data), encoding="utf-8")
    assert _facts_in(_letter_paragraphs(run, folder)) == [FIRST, SECOND, THIRD]


def test_a_paragraph_of_one_line_per_sentence_stays_one_paragraph(run, tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    text = _case_text("  facts: |\n    Ms. Tenzin came to the United States\n    in 2003.\n"
                      "    She has two children, both born here.\n")
    (folder / "case.yaml").write_text(text, encoding="utf-8")
    assert _facts_in(_letter_paragraphs(run, folder)) == [f"{FIRST} {SECOND}"]


def test_reading_keeps_the_blank_lines_the_writer_typed(tmp_path):
    """What a reader of the case data (the web editor, a spreadsheet export) gets: the text as
    written, a blank line between paragraphs, in every style."""
    for style, lines in STYLES.items():
        (tmp_path / "case.yaml").write_text(_case_text(lines), encoding="utf-8")
        facts = load_file(tmp_path / "case.yaml").data["request"]["facts"]
        assert paragraphs(facts) == [FIRST, SECOND, THIRD], style


# --- declarations: a list of paragraphs, each item may hold several -------------------------------

def test_a_declaration_item_with_a_blank_line_is_two_paragraphs(run, tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    text = yaml.safe_dump(minimal(), sort_keys=False) + """declarations:
- id: self
  declarant: Pema Tenzin
  relationship: respondent
  paragraphs:
  - |
    My name is Pema
    Tenzin.
  - I came in 2003.

    I work as a nurse.
  signed: {city: Chicago, state: Illinois, country: United States, date: '2026-11-20'}
"""
    (folder / "case.yaml").write_text(text, encoding="utf-8")
    result = run("edit", folder, "declaration-self")
    assert result.code == 0, result.err
    texts = [p.text.split("\t", 1)[-1] for p in Document(result.out.strip()).paragraphs]
    assert [t for t in texts if "Pema Tenzin." in t or "2003" in t or "nurse" in t] == [
        "My name is Pema Tenzin.", "I came in 2003.", "I work as a nurse."]


# --- spreadsheet cells -----------------------------------------------------------------------------

def _spreadsheet_letter(tmp_path, path) -> list[str]:
    from assembler.casefile.spreadsheet import read_rows

    [(number, row)] = read_rows(path)
    spec = CaseSpec("c", row=row, row_label=f"{path.name} row {number}", base_dir=tmp_path, source=path)
    case, settings = load_spec(spec, NO_OPTIONS)
    assert not case.errors, [e.render() for e in case.errors]
    planned = stages.plan_build(case, settings, tmp_path / "out", tmp_path / "work", Progress(False))
    try:
        doc = stages.render_for_edit(planned, "01-request-letter.docx")
        return [p.text for p in Document(str(doc)).paragraphs]
    finally:
        stages.abandon(planned)


def _flat(data: dict, prefix: str = "") -> dict[str, str]:
    """A case as spreadsheet columns: lists of text one item a line, others by index."""
    out: dict[str, str] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flat(value, f"{path}."))
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            out[path] = "\n".join(value)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                out.update(_flat(item, f"{path}[{i}].") if isinstance(item, dict) else {f"{path}[{i}]": item})
        else:
            out[path] = str(value)
    return out


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_csv_cell_gives_the_letter_the_paragraphs_as_written(tmp_path, newline):
    import csv
    columns = _flat(minimal(**{"request.facts": WRITTEN.replace("\n", newline)}))
    path = tmp_path / "cases.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(list(columns))
        writer.writerow(list(columns.values()))
    assert _facts_in(_spreadsheet_letter(tmp_path, path)) == [FIRST, SECOND, THIRD]


def test_an_xlsx_cell_gives_the_letter_the_paragraphs_as_written(tmp_path):
    from openpyxl import Workbook
    # A blank line typed in Excel may hold spaces; Windows line ends arrive as \r\n.
    columns = _flat(minimal(**{"request.facts": WRITTEN.replace("\n\n\n", "\r\n  \r\n\r\n")}))
    book = Workbook()
    sheet = book.active
    sheet.append(list(columns))
    sheet.append(list(columns.values()))
    path = tmp_path / "cases.xlsx"
    book.save(path)
    assert _facts_in(_spreadsheet_letter(tmp_path, path)) == [FIRST, SECOND, THIRD]


def test_the_new_case_file_says_the_paragraph_rule(run, tmp_path):
    assert run("new", tmp_path / "n").code == 0
    text = (tmp_path / "n" / "case.yaml").read_text(encoding="utf-8")
    assert "a\n# blank line between paragraphs; the lines of one paragraph are joined by a space" in text
    assert "facts:  # REQUIRED; a blank line between paragraphs; a single line break is a space" in text
