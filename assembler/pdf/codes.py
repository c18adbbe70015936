"""The page code of a signing packet: a QR code, and the same in small print, in the page's top margin.

It names the case (the A-number's digits), the document (its id in the manifest,
documents/signers.py), the page within the document, the signer's copy, and the
start of the SHA-256 of the page's text as built; reading a signed scan back
finds the page by it and knows whether its text is still the filing's.

Placement: in the top margin band, only where the page as drawn is blank (checked
on its pixels, pdftoppm); a page with no blank spot there is shrunk a little,
from the top, to make one. The QR is written by zxing-cpp (which also reads it)
and drawn as vector squares, so it prints sharp at any size.
"""
from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import zxingcpp
from PIL import Image
from pypdf import PageObject, PdfReader, Transformation
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from assembler.pdf import raster
from assembler.vocab import LETTER

PREFIX = "PDP1"  # the format's name and version: a reader refuses another
HASH_CHARS = 12  # 48 bits of the page text's SHA-256: a changed text is told apart, the code stays small
# The document ids' kinds, shortened in the code (the QR stays version 3 or 4 for ordinary ids).
SHORT_KINDS = {"declaration": "D", "translator_certificate": "T", "form": "F", "letter": "L", "service": "S",
               "cover": "C"}
LONG_KINDS = {v: k for k, v in SHORT_KINDS.items()}

MODULE = 1.5  # points per QR module: about 3 pixels in a 150 dpi scan
TOP = 16.0  # points from the top edge: inside what printers print (about 0.17 in is lost at the edge)
SIDE = 40.0  # points from the left or right edge
QUIET = 6.0  # blank points required around the code and its text (a QR reader wants 4 modules)
LABEL_SIZE = 5.5  # points: the human-readable copy
LABEL_FONT = "Helvetica"  # one of PDF's standard fonts: nothing embedded; ids and hex digits are ASCII
BLANK = 235  # a pixel this light or lighter (0-255) is paper
CHECK_DPI = 72  # one pixel a point: enough to see text or a line


@dataclass(frozen=True)
class PageCode:
    case: str  # the A-number's digits
    document: str  # "declaration:decl_respondent"
    page: int  # within the document, from 1
    pages: int
    copy: int  # the signer's section of the packet, from 1 (0: not a signer's copy)
    text: str  # the first HASH_CHARS hex digits of the page text's SHA-256
    filing_page: int = 0  # for people: the page's number in the filing (not in the QR: it changes with exhibits)

    def payload(self) -> str:
        kind, _, ref = self.document.partition(":")
        short = SHORT_KINDS.get(kind)
        if short is None or "|" in ref or not self.case.isdigit():
            raise ValueError(f"cannot encode {self.document!r} of case {self.case!r} in a page code")
        document = f"{short}:{ref}" if ref else short
        return "|".join([PREFIX, self.case, document, f"{self.page}/{self.pages}", str(self.copy),
                         self.text[:HASH_CHARS]])

    @classmethod
    def parse(cls, payload: str) -> PageCode:
        """The code a QR holds; ValueError for anything that is not one (a foreign QR code, another version)."""
        fields = payload.split("|")
        if len(fields) != 6 or fields[0] != PREFIX:
            raise ValueError(f"not a pdpacket page code: {payload[:60]!r}")
        _, case, document, pages, copy, text = fields
        short, _, ref = document.partition(":")
        page, _, total = pages.partition("/")
        if short not in LONG_KINDS or not (case.isdigit() and page.isdigit() and total.isdigit() and copy.isdigit()):
            raise ValueError(f"not a pdpacket page code: {payload[:60]!r}")
        return cls(case, f"{LONG_KINDS[short]}:{ref}" if ref else LONG_KINDS[short], int(page), int(total),
                   int(copy), text)

    def label(self) -> list[str]:
        """The same in small print (three lines)."""
        where = f"filing page {self.filing_page}, " if self.filing_page else ""
        return [f"pdpacket signing code {PREFIX} · case {self.case}",
                f"{self.document} · page {self.page} of {self.pages} ({where}copy {self.copy})",
                f"text {self.text[:HASH_CHARS]} · do not write over this code"]


def modules(payload: str) -> list[list[bool]]:
    """The QR code's dark modules, row by row (no quiet zone)."""
    barcode = zxingcpp.create_barcode(payload, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    image = barcode.to_image(scale=1, add_quiet_zones=False)  # one byte a module, 0 dark, 255 light
    rows: list[list[int]] = memoryview(image).tolist()  # type: ignore[arg-type,assignment]  # it has the buffer protocol
    return [[value < 128 for value in row] for row in rows]


@dataclass(frozen=True)
class Placement:
    """Where a code goes on a page, in points from the bottom left; `scale` < 1: the page was shrunk for it."""

    x: float  # the QR's left edge
    y: float  # the QR's bottom edge
    size: float
    label_right: bool  # the label to the right of the QR (the QR on the left) or to its left
    label_width: float
    scale: float = 1.0

    def box(self) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) of the QR and its label, in points from the bottom left."""
        lx0 = self.x + self.size + 4 if self.label_right else self.x - 4 - self.label_width
        return min(self.x, lx0), self.y, max(self.x + self.size, lx0 + self.label_width), self.y + self.size


def _candidates(size: float, label: float, width: float, height: float) -> list[Placement]:
    y = height - TOP - size
    return [Placement(width - SIDE - size, y, size, False, label), Placement(SIDE, y, size, True, label),
            Placement((width + label + 4 - size) / 2, y, size, False, label)]


def is_blank(image: Image.Image, box: tuple[float, float, float, float], height: float, dpi: int = CHECK_DPI) -> bool:
    """Whether `box` (points from the bottom left), with QUIET points around it, is paper on `image`."""
    k = dpi / 72
    x0, y0, x1, y1 = box
    region = (int((x0 - QUIET) * k), int((height - y1 - QUIET) * k),
              int((x1 + QUIET) * k) + 1, int((height - y0 + QUIET) * k) + 1)
    low, _ = image.crop(region).getextrema()  # a gray ("L") image: (lowest, highest)
    return int(low) >= BLANK  # type: ignore[arg-type]


def place(image: Image.Image, code: PageCode, width: float = LETTER[0], height: float = LETTER[1]) -> Placement:
    """The first blank spot of the top band; none: shrink the page so that the band above it is blank."""
    size, label = code_size(code), label_width(code)
    for candidate in _candidates(size, label, width, height):
        if is_blank(image, candidate.box(), height):
            return candidate
    free = TOP + size + 2 * QUIET
    scale = (height - free) / height
    return Placement(width - SIDE - size, height - TOP - size, size, False, label, scale)


def code_size(code: PageCode) -> float:
    return len(modules(code.payload())) * MODULE


def label_width(code: PageCode) -> float:
    return max(stringWidth(line, LABEL_FONT, LABEL_SIZE) for line in code.label())


def draw(c: canvas.Canvas, code: PageCode, where: Placement) -> None:
    """The QR code (dark squares, horizontal runs merged) and its label on the current page of `c`."""
    grid = modules(code.payload())
    n = len(grid)
    c.setFillColorRGB(0, 0, 0)
    for r, row in enumerate(grid):
        y = where.y + (n - 1 - r) * MODULE
        col = 0
        while col < n:
            if row[col]:
                start = col
                while col < n and row[col]:
                    col += 1
                c.rect(where.x + start * MODULE, y, (col - start) * MODULE, MODULE, stroke=0, fill=1)
            else:
                col += 1
    c.setFont(LABEL_FONT, LABEL_SIZE)
    lines = code.label()
    for i, line in enumerate(lines):
        y = where.y + where.size - LABEL_SIZE - i * (LABEL_SIZE + 1.5)
        if where.label_right:
            c.drawString(where.x + where.size + 4, y, line)
        else:
            c.drawRightString(where.x - 4, y, line)


def overlays(codes: list[tuple[PageCode, Placement]],
             extra: list[Callable[[canvas.Canvas], None] | None] | None = None) -> PdfReader:
    """One overlay page per code, in one document (parsed once: pitfalls of pypdf stamping); `extra[i]`
    draws more on page i (the signing marks)."""
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=LETTER, invariant=1, pageCompression=1)
    for i, (code, where) in enumerate(codes):
        draw(c, code, where)
        if extra and extra[i] is not None:
            extra[i](c)  # type: ignore[misc]  # checked just above
        c.showPage()
    c.save()
    return PdfReader(io.BytesIO(buffer.getvalue()))


def stamp(page: PageObject, overlay: PageObject, where: Placement) -> None:
    """Shrink `page` from the top when its placement says so, then lay the code over it."""
    if where.scale < 1:
        width = float(page.mediabox.width)
        page.add_transformation(Transformation().scale(where.scale).translate(width * (1 - where.scale) / 2, 0))
    page.merge_page(overlay)
    page.compress_content_streams()


def placements(pdf: Path, codes: list[PageCode]) -> list[Placement]:
    """Where the code of each page of `pdf` goes (codes[i]: page i's)."""
    images = raster.render_gray(pdf, CHECK_DPI)
    reader = PdfReader(pdf)
    return [place(image, code, float(page.mediabox.width), float(page.mediabox.height))
            for image, code, page in zip(images, codes, reader.pages, strict=True)]
