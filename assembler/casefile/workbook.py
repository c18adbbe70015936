"""Cases from a workbook kept as people keep one: a sheet per list, keyed by the case id.

The `Cases` sheet has one row a case (a `case id` column, then the case's single fields,
columns named by field paths as in a one-row-per-case spreadsheet: see spreadsheet.py).
Each list a clinic fills has a sheet of its own (`Exhibits`, `Declarations`, `Factors`,
...): one row an item, in order, its `case id` naming the case it belongs to, its other
columns the item's field paths (`file`, `translation.file`, `signed.city`). The `Factors`
sheet holds both kinds of factor, told apart by its `kind` column (favorable or negative).
Other sheets (a Read me, notes a clinic keeps) are not read.

A workbook without a `Cases` sheet, and a .csv, are read as one row a case (spreadsheet.py).
`workbook_rows` is the way back: a case's data as a Cases row and its item rows, read back
as the same data (`write_workbook`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assembler.casefile.spreadsheet import NAME_COLUMNS, data_to_row, read_rows, row_to_data, sheet_rows
from assembler.errors import Finding, InputFileError

CASES = "Cases"
CASE_ID = "case id"
KIND = "kind"  # the Factors sheet's column: favorable or negative
# An office chosen from the workbook's list reads "Chicago (chicago)": the key is in the brackets.
_OFFICE_CHOICE = re.compile(r".*\(\s*([A-Za-z0-9_]+)\s*\)\s*")


@dataclass(frozen=True)
class ItemSheet:
    name: str
    path: tuple[str, ...]  # the list it fills
    kind: str = ""  # the Factors sheet: which of its lists this is
    # An empty list is not an absent one (immigration_history: [] says there was none), and an empty cell
    # is no value: the Cases sheet says it with "none" in the list's column. (negative_factors and
    # criminal_history take "none" themselves.)
    none_is_empty: bool = True


ITEM_SHEETS = (
    ItemSheet("Exhibits", ("exhibits",)),
    ItemSheet("Declarations", ("declarations",)),
    ItemSheet("Factors", ("request", "favorable_factors"), "favorable"),
    ItemSheet("Factors", ("request", "negative_factors"), "negative", none_is_empty=False),
    ItemSheet("Criminal history", ("request", "criminal_history"), none_is_empty=False),
    ItemSheet("Immigration history", ("immigration_history",)),
    ItemSheet("Forms", ("forms",)),
)
NONE = "none"
SHEET_NAMES = list(dict.fromkeys(s.name for s in ITEM_SHEETS))


@dataclass
class ItemRow:
    sheet: ItemSheet
    label: str  # "cases.xlsx, sheet Exhibits, row 4"
    row: dict[str, str]


@dataclass
class SheetCase:
    """One case of a spreadsheet: its row, and in a workbook its item rows (picklable, for batch workers)."""

    number: int
    label: str  # "cases.xlsx row 2" (the Cases sheet's, in a workbook)
    row: dict[str, str]
    items: list[ItemRow] = field(default_factory=list)

    @property
    def name(self) -> str | None:
        return next((self.row[c] for c in NAME_COLUMNS if c in self.row), None)


# --- reading -------------------------------------------------------------------------------------------

def read_cases(path: Path) -> list[SheetCase]:
    """The cases of a .csv, a one-sheet .xlsx, or a workbook with a Cases sheet and a sheet per list."""
    sheets = _workbook_sheets(path) if path.suffix.lower() in (".xlsx", ".xlsm") else None
    if sheets is None:
        return [SheetCase(n, f"{path.name} row {n}", row) for n, row in read_rows(path)]
    cases = [SheetCase(n, f"{path.name} row {n}", row) for n, row in sheets[CASES]]
    by_id: dict[str, SheetCase] = {}
    for case in cases:
        if case.name:
            by_id.setdefault(case.name, case)
    strays = []
    for sheet in SHEET_NAMES:
        for number, row in sheets.get(sheet, []):
            label = f"{path.name}, sheet {sheet}, row {number}"
            owner = by_id.get(row.get(CASE_ID, ""))
            if owner is None:
                said = row.get(CASE_ID)
                strays.append(f"  {label}: " + (f"the case id '{said}' is not in the {CASES} sheet" if said else
                                                 "the case id is empty"))
                continue
            owner.items.append(ItemRow(_item_sheet(sheet, row.get(KIND, "")), label, row))
    if strays:
        raise InputFileError(f"{path}: {len(strays)} row(s) name no case of the {CASES} sheet: write in each "
                             f"row's '{CASE_ID}' column the case id of a row of the {CASES} sheet\n"
                             + "\n".join(strays))
    return cases


def _item_sheet(name: str, kind: str) -> ItemSheet:
    """The list a row fills; a Factors row whose kind is neither favorable nor negative is kept
    as favorable's, so that its problem is reported with the case (case_data)."""
    return next((s for s in ITEM_SHEETS if s.name == name and s.kind == kind.strip().lower()),
                next(s for s in ITEM_SHEETS if s.name == name))


def _workbook_sheets(path: Path) -> dict[str, list[tuple[int, dict[str, str]]]] | None:
    """{sheet name: rows} for the sheets read, or None when there is no Cases sheet."""
    try:
        import openpyxl
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - read_rows reports a bad file with its message
        return None
    try:
        named = {s.title.strip().lower(): s for s in book.worksheets}
        if CASES.lower() not in named:
            return None
        wanted = [CASES, *SHEET_NAMES]
        return {name: sheet_rows(named[name.lower()]) or [] for name in wanted if name.lower() in named}
    finally:
        book.close()


def case_data(case: SheetCase) -> tuple[dict, list[Finding], dict[str, str]]:
    """The case's data, the problems of its cells, and where each item came from
    ({"exhibits[1]": "cases.xlsx, sheet Exhibits, row 4"}: see relabel)."""
    row = dict(case.row)
    if "office" in row and (m := _OFFICE_CHOICE.fullmatch(row["office"])):
        row["office"] = m.group(1)
    empty = [s.path for s in ITEM_SHEETS if s.none_is_empty and row.get(".".join(s.path), "").lower() == NONE]
    for path in empty:
        del row[".".join(path)]
    data, problems = row_to_data(row, case.label)
    for path in empty:
        _at(data, path[:-1])[path[-1]] = []
    origins: dict[str, str] = {}
    for item in case.items:
        sheet = item.sheet
        cells = {k: v for k, v in item.row.items() if k != CASE_ID and not (sheet.kind and k == KIND)}
        value, found = row_to_data(cells, item.label, within=(*sheet.path, 0))
        problems += found
        if sheet.kind and item.row.get(KIND, "").strip().lower() != sheet.kind:
            problems.append(Finding(item.label, KIND, "write favorable or negative"))
            continue
        items = _at(data, sheet.path[:-1]).setdefault(sheet.path[-1], [])
        if not isinstance(items, list):
            problems.append(Finding(item.label, "", f"the {CASES} sheet ({case.label}) says "
                                                    f"{'.'.join(sheet.path)}: '{items}', and this row gives one: "
                                                    "empty that cell, or remove this row"))
            continue
        origins[f"{'.'.join(sheet.path)}[{len(items)}]"] = item.label
        items.append(value)
    return data, problems, origins


def _at(data: dict, path: tuple[str, ...]) -> dict:
    for key in path:
        data = data.setdefault(key, {})
    return data


def relabel(finding: Finding, origins: dict[str, str]) -> Finding:
    """A finding about an item named by its sheet and row: `exhibits[1].file` of the case becomes
    `file` of "cases.xlsx, sheet Exhibits, row 4", where the user wrote it."""
    for prefix, label in origins.items():
        if finding.path == prefix or finding.path.startswith((prefix + ".", prefix + "[")):
            rest = finding.path[len(prefix):].lstrip(".")
            return Finding(label, rest, finding.message, finding.severity, None, finding.kind)
    return finding


# --- writing ------------------------------------------------------------------------------------------

def workbook_rows(data: dict, case_id: str) -> tuple[dict[str, str], dict[str, list[dict[str, str]]]]:
    """A case as its Cases row and its rows of each item sheet, which case_data reads back as `data`.
    A list that is not all items (a "none") stays a cell of the Cases row."""
    rest: dict = _copy_dicts(data)
    items: dict[str, list[dict[str, str]]] = {}
    for sheet in ITEM_SHEETS:
        parent: Any = rest
        for key in sheet.path[:-1]:
            parent = parent.get(key) if isinstance(parent, dict) else None
        value = parent.get(sheet.path[-1]) if isinstance(parent, dict) else None
        if value == [] and sheet.none_is_empty:
            parent[sheet.path[-1]] = NONE
            continue
        if not isinstance(value, list) or not value or not all(isinstance(v, dict) for v in value):
            continue
        del parent[sheet.path[-1]]
        extra = {KIND: sheet.kind} if sheet.kind else {}
        items.setdefault(sheet.name, []).extend({CASE_ID: case_id, **extra, **data_to_row(v)} for v in value)
    row = data_to_row(rest)
    return {CASE_ID: case_id, **row}, items


def _copy_dicts(value: Any) -> Any:
    return {k: _copy_dicts(v) for k, v in value.items()} if isinstance(value, dict) else value


def write_workbook(path: Path, cases: list[tuple[str, dict]]) -> Path:
    """Cases (case id, data) as a workbook: a Cases sheet and a sheet per list that has items."""
    import openpyxl

    sheets: dict[str, list[dict[str, str]]] = {CASES: []}
    for case_id, data in cases:
        row, items = workbook_rows(data, case_id)
        sheets[CASES].append(row)
        for name, rows in items.items():
            sheets.setdefault(name, []).extend(rows)
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name in [CASES, *SHEET_NAMES]:
        if name in sheets:
            fill_sheet(book.create_sheet(name), _header(sheets[name]), sheets[name])
    book.save(path)
    return path


def _header(rows: list[dict[str, str]]) -> list[str]:
    header: list[str] = []
    for row in rows:
        header += [c for c in row if c not in header]
    return header


def fill_sheet(sheet: Any, header: list[str], rows: list[dict[str, str]]) -> None:
    """A header row, then each row's cells under their column, as text ("=..." is no formula)."""
    for c, name in enumerate(header, start=1):
        sheet.cell(1, c).value = name
    for r, row in enumerate(rows, start=2):
        for c, name in enumerate(header, start=1):
            if row.get(name):
                cell = sheet.cell(r, c)
                cell.value = row[name]
                cell.data_type = "s"
