"""Cases from a spreadsheet export: one row a case, columns named by field paths.

`respondent.family_names`, `exhibits[0].file`, `request.relief[1]`: each column
header is the path of the field it fills; empty cells are left out. A `case`
column, when present, names the case (and its output folder).

A cell keeps its line breaks (paragraphs of `request.facts`). A column naming a
whole list (`request.relief`, `respondent.address`) takes one item per line of
its cell; a list of ids or keywords also takes them separated by commas
(`lease, photo`), which free text cannot (a comma belongs to the sentence).

`data_to_row` is the way back: a case's data as one row that `row_to_data` reads
as the same data (`write_rows` writes rows as .csv or .xlsx).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from functools import cache
from pathlib import Path
from typing import Any

from assembler import resources
from assembler.casefile.schema import schema_at
from assembler.errors import Finding, InputFileError

NAME_COLUMNS = ("case", "case_id", "case id")  # "case id": the workbook's key (casefile/workbook.py)
_TOKEN = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]")  # a custom: key may hold a hyphen
_WORD = re.compile(r"[A-Za-z0-9_-]+")


def read_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    """(spreadsheet row number, {header: cell text}) for each non-empty row."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv_rows(path)
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx_rows(path)
    raise InputFileError(f"{path}: not a spreadsheet pdpacket reads: export it as .csv or .xlsx")


def _csv_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputFileError(f"{path}: not UTF-8 text: export the spreadsheet as 'CSV UTF-8'") from None
    except OSError as exc:
        raise InputFileError(f"{path}: cannot be read: {exc.strerror}") from exc
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    # The csv module, not splitlines(), finds the rows: a quoted cell may hold line breaks.
    rows = [[c.replace("\r\n", "\n") for c in r] for r in csv.reader(io.StringIO(text, newline=""),
                                                                      delimiter=delimiter)]
    if not rows:
        raise InputFileError(f"{path}: the spreadsheet is empty: the first row names the fields")
    header = [h.strip() for h in rows[0]]
    result = []
    for number, cells in enumerate(rows[1:], start=2):
        row = {h: c for h, c in zip(header, cells, strict=False) if h and c.strip()}
        if row:
            result.append((number, row))
    return result


def _xlsx_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    try:
        import openpyxl
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a bad file
        raise InputFileError(f"{path}: cannot be read as an Excel workbook ({exc}): save it again as .xlsx") from exc
    try:
        result = sheet_rows(book.worksheets[0])
    finally:
        book.close()
    if result is None:
        raise InputFileError(f"{path}: the first sheet is empty: its first row names the fields")
    return result


def sheet_rows(sheet: Any) -> list[tuple[int, dict[str, str]]] | None:
    """A worksheet's rows below its header row, as (row number, {header: cell text}) for the rows that
    hold anything (the XLSX spreadsheet and each sheet of the workbook); None for a sheet without even
    a header row."""
    rows = list(sheet.iter_rows(values_only=True))
    if not rows:
        return None
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    found = []
    for number, cells in enumerate(rows[1:], start=2):
        row = {h: cell_text(c) for h, c in zip(header, cells, strict=False) if h and c is not None and cell_text(c)}
        if row:
            found.append((number, row))
    return found


def cell_text(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def row_to_data(row: dict[str, str], shown: str, within: tuple = ()) -> tuple[dict, list[Finding]]:
    """Nest a row's cells by their column paths. `within`: where in a case the row's data goes (a
    workbook's Exhibits row: ("exhibits", 0)), so that its list cells are split as that field's."""
    data: dict = {}
    problems = []
    parsed = []
    for column, value in row.items():
        if column in NAME_COLUMNS:
            continue
        tokens = _parse(column)
        if tokens is None:
            problems.append(Finding(shown, column, "this column header is not a field path "
                                                   "(e.g. respondent.family_names or exhibits[0].file)"))
            continue
        parsed.append((tokens, column, value))
    # Columns may come in any order; list items must be filled from index 0 up.
    parsed.sort(key=lambda t: [(0, x) if isinstance(x, int) else (1, x) for x in t[0]])
    for tokens, column, value in parsed:
        try:
            _put(data, tokens, _list_cell([*within, *tokens], column, value))
        except ValueError as exc:
            problems.append(Finding(shown, column, str(exc)))
    return data, problems


@cache
def _case_schema() -> dict:
    return resources.load_schema("case")


def _list_cell(tokens: list, column: str, value: str) -> Any:
    """A cell that fills a whole list: its items, one a line (or comma-separated ids and keywords)."""
    rules = schema_at(_case_schema(), tokens)
    if not rules or rules.get("type") != "list" or (rules.get("schema") or {}).get("type") != "string":
        return value
    items = [line.strip() for line in value.splitlines() if line.strip()]
    item = rules["schema"]
    # Ids and keywords never hold a comma; free text (paragraphs, address lines) may.
    words = bool(item.get("allowed") or item.get("regex") or item.get("coerce") == "keyword") or \
        tokens[-1] == "exhibits"
    if len(items) != 1 or "," not in items[0] or not words:
        return items
    pieces = [p.strip() for p in items[0].split(",") if p.strip()]
    if all(_WORD.fullmatch(p) for p in pieces):
        return pieces
    raise ValueError("several values in one cell: separate them with line breaks (Alt+Enter in Excel), or with "
                     "commas when each is one word (dismissal, termination), or give each its own column "
                     f"({column}[0], {column}[1])")


def _parse(column: str) -> list | None:
    tokens: list[str | int] = []
    pos = 0
    for m in _TOKEN.finditer(column):
        gap = column[pos:m.start()]
        if gap not in ("", ".") or (gap == "." and not tokens):
            return None
        tokens.append(m.group(1) if m.group(1) else int(m.group(2)))
        pos = m.end()
    if pos != len(column) or not tokens or isinstance(tokens[0], int):
        return None
    return tokens


def _put(target: Any, tokens: list, value: Any) -> None:
    for i, token in enumerate(tokens):
        last = i == len(tokens) - 1
        nxt: list | dict | None = None if last else ([] if isinstance(tokens[i + 1], int) else {})
        if isinstance(token, int):
            if not isinstance(target, list):
                raise ValueError("a list index where the field is not a list")
            if token > len(target):
                raise ValueError(f"item [{token}] comes before item [{len(target)}]: number list items from 0 "
                                 "without gaps")
            if token == len(target):
                target.append(value if last else nxt)
            elif last:
                raise ValueError("this cell is given twice")
            target = target[token]
        else:
            if not isinstance(target, dict):
                raise ValueError("a field name where the field is a list")
            if last:
                if token in target:
                    raise ValueError("this cell is given twice")
                target[token] = value
            else:
                target = target.setdefault(token, nxt)


# --- the way back: case data as a row -------------------------------------------------------------

def data_to_row(data: dict, name: str | None = None) -> dict[str, str]:
    """One row (column path -> cell text) that row_to_data reads back as `data`. Empty values
    (None, [], {}) have no cell, as empty cells have no value."""
    row: dict[str, str] = {"case": name} if name else {}
    _flatten(data, "", row)
    return row


def _flatten(value: object, path: str, row: dict[str, str]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            column = f"{path}.{key}" if path else str(key)
            if _parse(column) is None:
                raise ValueError(f"{column}: the field name '{key}' cannot be a column header (letters, digits, "
                                 "_ and - only)")
            _flatten(inner, column, row)
    elif isinstance(value, list):
        whole = all(isinstance(v, str) and v and v == v.strip() and "\n" not in v and "," not in v for v in value)
        if whole and value:  # one item a line, in one cell
            row[path] = "\n".join(value)
        else:  # items with line breaks or commas, or mappings: a column each
            for i, inner in enumerate(value):
                _flatten(inner, f"{path}[{i}]", row)
    elif value is not None:
        row[path] = value if isinstance(value, str) else str(value)


def write_rows(path: Path, rows: list[dict[str, str]]) -> Path:
    """Rows as a .csv (UTF-8 with the BOM Excel looks for) or .xlsx, the columns in the order first met."""
    header: list[str] = []
    for row in rows:
        header += [c for c in row if c not in header]
    table = [header] + [[row.get(c, "") for c in header] for row in rows]
    if path.suffix.lower() == ".csv":
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows(table)
        path.write_text(buffer.getvalue(), encoding="utf-8-sig")
        return path
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for r, cells in enumerate(table, start=1):
        for c, text in enumerate(cells, start=1):
            if text:
                cell = sheet.cell(r, c)
                cell.value = text
                cell.data_type = "s"  # text as typed: "=..." is not a formula
    book.save(path)
    return path
