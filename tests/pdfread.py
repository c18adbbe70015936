"""Reading a filing back the way a person would: text per page, index entries."""
from __future__ import annotations

import re
from pathlib import Path

from pypdf import PdfReader


def page_texts(pdf: Path) -> list[str]:
    """Non-breaking spaces (which keep dates and "Tab X" on one line) read as the spaces a person sees."""
    return [(p.extract_text() or "").replace("\u00a0", " ") for p in PdfReader(pdf).pages]


def tab_pages(texts: list[str]) -> dict[str, int]:
    """Tab letter -> the 1-based page whose text starts with 'TAB X'."""
    found = {}
    for number, text in enumerate(texts, start=1):
        m = re.match(r"\s*TAB ([A-Z]{1,3})\n", text)
        if m:
            found[m.group(1)] = number
    return found


def index_ranges(texts: list[str]) -> dict[str, tuple[int, int]]:
    """Tab letter -> (first, last) as printed in the index pages."""
    start = next(i for i, t in enumerate(texts) if "INDEX OF EXHIBITS" in t)
    index_text = ""
    for text in texts[start:]:
        if index_text and re.match(r"\s*TAB [A-Z]", text):
            break
        index_text += re.sub(r"Page \d+ of \d+\s*$", "", text.strip()) + "\n"
    ranges = {}
    # (?<!,): the year of a date ("dated November 20, 2026") is not a page number.
    for m in re.finditer(r"(?ms)^([A-Z]{1,3}) (?:.*?)(?<!,)[ \n](\d+)(?:\u2013(\d+))?$", index_text):
        first = int(m.group(2))
        ranges[m.group(1)] = (first, int(m.group(3) or first))
    return ranges


def outline_titles(pdf: Path) -> list:
    def walk(items):
        return [walk(i) if isinstance(i, list) else i.title for i in items]
    return walk(PdfReader(pdf).outline)
