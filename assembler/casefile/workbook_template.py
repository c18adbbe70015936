"""`pdpacket new --spreadsheet cases.xlsx`: the workbook to fill, a sheet per list (see workbook.py).

Made from the case schema when asked for, so every field is there: the Cases sheet has the
single fields, each item sheet the fields of one item. A header's comment and the Read me
sheet say what each column holds; enumerations are drop-down lists (a hidden Lists sheet
holds them; an office reads "Chicago (chicago)", and the key in brackets is what counts).
The example case is consistent and validates clean: its exhibit files are written beside
the workbook (small PDFs saying they are examples), when not there already.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from assembler import resources
from assembler.casefile.workbook import CASE_ID, CASES, ITEM_SHEETS, KIND, SHEET_NAMES, fill_sheet, workbook_rows

EXAMPLE_ID = "example-tenzin"
README_SHEET = "Read me"
LISTS_SHEET = "Lists"

# A case whose fields agree with each other (not detained, so no facility; no bond amount without
# bond; no template set the firm may not have), so that a new workbook validates with no error and
# no warning: the example teaches what a good row looks like. Fictional.
EXAMPLE: dict[str, Any] = {
    "respondent": {"given_names": "Pema", "family_names": "Tenzin", "a_number": "A087654321",
                   "date_of_birth": "1990-01-20", "country_of_citizenship": "Nepal", "language": "English",
                   "detained": "false",
                   "entry": {"date": "2019-09-14", "manner": "paroled", "place": "San Ysidro port of entry, California"},
                   "address": ["1520 W Devon Ave, Apt 2", "Chicago, IL 60660"]},
    "proceedings": {"court": "Chicago Immigration Court", "judge": "Hon. Ana Ruiz",
                    "next_hearing": {"date": "2027-06-15", "time": "09:00", "type": "master"},
                    "stage": "master_calendar"},
    "office": "chicago",
    "immigration_history": [
        {"date": "2019-09-14", "kind": "encounter",
         "description": "Presented himself at the San Ysidro port of entry and asked for asylum; paroled with "
                        "the Notice to Appear that began these proceedings",
         "source": "Notice to Appear; Form I-94"}],
    "consent": {"date": "2026-11-25", "explained_by": "Daniel Okafor", "language": "English",
                "risks": ["arrest_after_dismissal", "expedited_removal", "losing_cancellation"]},
    "request": {
        "relief": ["administrative_closure"],
        "summary": "Tenzin, who has no criminal record, helped the police who investigated a robbery in which "
                   "he was beaten. His petition for U nonimmigrant status is pending with USCIS.",
        "facts": "On September 14, 2019, Tenzin asked for asylum at the San Ysidro port of entry. He has lived "
                 "in Chicago since October 2019.\n\nHe filed Form I-918, a petition for U nonimmigrant status, "
                 "with USCIS on July 20, 2023. It is pending.",
        "favorable_factors": [
            {"title": "A pending petition for U nonimmigrant status",
             "text": "USCIS decides his petition, which the Chicago Police Department's certification supports.",
             "exhibits": ["u_receipt", "supplement_b"]},
            {"title": "He helped the police",
             "text": "He reported the robbery and helped the police identify the men who beat him.",
             "exhibits": ["decl_respondent"]}],
        "negative_factors": [
            {"title": "Entry without a visa",
             "text": "He had no visa when he arrived; he presented himself at the port of entry and asked for "
                     "asylum."}],
        "criminal_history": "none",
        "conclusion": "We ask the Office of the Chief Counsel to agree to administrative closure while USCIS "
                      "decides his petition."},
    "attorney": {"name": "Daniel Okafor", "bar_number": "5123456", "bar_state": "NY",
                 "address": ["350 Broadway, Suite 1200", "New York, NY 10013"], "phone": "(212) 555-0142",
                 "email": "dokafor@example.org"},
    "declarations": [
        {"id": "decl_respondent", "declarant": "Pema Tenzin", "relationship": "respondent", "language": "English",
         "paragraphs": ["My name is Pema Tenzin. I was born in Nepal on January 20, 1990.",
                        "On March 3, 2022, two men robbed and beat me at the store where I work. I helped the "
                        "police find them."],
         "signed": {"city": "Chicago", "state": "Illinois", "country": "United States", "date": "2026-11-20"}}],
    "exhibits": [
        {"id": "u_receipt", "file": "exhibits/example-i918-receipt.pdf",
         "title": "Form I-797C receipt notice, Form I-918", "date": "2023-07-20"},
        {"id": "supplement_b", "file": "exhibits/example-i918-supplement-b.pdf",
         "title": "Form I-918 Supplement B, certified by the Chicago Police Department", "date": "2023-05-09"},
        # A signed G-28 filed as an exhibit of its kind: the office recognises counsel by it.
        {"id": "g28", "file": "exhibits/example-g28.pdf", "title": "Form G-28, signed", "kind": "g28"}],
    "service": {"method": "mail", "date": "2026-12-03", "served_by": "Daniel Okafor"},
}

# What the columns pdpacket adds mean (the others' words come from the schema).
OWN_COLUMNS = {CASE_ID: "the case's short name: its output folder, and how the other sheets' rows name it",
               KIND: "favorable or negative"}
PLAIN = {  # schema hints written for case.yaml, said for a spreadsheet cell
    "office": "choose the office from the list (the key in brackets is what counts)",
    "respondent.a_number": "the A-number, e.g. A201234567 or A201-234-567",
    "proceedings.next_hearing.time": "24-hour time, e.g. 13:30",
    "request.negative_factors": "none when no negative factor is known; otherwise leave it empty and list "
                                "them in the Factors sheet (kind: negative)",
    "request.criminal_history": "none when the respondent has no arrest, charge or conviction; otherwise leave "
                                "it empty and list them in the Criminal history sheet",
    "immigration_history": "none when there was no encounter with immigration; otherwise leave it empty and "
                           "list them in the Immigration history sheet",
}


def _columns(schema: dict) -> dict[str, list[tuple[str, dict, bool]]]:
    """{sheet: [(column, rules, required)]}: Cases' single fields, and each item sheet's item fields."""
    lists = {s.path: s.name for s in ITEM_SHEETS}
    found: dict[str, list[tuple[str, dict, bool]]] = {CASES: [(CASE_ID, {}, True)]}

    def walk(sheet: str, tokens: tuple, prefix: str, rules: dict, required: bool) -> None:
        required = required and bool(rules.get("required"))
        item = rules.get("schema") or {}
        if tokens in lists:
            name = lists[tokens]
            if (sheet == CASES and "string" in str(rules.get("type"))) or tokens == ("immigration_history",):
                found[sheet].append((prefix, rules, False))  # "none" is said here
            have = found.setdefault(name, [(CASE_ID, {}, True)] + ([(KIND, {"allowed": ["favorable", "negative"]},
                                                                        True)] if name == "Factors" else []))
            if len(have) <= 2:
                for key, sub in item["schema"].items():
                    walk(name, (*tokens, key), key, sub, True)
        elif rules.get("type") == "dict" and isinstance(rules.get("schema"), dict):
            for key, sub in rules["schema"].items():
                walk(sheet, (*tokens, key), f"{prefix}.{key}" if prefix else key, sub, required)
        elif "list" in str(rules.get("type")) and item.get("type") == "dict":  # a list inside an item
            for key, sub in item["schema"].items():
                walk(sheet, (*tokens, key), f"{prefix}[0].{key}", sub, False)
        elif rules.get("type") == "dict":  # custom: free-form, its example's keys
            for key in ((rules.get("meta") or {}).get("example") or {}):
                found[sheet].append((f"{prefix}.{key}", {"meta": rules.get("meta")}, False))
        else:
            found[sheet].append((prefix, rules, required))

    for key, rules in schema.items():
        walk(CASES, (key,), key, rules, True)
    return found


def _about(column: str, rules: dict, required: bool) -> str:
    meta = rules.get("meta") or {}
    words = OWN_COLUMNS.get(column) or PLAIN.get(column) or meta.get("hint") or ""
    allowed = _choices(rules)
    if allowed and column not in OWN_COLUMNS and column != "office":
        several = "list" in str(rules.get("type"))
        words = "; ".join(w for w in (words, ("one or more, one a line: " if several else "one of: ")
                                      + ", ".join(allowed)) if w)
    return f"{'Required' if required else 'Optional'}. {words}".strip()


def _choices(rules: dict) -> list[str]:
    if rules.get("type") == "boolean":
        return ["true", "false"]
    return [str(a) for a in rules.get("allowed") or (rules.get("schema") or {}).get("allowed") or []]


def office_choices(offices: dict) -> list[str]:
    """'Chicago (chicago)': the place people know, and the key pdpacket reads."""
    shown = []
    for key, entry in sorted(offices.items()):
        place = (entry.get("city") if not entry.get("parent") else None) or entry.get("name") or key
        shown.append(f"{place} ({key})")
    return shown


def write(path: Path, offices: dict) -> list[Path]:
    """The workbook, and the example's exhibit files beside it (those missing); the paths written."""
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.datavalidation import DataValidation

    columns = _columns(resources.load_schema("case"))
    row, items = workbook_rows(EXAMPLE, EXAMPLE_ID)
    row["office"] = next((s for s in office_choices(offices) if s.endswith(f"({row['office']})")), row["office"])
    rows = {CASES: [row], **items}
    book = openpyxl.Workbook()
    book.remove(book.active)
    readme = book.create_sheet(README_SHEET)
    lists = book.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    list_cols: dict[tuple, str] = {}
    readme.append(["sheet", "column", "what it holds"])
    for name in [CASES, *SHEET_NAMES]:
        sheet = book.create_sheet(name)
        header = [c for c, _, _ in columns[name]]
        # The example's further list cells (an address line with a comma gets a column each: address[1]).
        extra = [c for r in rows.get(name, []) for c in r if c not in header]
        columns[name] += [(c, {}, False) for c in dict.fromkeys(extra)]
        header += list(dict.fromkeys(extra))
        fill_sheet(sheet, header, rows.get(name, []))
        for c, (column, rules, required) in enumerate(columns[name], start=1):
            cell = sheet.cell(1, c)
            cell.font = Font(bold=True)
            about = _about(column, rules, required)
            cell.comment = Comment(about, "pdpacket", width=320, height=110)
            readme.append([name, column, about])
            allowed = office_choices(offices) if column == "office" else _choices(rules)
            if allowed and column != CASE_ID:
                _dropdown(sheet, c, allowed, lists, list_cols, several="list" in str(rules.get("type")),
                          strict=column != "office", validation=DataValidation)
        for line in sheet.iter_rows(min_row=2):
            for cell in line:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        for c in range(1, len(header) + 1):
            sheet.column_dimensions[sheet.cell(1, c).column_letter].width = 24
        sheet.freeze_panes = "B2"
    for cell in readme[1]:
        cell.font = Font(bold=True)
    readme.insert_rows(1, 3)
    readme["A1"] = ("One row a case in the Cases sheet; each list (exhibits, declarations, factors, criminal "
                    "and immigration history, forms) in its own sheet, one row an item, in order, its "
                    "'case id' naming its case. A list in one cell: one item per line (Alt+Enter). Exhibit "
                    "files are named relative to this workbook's folder.")
    readme["A2"] = (f"The example case ({EXAMPLE_ID}) is complete and consistent: its exhibits are in "
                    "exhibits/ beside this file. Replace it, or delete its rows in every sheet.")
    for column, width in (("A", 22), ("B", 34), ("C", 110)):
        readme.column_dimensions[column].width = width
    book.properties.creator = "pdpacket"
    book.save(path)
    return [path, *_example_exhibits(path.parent)]


def _dropdown(sheet: Any, column: int, allowed: list[str], lists: Any, list_cols: dict, several: bool,
              strict: bool, validation: Any) -> None:
    key = tuple(allowed)
    if key not in list_cols:
        c = len(list_cols) + 1
        for r, value in enumerate(allowed, start=1):
            lists.cell(r, c).value = value
        letter = lists.cell(1, c).column_letter
        list_cols[key] = f"'{LISTS_SHEET}'!${letter}$1:${letter}${len(allowed)}"
    # Several values (relief) go one a line in a cell, which a list cannot check: a warning then, not a stop;
    # an office the firm added in its settings after the workbook was made is typed in by its key.
    rule = validation(type="list", formula1=list_cols[key], allow_blank=True,
                      errorStyle="stop" if strict and not several else "warning",
                      error="Choose a value from the list" + (" (several: one a line)" if several else ""))
    letter = sheet.cell(1, column).column_letter
    rule.add(f"{letter}2:{letter}1000")
    sheet.add_data_validation(rule)


def _example_exhibits(folder: Path) -> list[Path]:
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    written = []
    for exhibit in EXAMPLE["exhibits"]:
        path = folder / exhibit["file"]
        if path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        page = canvas.Canvas(str(path), pagesize=letter, invariant=True)
        page.setFont("Helvetica", 14)
        page.drawString(72, 700, f"Example exhibit: {exhibit['title']}")
        page.drawString(72, 680, "pdpacket wrote this file for the workbook's example case.")
        page.save()
        written.append(path)
    return written


def write_csv(path: Path) -> list[Path]:
    """One row a case: every field's column (a list's first item: exhibits[0].file), then the example's
    further items' columns (exhibits[1].file), the example in the second row."""
    from assembler.casefile.scaffold import columns
    from assembler.casefile.spreadsheet import data_to_row, write_rows

    example = data_to_row(EXAMPLE, EXAMPLE_ID)
    header = ["case", *(c for c, _, _ in columns())]
    header += [c for c in example if c not in header]
    write_rows(path, [{c: example.get(c, "") for c in header}])
    return [path, *_example_exhibits(path.parent)]
