"""Cutting a filing into parts under a size limit: whole sections, every page once, in order."""
from __future__ import annotations

import io
import random
import re
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from reportlab.lib.pagesizes import letter
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from assembler.errors import FilingCheckError
from assembler.pdf.split import Unit, split, units_from_manifest

KB = 1024
# Sections of a made-up 10-page filing: the letter and the index (one unit), three tabs, the service.
MANIFEST = {"sections": [
    {"key": "letter", "title": "Request for prosecutorial discretion", "tab": None, "first_page": 1, "last_page": 2},
    {"key": "index", "title": "Index of exhibits", "tab": None, "first_page": 3, "last_page": 3},
    {"key": "declaration:ana", "title": "Declaration of Ana (sister)", "tab": "A", "first_page": 4, "last_page": 5},
    {"key": "exhibit:lease", "title": "Lease", "tab": "B", "first_page": 6, "last_page": 8},
    {"key": "exhibit:photo", "title": "Photograph", "tab": "C", "first_page": 9, "last_page": 9},
    {"key": "service", "title": "Certificate of service", "tab": None, "first_page": 10, "last_page": 10},
]}


def _filing(path: Path, pages: int = 10, noise: dict[int, int] | None = None) -> Path:
    """Pages reading 'Filing page N'; page N carries a picture of noise[N] KB that does not compress."""
    rng = random.Random(3)
    c = canvas.Canvas(str(path), pagesize=letter, invariant=1)
    for n in range(1, pages + 1):
        c.drawString(72, 720, f"Filing page {n}")
        kb = (noise or {}).get(n, 8)
        side = int((kb * KB / 3) ** 0.5)
        img = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
        buffer = io.BytesIO()
        img.save(buffer, "PNG")
        c.drawImage(ImageReader(buffer), 72, 300, 200, 200)
        c.showPage()
    c.save()
    return path


def _pages_of(part: Path) -> list[int]:
    """The filing page numbers a part holds, after its contents page."""
    texts = [p.extract_text() for p in PdfReader(part).pages]
    assert texts[0].startswith("Part ") and ": contents" in texts[0]
    return [int(re.search(r"Filing page (\d+)", t).group(1)) for t in texts[1:]]


def test_sections_of_the_manifest_become_units_with_the_letter_and_index_as_one():
    assert units_from_manifest(MANIFEST) == [
        Unit("Request letter and index of exhibits", 1, 3),
        Unit("Tab A: Declaration of Ana (sister)", 4, 5),
        Unit("Tab B: Lease", 6, 8),
        Unit("Tab C: Photograph", 9, 9),
        Unit("Certificate of service", 10, 10)]


def test_parts_hold_every_page_once_in_order_each_under_the_limit(tmp_path):
    # About 38 KB a page: the units weigh 114, 76, 114, 38 and 38 KB.
    filing = _filing(tmp_path / "F.pdf", noise={n: 30 for n in range(1, 11)})
    limit = 160 * KB
    parts = split(filing, units_from_manifest(MANIFEST), limit, "Request of Tenzin")
    assert [p.name for p in parts] == [f"F_Part{n}.pdf" for n in range(1, len(parts) + 1)]
    assert len(parts) == 4
    assert all(p.stat().st_size <= limit for p in parts)
    held = [_pages_of(p) for p in parts]
    assert sum(held, []) == list(range(1, 11))
    starts = {u.first for u in units_from_manifest(MANIFEST)}
    assert all(pages[0] in starts for pages in held)  # no section is cut
    assert held[0] == [1, 2, 3]  # the letter and the index stay together in part 1
    # A part takes sections while they fit with its contents page, whose embedded font weighs some 20 KB.
    assert held == [[1, 2, 3], [4, 5], [6, 7, 8], [9, 10]]
    contents = PdfReader(parts[0]).pages[0].extract_text()
    assert f"Part 1 of {len(parts)}: contents" in contents and "Request letter and index of exhibits" in contents


def test_a_filing_under_the_limit_is_one_part(tmp_path):
    filing = _filing(tmp_path / "F.pdf")
    (part,) = split(filing, units_from_manifest(MANIFEST), 10 * 1024 * KB, "T")
    assert _pages_of(part) == list(range(1, 11))


def test_a_section_larger_than_the_limit_alone_is_refused_by_name(tmp_path):
    filing = _filing(tmp_path / "F.pdf", noise={7: 150})
    with pytest.raises(FilingCheckError) as exc:
        split(filing, units_from_manifest(MANIFEST), 100 * KB, "T")
    message = str(exc.value)
    assert message.startswith("Tab B: Lease alone is 0.2 MB")
    assert "over the 0.0976562 MB limit: reduce that exhibit" in message
    assert not list(tmp_path.glob("*_Part*.pdf"))
