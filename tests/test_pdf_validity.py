"""The filing as a PDF: poppler's tools read every object without a complaint (issue 24, point 4).

Real government forms (USCIS, IRS) draw their widgets with appearance streams that lack
/Type /XObject /Subtype /Form: harmless inside an annotation, a syntax error once flattening
moves them into the page's resources."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject

from assembler.pdf import forms as pdf_forms
from helpers import SAMPLES, page_texts
from test_forms import fillable_pdf

POPPLER_COMPLAINTS = ("syntax error", "xobject subtype is missing", "syntax warning")


def poppler_complaints(pdf: Path) -> list[str]:
    """What pdftotext and pdffonts print on stderr about the file's objects."""
    said = []
    for cmd in (["pdftotext", str(pdf), "-"], ["pdffonts", str(pdf)]):
        done = subprocess.run(cmd, capture_output=True, text=True, check=True)
        said += [f"{cmd[0]}: {line}" for line in done.stderr.splitlines()
                 if any(word in line.lower() for word in POPPLER_COMPLAINTS)]
    return said


def _appearance_streams(reader_or_writer):
    for page in reader_or_writer.pages:
        for ref in page.get("/Annots") or []:
            ap = ref.get_object().get("/AP")
            for kind in ("/N", "/D", "/R"):
                entry = ap.get_object().get(kind) if ap is not None else None
                if entry is None:
                    continue
                entry = entry.get_object()
                if "/BBox" in entry:
                    yield entry
                else:  # a dictionary of states
                    yield from (state.get_object() for state in entry.values())


def government_style_form(path: Path) -> Path:
    """The test form with its widgets' appearance streams stripped of /Type and /Subtype."""
    fillable_pdf(path)
    writer = PdfWriter(clone_from=PdfReader(path))
    stripped = 0
    for stream in _appearance_streams(writer):
        for key in ("/Type", "/Subtype"):
            if stream.pop(NameObject(key), None) is not None:
                stripped += 1
    assert stripped, "the form had no appearance stream to strip"
    with open(path, "wb") as fh:
        writer.write(fh)
    return path


def test_a_flattened_government_style_form_has_no_object_poppler_complains_about(tmp_path):
    form = government_style_form(tmp_path / "form.pdf")
    # Some fields filled, others (ANumber, Country, Signer) left as they are.
    out = pdf_forms.fill_and_flatten(form, {"FamilyName": "María José", "Detained": "Yes", "Stage": "court"},
                                     tmp_path / "out.pdf", "form")
    assert poppler_complaints(out) == []
    reader = PdfReader(out)
    for page in reader.pages:
        xobjects = page["/Resources"].get("/XObject", DictionaryObject())
        for name, ref in xobjects.items():
            xobject = ref.get_object()
            assert (xobject.get("/Type"), xobject.get("/Subtype")) == ("/XObject", "/Form"), name
    assert "María José" in page_texts(out)[0]


def test_the_check_sees_a_missing_subtype(tmp_path):
    """The check itself: a form XObject without /Subtype in a page's resources is reported."""
    form = government_style_form(tmp_path / "form.pdf")
    writer = PdfWriter(clone_from=PdfReader(form))
    page = writer.pages[0]
    stream = next(_appearance_streams(writer))
    page[NameObject("/Resources")][NameObject("/XObject")] = DictionaryObject(
        {NameObject("/Bad"): stream.indirect_reference})
    contents = page.get_contents()
    contents.set_data(contents.get_data() + b"\nq /Bad Do Q\n")
    page.replace_contents(contents)
    with open(tmp_path / "bad.pdf", "wb") as fh:
        writer.write(fh)
    assert poppler_complaints(tmp_path / "bad.pdf")


@pytest.mark.libreoffice
@pytest.mark.slow
@pytest.mark.parametrize("sample", sorted(p.name for p in SAMPLES.iterdir() if (p / "case.yaml").is_file()))
def test_every_sample_filing_reads_without_a_syntax_error(sample, tmp_path, run):
    out = tmp_path / "out"
    result = run("build", "-q", str(SAMPLES / sample), "-o", str(out))
    assert result.code == 0, result.err
    filings = sorted(out.glob("*.pdf"))
    assert filings
    for filing in filings:
        assert poppler_complaints(filing) == [], filing.name


def test_without_pdftoppm_stamps_are_placed_unchecked_with_a_warning(tmp_path, monkeypatch):
    from assembler.pdf.freespace import InkCheck
    from helpers import make_pdf
    pdf = make_pdf(tmp_path / "x.pdf")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    ink = InkCheck()
    ink.watch(0, pdf, 0, (0.0, 0.0, 612.0, 792.0))
    assert ink.crowded(0, [(0.0, 700.0, 612.0, 792.0)]) is False  # the text is there, but nothing looked
    assert ink.unavailable is not None and "pdftoppm is not installed" in ink.unavailable
    assert "poppler" in ink.unavailable


def test_the_ink_check_sees_text_where_it_is_and_not_elsewhere(tmp_path):
    from assembler.pdf.freespace import InkCheck
    from helpers import make_pdf
    pdf = make_pdf(tmp_path / "x.pdf")  # "Exhibit page 1" at (72, 720), 12 pt
    ink = InkCheck()
    ink.watch(0, pdf, 0, (0.0, 0.0, 612.0, 792.0))
    assert ink.crowded(0, [(300.0, 20.0, 560.0, 40.0)]) is False
    assert ink.crowded(0, [(70.0, 715.0, 160.0, 735.0)]) is True
    assert ink.shrunk == {0}
