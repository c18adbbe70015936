"""PDF/A-2b filings (`filing: {pdfa: 2b}`, issue 24 point 3): every font embedded, XMP metadata
matching the document information, an output intent, the same bytes from the same inputs.

No full validator is installable here: veraPDF is neither a Debian package nor on PyPI (the
PyPI packages that mention it call its Java program, which must be installed by hand). The
checks are poppler's (pdffonts, pdftotext) and qpdf's through pikepdf."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

from assembler.casefile.settings import load_settings
from assembler.errors import InvalidSettingsError
from assembler.pdf.pdfa import Meta, make_pdfa
from helpers import make_pdf, minimal, write_case
from test_pdf_validity import poppler_complaints

LINES = [("Helvetica", "Helvetica: naïve café, “quoted” – 1,234.50 §"), ("Helvetica-Bold", "Helvetica bold"),
         ("Times-Roman", "Times roman text"), ("Times-BoldItalic", "Times bold italic"),
         ("Courier", "Courier 0123456789"), ("Helvetica-Oblique", "Helvetica oblique")]


def unembedded(pdf: Path) -> list[str]:
    """pdffonts' rows whose 'emb' column says no."""
    rows = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    return [row for row in rows if row[row.index(" ", 37):].split()[-5] != "yes"]


def standard_fonts_pdf(path: Path) -> Path:
    """A page in six standard fonts reportlab names without embedding them."""
    c = canvas.Canvas(str(path), pagesize=letter, invariant=1)
    for i, (font, text) in enumerate(LINES):
        c.setFont(font, 12)
        c.drawString(72, 700 - 20 * i, text)
    c.showPage()
    c.save()
    return path


def pdftotext(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize(("written", "read"), [("2b", "2b"), ("PDF/A-2b", "2b"), ("off", "off"), ("no", "off")])
def test_the_pdfa_setting(tmp_path, written, read):
    (tmp_path / "pdpacket.yaml").write_text(f"filing:\n  pdfa: {written}\n")
    assert load_settings(tmp_path / "pdpacket.yaml").pdfa == read


def test_the_pdfa_setting_is_on_unless_turned_off_and_refuses_an_unknown_level(tmp_path):
    (tmp_path / "pdpacket.yaml").write_text("filing:\n  size_limit_mb: 20\n")
    assert load_settings(tmp_path / "pdpacket.yaml").pdfa == "2b"
    (tmp_path / "pdpacket.yaml").write_text("attorney:\n  name: A\n")
    assert load_settings(tmp_path / "pdpacket.yaml").pdfa == "2b"
    (tmp_path / "pdpacket.yaml").write_text("filing:\n  pdfa: 3u\n")
    with pytest.raises(InvalidSettingsError) as caught:
        load_settings(tmp_path / "pdpacket.yaml")
    [problem] = caught.value.problems
    assert "pdfa" in str(problem) and "2b" in str(problem)  # names the field and what it takes


def test_make_pdfa_embeds_the_standard_fonts_and_keeps_the_text(tmp_path):
    source = standard_fonts_pdf(tmp_path / "plain.pdf")
    assert len(unembedded(source)) == len(LINES)  # the test means something: none embedded before
    out = tmp_path / "a.pdf"
    shutil.copy(source, out)
    missing = make_pdfa(out, Meta("Request for PD: Tenzin", "Daniel Okafor", "Office of the Chief Counsel"))
    assert missing == []
    assert unembedded(out) == []
    assert poppler_complaints(out) == []
    assert pdftotext(out) == pdftotext(source)  # same words, same places (the widths are the same)
    with pikepdf.open(out) as pdf:
        assert pdf.check_pdf_syntax() == []
        meta = pdf.open_metadata()
        assert meta["dc:title"] == "Request for PD: Tenzin" == str(pdf.docinfo["/Title"])
        assert meta["dc:creator"] == ["Daniel Okafor"]
        assert meta["pdfaid:part"] == "2" and meta["pdfaid:conformance"] == "B"
        assert "en-US" in str(meta["dc:language"]) and str(pdf.Root.Lang) == "en-US"
        intent = pdf.Root.OutputIntents[0]
        assert intent.S == "/GTS_PDFA1" and int(intent.DestOutputProfile.N) == 3
        assert len(pdf.trailer.ID) == 2
        assert "/Filter" not in pdf.Root.Metadata  # PDF/A: the XMP stream stays readable as it is


def test_make_pdfa_gives_the_same_bytes_twice(tmp_path):
    source = standard_fonts_pdf(tmp_path / "plain.pdf")
    outs = []
    for name in ("one.pdf", "two.pdf"):
        shutil.copy(source, tmp_path / name)
        make_pdfa(tmp_path / name, Meta("T", "A", "S"))
        outs.append((tmp_path / name).read_bytes())
    assert outs[0] == outs[1]


def test_a_font_without_a_free_equivalent_is_named(tmp_path):
    c = canvas.Canvas(str(tmp_path / "s.pdf"), pagesize=letter, invariant=1)
    c.setFont("Symbol", 12)
    c.drawString(72, 700, "abg")
    c.showPage()
    c.save()
    assert "Symbol" in make_pdfa(tmp_path / "s.pdf", Meta("T", "A", "S"))


@pytest.mark.libreoffice
def test_a_pdfa_filing_embeds_every_font_and_builds_to_the_same_bytes(tmp_path, run):
    (tmp_path / "pdpacket.yaml").write_text("filing:\n  pdfa: 2b\n")
    folder = tmp_path / "c"
    standard_fonts_pdf(make_pdf(folder / "exhibits" / "x.pdf").parent / "fonts.pdf")
    data = minimal()
    data["exhibits"] = [{"id": "x", "file": "exhibits/x.pdf", "title": "Letter"},
                        {"id": "f", "file": "exhibits/fonts.pdf", "title": "Old form"}]
    write_case(folder, data)
    filings = []
    for out in ("out1", "out2"):
        result = run("build", "-q", folder, "-o", tmp_path / out)
        assert result.code == 0, result.err
        assert "not fully PDF/A" not in result.err
        filings.append(next((tmp_path / out).glob("*.pdf")))
    assert filings[0].read_bytes() == filings[1].read_bytes()
    filing = filings[0]
    assert unembedded(filing) == []
    assert poppler_complaints(filing) == []
    with pikepdf.open(filing) as pdf:
        assert pdf.check_pdf_syntax() == []
        meta = pdf.open_metadata()
        assert meta["dc:title"] == str(pdf.docinfo["/Title"]) and "Tenzin" in meta["dc:title"]
        assert meta["dc:creator"] == ["Daniel Okafor"] == [str(pdf.docinfo["/Author"])]
        assert meta["pdfaid:part"] == "2"
        assert pdf.Root.OutputIntents[0].S == "/GTS_PDFA1"
        assert all(int(a.get("/F", 0)) & 4 for page in pdf.pages for a in page.obj.get("/Annots") or [])


def test_the_parts_of_a_split_pdfa_filing_are_pdfa_and_under_the_limit(tmp_path):
    from assembler.pdf.split import split, units_from_manifest
    from test_split import KB, MANIFEST, _filing
    filing = _filing(tmp_path / "F.pdf", noise={n: 30 for n in range(1, 11)})
    make_pdfa(filing, Meta("Request of Tenzin", "Daniel Okafor", "Office of the Chief Counsel"))
    limit = 180 * KB
    parts = split(filing, units_from_manifest(MANIFEST), limit, "Request of Tenzin")
    assert len(parts) > 1
    for number, part in enumerate(parts, 1):
        assert part.stat().st_size <= limit
        assert unembedded(part) == []  # the contents page's font too
        with pikepdf.open(part) as pdf:
            assert pdf.check_pdf_syntax() == []
            assert pdf.Root.OutputIntents[0].S == "/GTS_PDFA1"
            meta = pdf.open_metadata()
            assert meta["dc:title"] == f"Request of Tenzin (part {number} of {len(parts)})" == str(pdf.docinfo.Title)
            assert meta["pdfaid:part"] == "2" and meta["dc:creator"] == ["Daniel Okafor"]


@pytest.mark.libreoffice
def test_pdfa_off_gives_a_plain_pdf(tmp_path, run):
    (tmp_path / "pdpacket.yaml").write_text("filing:\n  pdfa: off\n")
    write_case(tmp_path / "c", minimal())
    result = run("build", "-q", tmp_path / "c", "-o", tmp_path / "out")
    assert result.code == 0, result.err
    with pikepdf.open(next((tmp_path / "out").glob("*.pdf"))) as pdf:
        assert "/OutputIntents" not in pdf.Root and "/Metadata" not in pdf.Root
