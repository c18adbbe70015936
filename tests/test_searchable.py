"""Which pages of a filing a reader can search (issue 24 point 5): the page stamp is not the page's text."""
from __future__ import annotations

import io
import json

import img2pdf
import pytest
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


def test_a_draft_marked_scan_has_no_text(tmp_path):
    """The CLI walk's scanned, signed G-28 counted as searchable in `check` of a draft: the DRAFT line's text."""
    from assembler.pdf.draft_mark import TEXT, mark_draft
    writer = PdfWriter()
    writer.append(str(_photo_pdf(tmp_path / "photo.pdf")))
    mark_draft(writer)
    stamp(writer, {})
    with open(tmp_path / "draft.pdf", "wb") as fh:
        writer.write(fh)
    page = PdfReader(tmp_path / "draft.pdf").pages[0]
    assert TEXT in page.extract_text()  # the mark is there...
    assert not preflight.has_text(page)  # ...and is not the page's text
    report = preflight.check_filing(tmp_path / "draft.pdf", deep=False)
    assert report.searchable == 0
    from assembler.pdf.draft_mark import MARKER
    assert MARKER.startswith(preflight.WATERMARK)  # the two stay one mark


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


@pytest.mark.libreoffice
def test_a_scanned_form_is_read_for_text_like_an_exhibit(run, tmp_path):
    """The CLI walk's G-28, signed on paper and scanned, put in `forms:` as it is: neither the build nor
    `check` said its page had no text (the build read only the exhibits' pages; `check` took the DRAFT mark)."""
    from helpers import minimal, write_case

    case = tmp_path / "c"
    data = minimal()
    data["forms"] = [{"kind": "g28", "file": "forms/g28-signed.pdf"}]
    write_case(case, data)
    (case / "forms").mkdir()
    _photo_pdf(case / "forms" / "g28-signed.pdf")
    result = run("build", case, "-o", tmp_path / "out", "--no-ocr")
    assert result.code == 0, result.err
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    [page] = [s["first_page"] for s in manifest["sections"] if s["key"].startswith("form:")]
    [said] = [line for line in result.err.splitlines() if "has no searchable text" in line]
    assert f"warning: Form G-28 (forms/g28-signed.pdf), filing page {page}," in said
    filing = next((tmp_path / "out").glob("*.pdf"))
    pages = len(PdfReader(filing).pages)
    assert manifest["filing"]["searchable_pages"] == pages - 1
    checked = run("check", filing)
    assert f"searchable: {pages - 1} of {pages} pages" in checked.out and f"page(s) {page} have no" in checked.err
