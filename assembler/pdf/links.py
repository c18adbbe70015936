"""Index entries that link to the first page of their document.

Courts' e-filing guidelines ask for them. The index is a Word template an
attorney may reshape, so the rows are found in the PDF instead: the text of
each entry's page range ("12–19") is located on the index pages, and a link
spanning the line is laid over it. An entry whose range cannot be found
(an attorney removed the column) simply gets no link.
"""
from __future__ import annotations

from typing import Any

from pypdf import PageObject, PdfWriter
from pypdf.annotations import Link

LINE = 13  # points: the clickable band around the line


def _ranges_on(page: PageObject, wanted: dict[str, int]) -> list[tuple[str, float]]:
    """(text, baseline y) of every text run on the page that is one of the wanted page ranges."""
    found: list[tuple[str, float]] = []

    def visit(text: str, cm: Any, tm: Any, font: Any, size: Any) -> None:
        stripped = text.strip()
        if stripped in wanted:
            found.append((stripped, tm[4] * cm[1] + tm[5] * cm[3] + cm[5]))

    page.extract_text(visitor_text=visit)
    return found


def add_index_links(writer: PdfWriter, index_pages: range, entries: list[tuple[str, int]]) -> int:
    """`entries`: (printed page range, 1-based target page). Returns how many links were made."""
    wanted = {text: target for text, target in entries}
    made = 0
    for number in index_pages:
        page = writer.pages[number - 1]
        found = _ranges_on(page, wanted)
        box = page.cropbox
        left, right = float(box.left) + 54, float(box.right) - 54
        for text, y in found:
            target = wanted.pop(text, None)
            if target is None:
                continue
            writer.add_annotation(number - 1, Link(rect=(left, y - 3, right, y - 3 + LINE),
                                                   target_page_index=target - 1))
            made += 1
    return made
