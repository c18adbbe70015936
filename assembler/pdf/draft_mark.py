"""The DRAFT mark on every page of a filing the attorney has not approved (pdf/approval.py).

A line in red in the top margin, centred, on white, in Liberation Sans embedded
once (fonts.py), drawn after the page's own content like the page stamp
(stamp.py). It must be seen at a glance on any page a reviewer prints, and must
never hide a word: where an exhibit prints in that band (`crowded`, as
freespace.py looks), its page is first shrunk below a blank band that holds the
mark. The signed, approved filing has no mark, and no trace of one.
"""
from __future__ import annotations

from collections.abc import Callable

from pypdf import PageObject, PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, IndirectObject, NameObject, RectangleObject
from reportlab.lib.units import inch

from assembler.pdf import fonts
from assembler.pdf.fit import add_resource, shrink_above
from assembler.pdf.stamp import Rect
from assembler.private import add_object

TEXT = "DRAFT - NOT APPROVED BY THE ATTORNEY - NOT FOR FILING OR SERVICE"
SIZE = 11
FROM_TOP = 0.45 * inch  # the baseline, below the page's top edge: inside a 1-inch top margin
GAP = 4  # points between the mark's band and a shrunk page's content
# The mark is a watermark artifact (not the document's text), in a content stream of its own that
# starts with this: the signing packet takes it off again (unmark), so no one signs a page saying DRAFT.
MARKER = b"/Artifact <</Type /Pagination /Subtype /Watermark>> BDC\n"


def _place(box: RectangleObject) -> tuple[float, float, float]:
    """x, y of the mark's baseline start, and its width: centred at the top of the crop box."""
    width = fonts.width(TEXT, SIZE)
    return float(box.left) + (float(box.width) - width) / 2, float(box.top) - FROM_TOP, width


def mark_box(box: RectangleObject) -> Rect:
    """The rectangle the mark covers (its white ground and frame) on a page with crop box `box`."""
    x, y, width = _place(box)
    return x - 6, y - 5, x + width + 6, y + SIZE + 3


def mark_draft(writer: PdfWriter, crowded: Callable[[int, list[Rect]], bool] | None = None) -> None:
    """Put the DRAFT mark on every page of `writer` (upright pages: run after fit_to_letter).
    `crowded(i, rects)`: whether page i (0-based) prints in those rectangles: it is shrunk first."""
    font = fonts.embed(writer, [TEXT], prefix="PdpkDraft")
    for number, page in enumerate(writer.pages):
        box = page.cropbox
        x0, y0, x1, y1 = mark_box(box)
        if crowded is not None and crowded(number, [(x0, y0, x1, y1)]):
            shrink_above(writer, page, float(box.top) - y0 + GAP, top=True)
        x, y, _width = _place(box)
        content = MARKER + (b"q 1 g %.2f %.2f %.2f %.2f re f 0.75 0 0 RG 1 w %.2f %.2f %.2f %.2f re S "
                   b"0.75 0 0 rg BT 1 0 0 1 %.2f %.2f Tm " % (x0, y0, x1 - x0, y1 - y0, x0, y0, x1 - x0, y1 - y0, x, y)
                   + font.show(TEXT, SIZE) + b"ET Q\nEMC\n")
        for name, ref in font.resources.items():
            add_resource(page, "/Font", name, ref)
        existing = page.get("/Contents")
        items = [] if existing is None else (
            list(existing.get_object()) if isinstance(existing.get_object(), ArrayObject) else [existing])
        save, restore = _stream(writer, b"q\n"), _stream(writer, b"\nQ\n")
        page[NameObject("/Contents")] = ArrayObject([save, *items, restore, _stream(writer, content)])


def _stream(writer: PdfWriter, data: bytes) -> IndirectObject:
    stream = DecodedStreamObject()
    stream.set_data(data)
    return add_object(writer, stream)


def unmark(page: PageObject) -> bool:
    """Take the DRAFT mark off a page of a draft filing (a page shrunk for it stays shrunk); True if it had one."""
    contents = page.get("/Contents")
    items = contents.get_object() if contents is not None else None
    if not isinstance(items, ArrayObject):
        return False
    kept = [ref for ref in items if not ref.get_object().get_data().startswith(MARKER)]
    page[NameObject("/Contents")] = ArrayObject(kept)
    return len(kept) < len(items)
