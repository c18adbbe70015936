"""A signed page in the filing: the scan laid over the page the build generated.

`pdpacket signed` (assembler/sign/) keeps each accepted signature page in CASE/signed/ as a
one-page Letter PDF: the scan drawn upright as the filing's page (gray JPEG, OUT_DPI). The
build (documents/signed.py picks the pages still signed on the build's text) draws that
image over the generated page, on the whole page: the generated page's text stays in the
content under it, hidden by the opaque image, so the filing stays searchable
(pdftotext and viewers' search find the words) and the page looks as it was signed. Page
stamps come after (stamp.py), on top, where they sit on every page.

Size: the gray scan becomes a 1-bit image (CCITT G4) at the scan's resolution: a page of
text and a signature reads well at 150 dpi in black and white, at a tenth of a gray
JPEG's bytes. Two people who sign the same page (a form: the client and the attorney) each
signed their own copy: the page shows the first one's scan with the other's signature area
taken from the other's scan.

Deterministic: the same signed PDFs give the same bytes (Pillow's G4 coder, img2pdf
without dates).
"""
from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageChops
from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, FloatObject, NameObject

from assembler import kept
from assembler.errors import InputFileError
from assembler.pdf.stamp import footprint
from assembler.private import add_object

NAME = NameObject("/PdpSignedScan")
INK = 170  # gray levels below this are ink in the 1-bit page (pen strokes of a phone photo stay whole)
WIDEST_LABEL = "Page 8888 of 8888"  # the page number the signing packet's page may have printed
STAMP_MARGIN = 5.0  # points around the stamp's place painted white: the scan sits a point or two off


Box = tuple[float, ...]  # x0, y0, x1, y1 in points from the page's top left
Scan = tuple[Path, Box | None]  # a signed page, and where its signer signs on it (None: not known)


def signed_image(scans: Sequence[Scan]) -> Image.Image:
    """The signed page's pixels: the first scan, with each other signer's signature taken from that signer's
    scan (the darker of the two in that signer's box; the whole page when the box is not known). Only the
    box: two scans never line up to the pixel, and the whole page from both would print every word twice."""
    merged = _image_of(scans[0][0])
    k = merged.width / 612  # pixels per point: the signed pages are Letter
    for file, box in scans[1:]:
        other = _image_of(file).resize(merged.size, Image.Resampling.BILINEAR)
        if box is None:
            merged = ImageChops.darker(merged, other)
            continue
        x0, y0, x1, y1 = (round(v * k) for v in box)
        merged.paste(ImageChops.darker(merged.crop((x0, y0, x1, y1)), other.crop((x0, y0, x1, y1))), (x0, y0))
    return merged


def _image_of(file: Path) -> Image.Image:
    try:
        images = PdfReader(file).pages[0].images
        image = images[0].image
    except Exception as exc:  # pypdf and Pillow raise many kinds for a damaged file
        raise InputFileError(f"{file}: the signed page cannot be read ({exc}): read the signed scan again "
                             "(`pdpacket signed CASE SCAN...`), or delete the file and its entry in "
                             "signed/record.json") from exc
    assert image is not None
    return image.convert("L")


def one_bit(image: Image.Image) -> bytes:
    """A one-page PDF holding `image` in black and white (CCITT G4), at the image's own resolution on Letter."""
    import img2pdf  # here: a rebuild takes the pages it made before (signed_page) and loads no img2pdf

    bits = image.point(lambda v: 255 if v >= INK else 0).convert("1")
    buffer = io.BytesIO()
    dpi = round(image.width / 8.5)
    bits.save(buffer, "TIFF", compression="group4", dpi=(dpi, dpi))
    return img2pdf.convert(buffer.getvalue(), layout_fun=img2pdf.get_fixed_dpi_layout_fun((dpi, dpi)), nodate=True,
                           engine=img2pdf.Engine.internal)  # no random /ID (sign/read.py says why)


def signed_page(scans: Sequence[Scan]) -> bytes:
    """one_bit(signed_image(scans)), kept between builds (kept.py) by the signed PDFs' bytes and the boxes:
    decoding, merging and G4-coding a page takes about 30 ms, and a rebuild lays the same scans again."""
    if not kept.active():
        return one_bit(signed_image(scans))
    inputs: list[bytes | str] = [kept.library("PIL"), kept.library("img2pdf")]
    try:
        for file, box in scans:
            inputs += [file.read_bytes(), repr(box)]
    except OSError:
        return one_bit(signed_image(scans))  # whose error names the file and the fix
    return kept.remember("signed scan 1-bit", inputs, lambda: one_bit(signed_image(scans)))


def lay_scan(writer: PdfWriter, page: PageObject, scans: Sequence[Scan], legend: str | None = None) -> None:
    """Draw the signed scan(s) over `page` (a page of `writer`, the generated page), on its whole crop box; the
    page's own content stays under it (its text is the filing's text layer). `legend`: the filing's, stamped
    on every page (stamp.py)."""
    scan = PdfReader(io.BytesIO(signed_page(scans)))
    xobjects = scan.pages[0]["/Resources"]["/XObject"]  # type: ignore[index]  # img2pdf writes one image
    image = next(iter(xobjects.values())).get_object().clone(writer)
    # A page's resources are often shared by the pages of its document (one LibreOffice conversion): the scan
    # goes into a copy of its own, or every page of the document would draw the last scan laid.
    resources = DictionaryObject(page.get("/Resources", DictionaryObject()).get_object())
    xobjects_here = resources.get("/XObject")
    resources[NameObject("/XObject")] = DictionaryObject(xobjects_here.get_object() if xobjects_here else {})
    resources["/XObject"][NAME] = image.indirect_reference  # type: ignore[index]
    page[NameObject("/Resources")] = resources
    box = page.cropbox
    x0, y0, width, height = float(box.left), float(box.bottom), float(box.width), float(box.height)
    draw = b"q %.2f 0 0 %.2f %.2f %.2f cm %s Do Q\n" % (width, height, x0, y0, NAME.encode())
    # The packet's page printed its page number and legend, a point or two off on the scan: white under the
    # stamp to come, whatever its number now.
    m = STAMP_MARGIN
    for rx0, ry0, rx1, ry1 in footprint(WIDEST_LABEL, legend, box):
        draw += b"q 1 g %.2f %.2f %.2f %.2f re f Q\n" % (rx0 - m, ry0 - m, rx1 - rx0 + 2 * m, ry1 - ry0 + 2 * m)
    stream = DecodedStreamObject()
    stream.set_data(b"q\n")
    save = add_object(writer, stream)
    stream = DecodedStreamObject()
    stream.set_data(b"Q\n" + draw)
    over = add_object(writer, stream)
    existing = page.get("/Contents")
    items = [] if existing is None else (
        list(existing.get_object()) if isinstance(existing.get_object(), ArrayObject) else [existing])
    page[NameObject("/Contents")] = ArrayObject([save, *items, over])


def hide_scan(writer: PdfWriter, page: PageObject) -> bool:
    """Show `page` (a filing page in `writer`) as it was generated: its signed scan, if it has one, drawn as
    nothing. The signing packet prints the generated page, and `pdpacket signed` compares a scan's signature
    area with it (a page already signed in the filing would make a new signature look like no ink)."""
    resources = page.get("/Resources")
    xobjects = resources.get_object().get("/XObject") if resources is not None else None
    if xobjects is None or NAME not in xobjects.get_object():
        return False
    empty = DecodedStreamObject()
    empty.set_data(b"")
    empty.update({NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Form"),
                  NameObject("/BBox"): ArrayObject([FloatObject(0), FloatObject(0), FloatObject(1), FloatObject(1)])})
    xobjects.get_object()[NAME] = add_object(writer, empty)
    return True


def generated_page(filing: Path, number: int, target: Path) -> Path:
    """The filing's page `number` (from 1) as generated: the filing itself when that page holds no scan, else a
    one-page PDF `target` of it with the scan hidden."""
    reader = PdfReader(filing)
    if NAME not in ((reader.pages[number - 1].get("/Resources") or {}).get("/XObject") or {}):
        return filing
    writer = PdfWriter()
    page = writer.add_page(reader.pages[number - 1])
    hide_scan(writer, page)
    writer.write(target)
    return target
