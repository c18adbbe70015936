"""Page numbers on every page of the filing.

All stamps are drawn in one reportlab document (one overlay page per filing
page, sized to that page's crop box) and parsed once: building and parsing a
document per stamp costs milliseconds a page. Rotated pages get their rotation
moved into the content first, so the stamp lands at the bottom right as the
reader sees the page.
"""
from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter, Transformation
from reportlab.lib.units import inch
from reportlab.pdfgen import canvas

FONT, SIZE = "Helvetica", 9


def label(n: int, total: int, numbering: dict) -> str:
    if numbering.get("style") == "bates":
        start = numbering.get("bates_start", 1)
        return f"{numbering.get('bates_prefix', 'PD')}-{n + start - 1:0{numbering.get('bates_digits', 6)}d}"
    return f"Page {n} of {total}"


def stamp(writer: PdfWriter, numbering: dict) -> list[str]:
    pages = list(writer.pages)
    total = len(pages)
    boxes = []
    for page in pages:
        if page.rotation % 360:
            page.transfer_rotation_to_content()
        box = page.cropbox
        boxes.append((float(box.left), float(box.bottom), float(box.width), float(box.height)))
    labels = [label(i + 1, total, numbering) for i in range(total)]
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, invariant=1, pageCompression=1)
    for (_, _, width, height), text in zip(boxes, labels):
        c.setPageSize((width, height))
        text_width = c.stringWidth(text, FONT, SIZE)
        x, y = width - 0.5 * inch, 0.3 * inch
        c.setFillColorRGB(1, 1, 1)
        c.rect(x - text_width - 4, y - 3, text_width + 8, SIZE + 5, stroke=0, fill=1)
        c.setFillColorRGB(0, 0, 0)
        c.setFont(FONT, SIZE)
        c.drawRightString(x, y, text)
        c.showPage()
    c.save()
    overlays = PdfReader(io.BytesIO(buffer.getvalue())).pages
    for page, overlay, (left, bottom, _, _) in zip(pages, overlays, boxes):
        page.merge_transformed_page(overlay, Transformation().translate(left, bottom))
        page.compress_content_streams()
    return labels
