"""Make every exhibit page fit the filing: upright, Letter, no live form fields.

Courts and OPLA offices ask for Letter pages, all upright and in the same
orientation. A4, legal, landscape and rotated pages are scaled (never
enlarged) and centred on a portrait Letter page, clipped to what their own
crop box showed. Form fields and annotations are flattened into the page
content when they have an appearance (so filled-in values stay visible) and
dropped otherwise; internal links and attachments are dropped.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pypdf import PageObject, PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject, RectangleObject

from assembler.private import add_object
from assembler.vocab import LETTER

TOLERANCE = 1.5  # points: LibreOffice and scanners round page sizes


@dataclass
class PageReport:
    fitted: int = 0  # pages scaled onto Letter
    flattened: int = 0
    dropped: int = 0
    attachments: int = 0
    shrunk: int = 0  # pages shrunk to free the stamp's band (stamp.py)


def add_resource(page: Any, category: str, name: NameObject, value: Any) -> None:
    """Put `value` under /Resources/<category>/<name>, creating the dictionaries as needed."""
    resources = page.get("/Resources")
    if resources is None:
        page[NameObject("/Resources")] = resources = DictionaryObject()
    resources = resources.get_object()
    entries = resources.get(category)
    if entries is None:
        resources[NameObject(category)] = entries = DictionaryObject()
    entries.get_object()[name] = value


def _num(x: float) -> str:
    return f"{float(x):.4f}".rstrip("0").rstrip(".") or "0"


def _append_stream(writer: PdfWriter, page: PageObject, data: bytes, at_start: bool = False) -> None:
    stream = DecodedStreamObject()
    stream.set_data(data)
    ref = add_object(writer, stream)
    contents = page.get("/Contents")
    if contents is None:
        items = []
    else:
        obj = contents.get_object()
        items = list(obj) if isinstance(obj, ArrayObject) else [contents]
    page[NameObject("/Contents")] = ArrayObject([ref, *items] if at_start else [*items, ref])


def _is_letter(width: float, height: float) -> bool:
    return abs(width - LETTER[0]) < TOLERANCE and abs(height - LETTER[1]) < TOLERANCE


def letter_scale(width: float, height: float) -> float:
    """How much fit_to_letter scales a page whose visible area, upright, is `width` x `height` points
    (1: a Letter page, or a smaller one, which is centred, never enlarged)."""
    return 1.0 if _is_letter(width, height) else min(1.0, LETTER[0] / width, LETTER[1] / height)


def letter_area(page: PageObject) -> tuple[float, float, float, float]:
    """Where fit_to_letter will put the page's visible area, in the page's coordinates after it:
    x, y, width, height in points. Call it before fit_to_letter (it counts the page's /Rotate)."""
    box = page.cropbox
    width, height = float(box.width), float(box.height)
    if page.rotation % 180:
        width, height = height, width
    if _is_letter(width, height):  # left as it is
        return float(box.left), float(box.bottom), width, height
    scale = letter_scale(width, height)
    return (LETTER[0] - width * scale) / 2, (LETTER[1] - height * scale) / 2, width * scale, height * scale


def shrink_above(writer: PdfWriter, page: PageObject, band: float, top: bool = False) -> None:
    """Shrink a Letter page's content, centred, into the space above a blank band `band` points high
    at the bottom (a place for the page stamp where the page itself drew something); `top`: below
    such a band at the top (the DRAFT mark's, draft_mark.py)."""
    box = page.cropbox
    left, bottom, width, height = float(box.left), float(box.bottom), float(box.width), float(box.height)
    scale = (height - band) / height
    dx = left + width * (1 - scale) / 2 - left * scale
    dy = bottom - bottom * scale + (0 if top else band)
    # Clipped to the page's box first: what the page drew outside it must not land in the band.
    _append_stream(writer, page, (f"q {_num(scale)} 0 0 {_num(scale)} {_num(dx)} {_num(dy)} cm "
                                  f"{_num(left)} {_num(bottom)} {_num(width)} {_num(height)} re W n\n").encode(),
                   at_start=True)
    _append_stream(writer, page, b"\nQ\n")


def fit_to_letter(writer: PdfWriter, page: PageObject) -> bool:
    """Scale and centre the page's visible area on a portrait Letter page; True if it changed."""
    if page.rotation % 360:
        page.transfer_rotation_to_content()
    box = page.cropbox
    left, bottom, width, height = float(box.left), float(box.bottom), float(box.width), float(box.height)
    if _is_letter(width, height):
        if left or bottom or page.mediabox != box:
            page.mediabox = RectangleObject(box)
        return False
    scale = letter_scale(width, height)
    dx = (LETTER[0] - width * scale) / 2 - left * scale
    dy = (LETTER[1] - height * scale) / 2 - bottom * scale
    prefix = (f"q {_num(scale)} 0 0 {_num(scale)} {_num(dx)} {_num(dy)} cm "
              f"{_num(left)} {_num(bottom)} {_num(width)} {_num(height)} re W n\n").encode()
    _append_stream(writer, page, prefix, at_start=True)
    _append_stream(writer, page, b"\nQ\n")
    page.mediabox = RectangleObject([0, 0, *LETTER])
    page.cropbox = RectangleObject([0, 0, *LETTER])
    for key in ("/TrimBox", "/BleedBox", "/ArtBox"):
        page.pop(NameObject(key), None)
    for ref in page.get("/Annots") or []:
        annot = ref.get_object()
        if "/Rect" in annot:
            x0, y0, x1, y1 = (float(v) for v in annot["/Rect"])
            annot[NameObject("/Rect")] = RectangleObject(
                [x0 * scale + dx, y0 * scale + dy, x1 * scale + dx, y1 * scale + dy])
    return True


def flatten_annotations(writer: PdfWriter, page: PageObject) -> PageReport:
    """Draw visible annotations into the page and remove them; keep only web links."""
    report = PageReport()
    page.pop(NameObject("/AA"), None)
    annots = page.get("/Annots")
    if annots is None:
        return report
    keep = ArrayObject()
    drawing = b""
    for ref in annots.get_object():
        annot = ref.get_object()
        subtype = annot.get("/Subtype")
        if subtype == "/Link":
            action = annot.get("/A")
            if "/Dest" not in annot and action is not None and action.get_object().get("/S") == "/URI":
                annot.pop(NameObject("/Parent"), None)
                keep.append(ref)
            continue
        if subtype == "/Popup":
            continue
        if subtype == "/FileAttachment":
            report.attachments += 1
            continue
        appearance = _appearance(annot)
        hidden = int(annot.get("/F", 0)) & (2 | 32)
        if appearance is None or hidden:
            report.dropped += 0 if hidden else 1
            continue
        # Widget appearances often lack /Type and /Subtype (viewers tolerate that inside an
        # annotation); as a page resource they must say they are form XObjects, or poppler reports
        # a syntax error and strict viewers drop the drawing.
        appearance[NameObject("/Type")] = NameObject("/XObject")
        appearance[NameObject("/Subtype")] = NameObject("/Form")
        name = NameObject(f"/PdpkFlat{len(drawing)}x{report.flattened}")
        add_resource(page, "/XObject", name, appearance.indirect_reference or add_object(writer, appearance))
        drawing += f"q {_placement(annot, appearance)} cm {name} Do Q\n".encode()
        report.flattened += 1
    if drawing:
        _append_stream(writer, page, b"\n" + drawing)
    if keep:
        page[NameObject("/Annots")] = keep
    else:
        page.pop(NameObject("/Annots"), None)
    return report


def _appearance(annot: Any) -> Any:
    ap = annot.get("/AP")
    if ap is None:
        return None
    normal = ap.get_object().get("/N")
    if normal is None:
        return None
    normal = normal.get_object()
    if "/BBox" not in normal:  # a dictionary of states (check boxes, radio buttons)
        state = annot.get("/AS")
        normal = normal.get(state).get_object() if state is not None and state in normal else None
        if normal is None or "/BBox" not in normal:
            return None
    return normal


def _placement(annot: Any, form: Any) -> str:
    """The matrix that maps the appearance's box, after its own /Matrix, onto the annotation's /Rect."""
    x0, y0, x1, y1 = (float(v) for v in annot["/Rect"])
    bx0, by0, bx1, by1 = (float(v) for v in form["/BBox"])
    a, b, c, d, e, f = (float(v) for v in form.get("/Matrix", [1, 0, 0, 1, 0, 0]))
    corners = [(a * x + c * y + e, b * x + d * y + f) for x, y in ((bx0, by0), (bx1, by0), (bx0, by1), (bx1, by1))]
    tx0, tx1 = min(p[0] for p in corners), max(p[0] for p in corners)
    ty0, ty1 = min(p[1] for p in corners), max(p[1] for p in corners)
    sx = (x1 - x0) / (tx1 - tx0) if tx1 != tx0 else 1.0
    sy = (y1 - y0) / (ty1 - ty0) if ty1 != ty0 else 1.0
    return f"{_num(sx)} 0 0 {_num(sy)} {_num(x0 - tx0 * sx)} {_num(y0 - ty0 * sy)}"
