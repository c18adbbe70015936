"""Page stamps never cover an exhibit's content (issue 24, point 4): a page whose footer band
holds anything (a form's own footer, a full-bleed scan) is shrunk to free the band first."""
from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import img2pdf
import pytest
from PIL import Image, ImageDraw
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, NameObject
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

from assembler.pdf.stamp import number_box
from helpers import TODAY, make_pdf, minimal, write_case

pytestmark = pytest.mark.libreoffice

W9_FOOTER = "Form W-9 (Rev. 10-2018)"


def w9_like(path: Path) -> Path:
    """Two pages of a form whose footer fills the bottom margin, as the IRS W-9's does."""
    c = canvas.Canvas(str(path), pagesize=letter, invariant=1)
    for n in (1, 2):
        c.setFont("Helvetica-Bold", 14)
        c.drawString(40, 740, "Request for Taxpayer Identification Number and Certification")
        c.setFont("Helvetica", 10)
        for i in range(40):
            c.drawString(40, 700 - 16 * i, f"Line {i + 1} of the form's instructions, page {n}.")
        c.line(20, 30, 592, 30)  # the rule above the footer
        c.setFont("Helvetica", 7)
        c.drawString(20, 20, "Cat. No. 10231X")
        c.setFont("Helvetica-Bold", 9)
        c.drawRightString(592, 14, W9_FOOTER)  # at the bottom edge, where the stamp goes
        c.showPage()
    c.save()
    return path


def full_bleed_scan(path: Path) -> Path:
    """A scanned page: one image covering the whole Letter page, grey paper and dark marks to its edges."""
    image = Image.new("L", (850, 1100), 200)
    draw = ImageDraw.Draw(image)
    for y in range(0, 1100, 25):
        draw.line([(0, y), (850, y + 10)], fill=40, width=3)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    layout = img2pdf.get_layout_fun((img2pdf.in_to_pt(8.5), img2pdf.in_to_pt(11)), fit=img2pdf.FitMode.fill)
    path.write_bytes(img2pdf.convert(buffer.getvalue(), layout_fun=layout))
    return path


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A case with the W-9-like form, the full-bleed scan and a plain exhibit with an empty footer."""
    from assembler.build import build
    tmp = tmp_path_factory.mktemp("stamp-space")
    folder = tmp / "c"
    (folder / "exhibits").mkdir(parents=True)
    w9_like(folder / "exhibits" / "w9.pdf")
    full_bleed_scan(folder / "exhibits" / "scan.pdf")
    make_pdf(folder / "exhibits" / "plain.pdf", text="Plain exhibit")
    data = minimal()
    data["exhibits"] = [{"id": "w9", "file": "exhibits/w9.pdf", "title": "Form W-9"},
                        {"id": "scan", "file": "exhibits/scan.pdf", "title": "Scanned letter"},
                        {"id": "plain", "file": "exhibits/plain.pdf", "title": "Plain letter"}]
    write_case(folder, data)
    with pytest.MonkeyPatch.context() as mp:  # what conftest's pinned_today does, for the module
        mp.setenv("PDPACKET_TODAY", TODAY)
        mp.delenv("PDPACKET_SETTINGS", raising=False)
        mp.setenv("XDG_CONFIG_HOME", str(tmp / "xdg"))
        mp.setenv("PDPACKET_LEDGER", str(tmp / "ledger.db"))
        build(folder, tmp / "out")
    filing = next((tmp / "out").glob("*.pdf"))
    manifest = json.loads((tmp / "out" / "manifest.json").read_text())
    return filing, manifest, tmp


def _pages_of(manifest: dict, ref: str) -> list[int]:
    """1-based filing pages of an exhibit's own file."""
    for section in manifest["sections"]:
        for part in section["parts"]:
            if part["kind"] == "exhibit" and section["key"] == f"exhibit:{ref}":
                return list(range(part["first_page"], part["last_page"] + 1))
    raise AssertionError(f"no exhibit {ref}")


def _unstamped(filing: Path, number: int, out: Path) -> Path:
    """Page `number` of the filing without its stamp (the last content stream stamp.py adds)."""
    writer = PdfWriter()
    page = writer.add_page(PdfReader(filing).pages[number - 1])
    contents = page["/Contents"].get_object()
    assert isinstance(contents, ArrayObject)
    page[NameObject("/Contents")] = ArrayObject(list(contents)[:-1])
    with open(out, "wb") as fh:
        writer.write(fh)
    return out


def _darkest_in(pdf: Path, box: tuple[float, float, float, float], dpi: int = 72) -> int:
    """The darkest grey level (0 black, 255 white) pdftoppm draws inside `box` (PDF points, Letter page)."""
    x0, y0, x1, y1 = box
    scale = dpi / 72
    done = subprocess.run(["pdftoppm", "-gray", "-r", str(dpi), "-x", str(int(x0 * scale)),
                           "-y", str(int((792 - y1) * scale)), "-W", str(int((x1 - x0) * scale) + 1),
                           "-H", str(int((y1 - y0) * scale) + 1), "-singlefile", str(pdf)],
                          capture_output=True, check=True)
    return Image.open(io.BytesIO(done.stdout)).getextrema()[0]


@pytest.mark.parametrize("ref", ["w9", "scan"])
def test_the_stamp_lands_on_blank_space_under_an_exhibit_that_fills_its_footer(built, ref):
    filing, manifest, tmp = built
    reader = PdfReader(filing)
    for number in _pages_of(manifest, ref):
        label = f"Page {number} of {len(reader.pages)}"
        bare = _unstamped(filing, number, tmp / f"bare-{ref}-{number}.pdf")
        assert _darkest_in(bare, number_box(label, reader.pages[number - 1].cropbox)) >= 250, (ref, number)
        assert label in reader.pages[number - 1].extract_text()


def test_the_forms_own_footer_is_still_there_and_read(built):
    filing, manifest, _tmp = built
    reader = PdfReader(filing)
    for number in _pages_of(manifest, "w9"):
        text = reader.pages[number - 1].extract_text()
        assert W9_FOOTER in text and "Cat. No. 10231X" in text


def test_an_exhibit_with_a_blank_footer_is_not_shrunk(built):
    filing, manifest, tmp = built
    [number] = _pages_of(manifest, "plain")
    reader = PdfReader(filing)
    # make_pdf writes at (72, 720): unshrunk, the text is still there, so the 72-dpi pixels there are dark.
    bare = _unstamped(filing, number, tmp / "bare-plain.pdf")
    # Its first letter's stem still starts at x = 72 (shrunk, the text would start 10 points to the right).
    assert _darkest_in(bare, (72, 721, 76, 729), dpi=144) < 128
    assert "Plain exhibit page 1" in reader.pages[number - 1].extract_text()
