"""Whether the page stamp's place on an exhibit page holds any of the exhibit's own content.

A stamp printed over a form's footer ("Form W-9 (Rev. 10-2018)") or over a scanned page
hides what the exhibit says. Before stamping, each page of the case's own files is looked
at where the stamp will go; where anything is drawn there, stamp.py shrinks the page to
free a footer band for the stamp.

The check renders the pages with poppler's pdftoppm at a low resolution (DPI), in grey,
and looks for ink in the stamp's rectangles. Rendering, rather than reading text positions
with pypdf's visitor, because most exhibits are scans: their footers are pixels of an
image, which no text reader sees, and forms draw rules, boxes and logos as paths; text
positions also come out wrong through form XObjects (flattened fields) and Type 3 fonts.
One pdftoppm call renders a part's pages (all of sample 1's 46 pages take about 0.2 s
at 30 dpi); the pages go to pdftoppm's standard output, nothing is written to disk. The pixels
are kept between builds (kept.py, compressed: a few KB a page), by the PDF's bytes, the pages,
the resolution and pdftoppm's identity: a rebuild renders only the parts that changed.
"""
from __future__ import annotations

import shutil
import subprocess
import zlib
from dataclasses import dataclass
from pathlib import Path

from assembler import kept
from assembler.errors import MissingDependencyError

DPI = 30  # 7-point text is still two or three pixels tall, and antialiasing keeps thin strokes grey
INK = 235  # a grey level below this is content; paper, and a white page's antialiased edge, stay above
PAD = 2.0  # points around the stamp's rectangle that must be blank too
TIMEOUT = 120  # seconds for one part's pages: a hang, not a slow page, is what this catches

Rect = tuple[float, float, float, float]  # x0, y0, x1, y1 in points on the Letter page


@dataclass
class _Page:
    pdf: Path
    index: int  # 0-based page of `pdf`
    area: Rect  # where the page's visible area lands on the Letter page (fit.letter_area)


@dataclass
class _Grey:
    width: int
    height: int
    pixels: bytes


class InkCheck:
    """Pages of the filing (by 0-based index) whose stamp place is to be checked, rendered when first asked."""

    def __init__(self) -> None:
        self.pages: dict[int, _Page] = {}
        self.rendered: dict[tuple[Path, int], _Grey] = {}
        self.shrunk: set[int] = set()  # the pages `crowded` said yes to
        self.unavailable: str | None = None  # why no page could be looked at (pdftoppm missing)

    def watch(self, number: int, pdf: Path, index: int, area: Rect) -> None:
        """Check filing page `number` (0-based), page `index` of `pdf` placed at `area` on Letter."""
        self.pages[number] = _Page(pdf, index, area)

    def crowded(self, number: int, rects: list[Rect]) -> bool:
        """True when any of `rects` (padded by PAD) covers ink of filing page `number`'s own content."""
        page = self.pages.get(number)
        if page is None or self.unavailable:
            return False
        try:
            grey = self._grey(page)
        except MissingDependencyError as exc:  # a warning, not a refusal: the filing is still right
            self.unavailable = str(exc)
            return False
        ax, ay, aw, ah = page.area
        for x0, y0, x1, y1 in rects:
            # The rectangle in the rendered page's pixels (origin at its top left).
            px0 = int((x0 - PAD - ax) / aw * grey.width)
            px1 = int((x1 + PAD - ax) / aw * grey.width + 0.999)
            py0 = int((ay + ah - (y1 + PAD)) / ah * grey.height)
            py1 = int((ay + ah - (y0 - PAD)) / ah * grey.height + 0.999)
            px0, px1 = max(px0, 0), min(px1, grey.width)
            py0, py1 = max(py0, 0), min(py1, grey.height)
            for y in range(py0, py1):
                row = grey.pixels[y * grey.width + px0:y * grey.width + px1]
                if row and min(row) < INK:
                    self.shrunk.add(number)
                    return True
        return False

    def _grey(self, page: _Page) -> _Grey:
        key = (page.pdf, page.index)
        if key not in self.rendered:
            wanted = sorted(p.index for p in self.pages.values() if p.pdf == page.pdf)
            # The contiguous run of watched pages around this one: one part's pages, one call.
            first = last = page.index
            while first - 1 in wanted:
                first -= 1
            while last + 1 in wanted:
                last += 1
            for offset, grey in enumerate(_render(page.pdf, first, last)):
                self.rendered[(page.pdf, first + offset)] = grey
        return self.rendered[key]


def _render(pdf: Path, first: int, last: int) -> list[_Grey]:
    """Pages first..last (0-based) of `pdf` as grey pixels at DPI, as a reader sees them (rotation applied)."""
    if not kept.active():
        return _pgm_pages(_pdftoppm(pdf, first, last))
    pgm = kept.remember("pdftoppm grey", [pdf.read_bytes(), f"{first} {last} {DPI}", kept.program("pdftoppm")],
                        lambda: zlib.compress(_pdftoppm(pdf, first, last)))
    return _pgm_pages(zlib.decompress(pgm))


def _pdftoppm(pdf: Path, first: int, last: int) -> bytes:
    """pdftoppm's PGM images of pages first..last, checked to be all there."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        raise MissingDependencyError("page numbers were stamped without checking that they cover nothing of the "
                                     "exhibits: pdftoppm is not installed; install poppler (`apt-get install "
                                     "poppler-utils`, `brew install poppler` on macOS)")
    try:
        done = subprocess.run([tool, "-gray", "-r", str(DPI), "-f", str(first + 1), "-l", str(last + 1), str(pdf)],
                              capture_output=True, timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise MissingDependencyError(f"page numbers were stamped on {pdf.name} without checking that they cover "
                                     f"nothing: pdftoppm took more than {TIMEOUT} s to render it") from None
    if len(_pgm_pages(done.stdout)) != last - first + 1:
        raise MissingDependencyError(f"page numbers were stamped on {pdf.name} without checking that they cover "
                                     f"nothing: pdftoppm could not render it "
                                     f"({done.stderr.decode(errors='replace').strip()[-300:]})")
    return done.stdout


def _pgm_pages(data: bytes) -> list[_Grey]:
    """Binary PGM images (P5, 8-bit) one after another, as pdftoppm -gray writes them to stdout."""
    pages = []
    at = 0
    while at < len(data):
        fields: list[bytes] = []
        while len(fields) < 4:  # magic, width, height, maxval, separated by whitespace
            while data[at:at + 1].isspace():
                at += 1
            end = at
            while end < len(data) and not data[end:end + 1].isspace():
                end += 1
            fields.append(data[at:end])
            at = end
        at += 1  # the single whitespace byte before the pixels
        if fields[0] != b"P5" or fields[3] != b"255":
            raise ValueError(f"not an 8-bit PGM image: {fields!r}")
        width, height = int(fields[1]), int(fields[2])
        pages.append(_Grey(width, height, data[at:at + width * height]))
        at += width * height
    return pages
