"""Which pages of a filing a reader can search (issue 24 point 5): the page stamp is not the page's text."""
from __future__ import annotations

import io

import img2pdf
from PIL import Image
from pypdf import PdfReader, PdfWriter

from assembler.pdf import preflight
from assembler.pdf.stamp import stamp
from helpers import make_pdf


def _photo_pdf(path):
    buf = io.BytesIO()
    Image.new("RGB", (600, 800), (120, 160, 200)).save(buf, format="JPEG")
    path.write_bytes(img2pdf.convert(buf.getvalue(), nodate=True))
    return path


def _stamped(src, out):
    writer = PdfWriter()
    writer.append(str(src))
    stamp(writer, {})
    with open(out, "wb") as fh:
        writer.write(fh)
    return PdfReader(out)


def test_a_stamped_photo_page_has_no_text(tmp_path):
    """The JPEG exhibit that was never flagged: its stamp "Page 1 of 1" counted as the page's text."""
    reader = _stamped(_photo_pdf(tmp_path / "photo.pdf"), tmp_path / "stamped.pdf")
    assert "Page 1 of 1" in reader.pages[0].extract_text()  # the stamp is there...
    assert not preflight.has_text(reader.pages[0])  # ...and is not the page's text


def test_a_stamped_text_page_still_has_text(tmp_path):
    reader = _stamped(make_pdf(tmp_path / "letter.pdf", text="Dear officer"), tmp_path / "stamped.pdf")
    assert preflight.has_text(reader.pages[0])


def test_the_check_counts_searchable_pages_and_names_the_others(tmp_path):
    text = make_pdf(tmp_path / "text.pdf", pages=2, text="Declaration")
    writer = PdfWriter()
    writer.append(str(text))
    writer.append(str(_photo_pdf(tmp_path / "photo.pdf")))
    stamp(writer, {})
    filing = tmp_path / "filing.pdf"
    with open(filing, "wb") as fh:
        writer.write(fh)
    report = preflight.check_filing(filing, deep=False)
    assert (report.searchable, report.pages) == (2, 3)
    assert any("page(s) 3 have no searchable text" in w.message for w in report.warnings)
