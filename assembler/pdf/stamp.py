"""Page numbers on every page of the filing, and a confidentiality legend when the filing needs one.

Each page gets a few bytes of content of its own that draw the number, in
Liberation Sans embedded once and shared by all pages (fonts.py), after the page's own content
(wrapped in q/Q so nothing it leaves set can move or hide the stamp). Merging
an overlay page instead would parse every page's content: three times slower.
Rotated pages get their rotation moved into the content first, so the stamp
lands at the bottom right as the reader sees the page.

The stamp is drawn on white, but it must never hide what an exhibit prints in its
own footer (a form's "Form W-9 (Rev. 10-2018)", a scan to the page's edges): where
`crowded` says the stamp's rectangles hold content (freespace.py looks), the page is
first shrunk, centred, above a blank band that holds the stamp, below and apart from
the exhibit's own footer and page numbers.
"""
from __future__ import annotations

from collections.abc import Callable

from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, NameObject
from reportlab.lib.units import inch

from assembler.pdf import fonts
from assembler.pdf.fit import add_resource, shrink_above
from assembler.private import add_object

SIZE = 9
LEGEND_SIZE = 7
GAP = 4  # points between the stamp's white ground and a shrunk page's content

Rect = tuple[float, float, float, float]  # x0, y0, x1, y1 in the page's points


def label(n: int, total: int, numbering: dict) -> str:
    if numbering.get("style") == "bates":
        start = numbering.get("bates_start", 1)
        return f"{numbering.get('bates_prefix', 'PD')}-{n + start - 1:0{numbering.get('bates_digits', 6)}d}"
    return f"Page {n} of {total}"


def _stream(writer: PdfWriter, data: bytes):
    stream = DecodedStreamObject()
    stream.set_data(data)
    return add_object(writer, stream)


def _legend_lines(legend: str, width: float) -> list[str]:
    """The legend wrapped to `width` points."""
    lines: list[str] = []
    for word in legend.split():
        if lines and fonts.width(f"{lines[-1]} {word}", LEGEND_SIZE) <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines


def _number_place(text: str, box) -> tuple[float, float, float]:
    """x, y of the page number's baseline start, and its width: at the bottom right of the crop box."""
    width = fonts.width(text, SIZE)
    return float(box.right) - 0.5 * inch - width, float(box.bottom) + 0.3 * inch, width


def number_box(text: str, box) -> Rect:
    """The rectangle the page number `text` covers (its white ground) on a page with crop box `box`."""
    x, y, width = _number_place(text, box)
    return x - 4, y - 3, x + width + 4, y + SIZE + 2


def _legend_place(legend: str, box, number_width: float) -> tuple[float, float, list[str]]:
    """x, y of the legend's first baseline, and its lines: at the bottom left, beside the page number."""
    left = float(box.left) + 0.5 * inch
    width = float(box.right) - 0.5 * inch - number_width - 18 - left
    lines = _legend_lines(legend, width)
    return left, float(box.bottom) + 0.3 * inch + (len(lines) - 1) * (LEGEND_SIZE + 1), lines


def _legend_box(legend: str, box, number_width: float) -> Rect:
    left, top, lines = _legend_place(legend, box, number_width)
    wide = max(fonts.width(line, LEGEND_SIZE) for line in lines)
    return left - 3, float(box.bottom) + 0.3 * inch - 3, left + wide + 3, top + LEGEND_SIZE + 2


def footprint(text: str, legend: str | None, box) -> list[Rect]:
    """Every rectangle the stamp covers: the page number's, and the legend's when there is one."""
    rects = [number_box(text, box)]
    if legend:
        rects.append(_legend_box(legend, box, _number_place(text, box)[2]))
    return rects


def _legend(legend: str, box, number_width: float, font: fonts.Embedded) -> bytes:
    """The legend at the bottom left, beside the page number, in the bottom margin."""
    left, top, lines = _legend_place(legend, box, number_width)
    # Each line from its own start: Tj moves the text position by the line's width.
    body = b"".join(b"1 0 0 1 %.2f %.2f Tm " % (left, top - i * (LEGEND_SIZE + 1)) + font.show(line, LEGEND_SIZE)
                    for i, line in enumerate(lines))
    # On white, as the page number: an exhibit's own text in the margin must not show through.
    x0, y0, x1, y1 = _legend_box(legend, box, number_width)
    ground = b"1 g %.2f %.2f %.2f %.2f re f " % (x0, y0, x1 - x0, y1 - y0)
    return b"q " + ground + b"0 g BT " + body + b"ET Q\n"


def _legend_texts(legend: str, pages, labels: list[str]) -> list[str]:
    """Every line the legend is wrapped into on these pages (the width left depends on the label's)."""
    lines: dict[str, None] = {}
    for page, text in zip(pages, labels, strict=True):
        lines.update(dict.fromkeys(_legend_place(legend, page.cropbox, _number_place(text, page.cropbox)[2])[2]))
    return list(lines)


def stamp(writer: PdfWriter, numbering: dict, labels: list[str] | None = None,
          legend: str | None = None, crowded: Callable[[int, list[Rect]], bool] | None = None) -> list[str]:
    """Stamp every page with its label (`labels`, or those `numbering` gives) and, with `legend`, that text.
    `crowded(i, rects)`: whether page i (0-based) has content of its own in those rectangles; such a
    page is shrunk to free a band for the stamp."""
    pages = list(writer.pages)
    total = len(pages)
    labels = labels or [label(i + 1, total, numbering) for i in range(total)]
    for page in pages:  # first: the legend's lines depend on the page's width as the reader sees it
        if page.rotation % 360:
            page.transfer_rotation_to_content()
    legend_lines = _legend_texts(legend, pages, labels) if legend else []
    font = fonts.embed(writer, [*labels, *legend_lines])
    save, restore = _stream(writer, b"q\n"), _stream(writer, b"\nQ\n")
    for number, (page, text) in enumerate(zip(pages, labels, strict=True)):
        box = page.cropbox
        if crowded is not None:
            rects = footprint(text, legend, box)
            if crowded(number, rects):
                shrink_above(writer, page, max(r[3] for r in rects) - float(box.bottom) + GAP)
        x, y, width = _number_place(text, box)
        content = (b"q 1 g %.2f %.2f %.2f %d re f 0 g BT 1 0 0 1 %.2f %.2f Tm "
                   % (x - 4, y - 3, width + 8, SIZE + 5, x, y) + font.show(text, SIZE) + b"ET Q\n")
        if legend:
            content += _legend(legend, box, width, font)
        for name, ref in font.resources.items():
            add_resource(page, "/Font", name, ref)
        existing = page.get("/Contents")
        items = [] if existing is None else (
            list(existing.get_object()) if isinstance(existing.get_object(), ArrayObject) else [existing])
        page[NameObject("/Contents")] = ArrayObject([save, *items, restore, _stream(writer, content)])
    return labels
