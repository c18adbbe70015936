"""`pdpacket build` against the real LibreOffice: what a filer relies on."""
from __future__ import annotations

import json
import re

import pytest
from pypdf import PdfReader

from assembler import unchanged
from assembler.api import build
from helpers import SAMPLES, index_ranges, outline_titles, page_texts, tab_pages, tree_hashes

pytestmark = pytest.mark.libreoffice


@pytest.fixture(scope="module")
def sample1(sample1_build):
    result = sample1_build.result
    return result, page_texts(result.filing), json.loads(result.manifest.read_text())


def test_the_filing_is_named_from_the_respondent_and_a_number(sample1):
    result, _, _ = sample1
    assert result.filing.name == "GARCIA-LOPEZ_A201234567_PD-request.pdf"


def test_page_count_and_sections_match_the_manifest(sample1):
    result, texts, manifest = sample1
    assert len(PdfReader(result.filing).pages) == manifest["filing"]["pages"] == len(texts)
    sections = manifest["sections"]
    assert sections[0]["title"] == "Request for prosecutorial discretion" and sections[0]["first_page"] == 1
    index = next(s for s in sections if s["key"] == "index")
    assert index["title"] == "Index of exhibits"
    assert sections[-1]["title"] == "Certificate of service"
    assert sections[-1]["last_page"] == len(texts)
    # contiguous, no gaps or overlaps
    for before, after in zip(sections, sections[1:]):
        assert after["first_page"] == before["last_page"] + 1
    # each section's first page really is what it says
    for s in sections:
        page = texts[s["first_page"] - 1]
        if s["tab"]:
            assert page.startswith(f"TAB {s['tab']}\n")
    assert "INDEX OF EXHIBITS" in texts[index["first_page"] - 1]
    assert "CERTIFICATE OF SERVICE" in texts[sections[-1]["first_page"] - 1]


def test_order_is_declarations_then_exhibits_with_translations_after_originals(sample1):
    _, texts, manifest = sample1
    tabbed = [s for s in manifest["sections"] if s["tab"]]
    assert [s["tab"] for s in tabbed] == [chr(ord("A") + i) for i in range(16)]
    assert all(s["title"].startswith("Declaration of") for s in tabbed[:4])
    birth = next(s for s in tabbed if s["title"].startswith("Birth certificate of María José"))
    kinds = [p["kind"] for p in birth["parts"]]
    assert kinds == ["tab", "exhibit", "translation", "translator_certificate"]
    pages = [p["first_page"] for p in birth["parts"]]
    assert "ACTA DE NACIMIENTO" in texts[pages[1] - 1]
    assert "BIRTH CERTIFICATE (English translation)" in texts[pages[2] - 1]
    assert "CERTIFICATE OF TRANSLATION" in texts[pages[3] - 1]
    assert "competent to translate from Spanish into English" in texts[pages[3] - 1].replace("\n", " ")


def test_index_page_ranges_are_the_real_pages(sample1):
    _, texts, _ = sample1
    printed = index_ranges(texts)
    real_first = tab_pages(texts)
    service = next(i for i, t in enumerate(texts, 1) if t.startswith("CERTIFICATE OF SERVICE"))
    letters = sorted(real_first, key=real_first.get)
    assert set(printed) == set(real_first) and len(letters) == 16
    for letter, nxt in zip(letters, letters[1:] + [None]):
        real_last = (real_first[nxt] if nxt else service) - 1
        assert printed[letter] == (real_first[letter], real_last), letter


def test_every_page_carries_its_stamped_number(sample1):
    _, texts, _ = sample1
    total = len(texts)
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {total}" in text, number


def test_bookmarks_for_every_section_and_the_parts_of_a_translated_exhibit(sample1):
    result, _, manifest = sample1
    titles = outline_titles(result.filing)
    flat = [t for t in titles if isinstance(t, str)]
    expected = [f"Tab {s['tab']}: {s['title']}" if s["tab"] else s["title"] for s in manifest["sections"]]
    assert flat == expected
    assert ["Original", "English translation", "Certificate of translation"] in titles


def test_title_and_author_metadata(sample1):
    result, _, _ = sample1
    meta = PdfReader(result.filing).metadata
    assert meta.title == "Request for Prosecutorial Discretion: María José García López, A201-234-567"
    assert meta.author == "Daniel Okafor"
    assert "/CreationDate" not in meta and "/ModDate" not in meta


def test_the_letter_is_addressed_to_the_office_from_the_directory(sample1):
    _, texts, _ = sample1
    first = texts[0]
    assert "Office of the Chief Counsel, New York City" in first
    assert "26 Federal Plaza, Room 1130" in first and "New York, NY 10278" in first
    assert "A-Number: A201-234-567" in first
    assert "Okafor & Reyes LLP" in first  # '&' as typed


def test_the_letter_cites_exhibits_by_their_tabs(sample1):
    _, texts, manifest = sample1
    letter = " ".join(texts[:2]).replace("\n", " ")
    tabs = {s["title"]: s["tab"] for s in manifest["sections"] if s["tab"]}
    lease, tax = tabs["Residential lease, 41-12 Junction Blvd"], tabs["Federal tax returns, 2023 to 2025"]
    assert f"(Tabs {lease}, {tax})" in letter


def _declaration_text(texts, manifest, declarant):
    s = next(s for s in manifest["sections"] if s["title"].startswith(f"Declaration of {declarant},"))
    return " ".join(texts[s["first_page"]:s["last_page"]]).replace("\n", " ")


INSIDE = "I declare under penalty of perjury that the foregoing is true and correct."
OUTSIDE = ("I declare under penalty of perjury under the laws of the United States of America that the "
           "foregoing is true and correct.")


def test_a_declaration_signed_in_the_us_uses_the_inside_form(sample1):
    _, texts, manifest = sample1
    text = _declaration_text(texts, manifest, "Sofía García")
    assert INSIDE in re.sub(r"\s+", " ", text)
    assert "laws of the United States of America" not in text
    assert "Executed on November 20, 2026, at Queens, New York, United States." in re.sub(r"\s+", " ", text)


def test_a_declaration_signed_abroad_uses_the_outside_form(sample1):
    _, texts, manifest = sample1
    text = re.sub(r"\s+", " ", _declaration_text(texts, manifest, "Andrés García López"))
    assert OUTSIDE in text
    assert "Toronto, Ontario, Canada" in text


def test_the_interpreter_certificate_appears_exactly_when_needed(sample1):
    _, texts, manifest = sample1
    with_interpreter = re.sub(r"\s+", " ", _declaration_text(texts, manifest, "María José García López"))
    assert "Certificate of interpreter" in with_interpreter
    assert "I, Lucía Fernández, certify that I am competent to interpret between Spanish and English" \
        in with_interpreter
    for other in ("Sofía García", "Robert Chen", "Andrés García López"):
        assert "interpret" not in _declaration_text(texts, manifest, other)


def test_word_copies_and_manifest_inputs(sample1):
    result, _, manifest = sample1
    names = sorted(p.name for p in result.docx_dir.iterdir())
    assert "01-request-letter.docx" in names and "02-index-of-exhibits.docx" in names
    assert "99-certificate-of-service.docx" in names
    assert sum(n.startswith("tab-") and "declaration" in n for n in names) == 4
    inputs = {i["path"] for i in manifest["inputs"]}
    assert "exhibits/acta-de-nacimiento-en.pdf" in inputs and "exhibits/church-letter.docx" in inputs
    assert all(len(i["sha256"]) == 64 for i in manifest["inputs"])
    assert set(manifest["templates"]) == {"letter", "declaration", "index", "tab", "translator_certificate",
                                          "certificate_of_service"}  # the court papers' are not the filing's
    assert manifest["case_file"]["path"] == "case.yaml"
    import hashlib
    assert hashlib.sha256(result.filing.read_bytes()).hexdigest() == manifest["filing"]["sha256"]


def test_no_staging_or_temporary_files_are_left(sample1):
    result, _, _ = sample1
    assert sorted(p.name for p in result.filing.parent.iterdir()) == sorted(
        [result.filing.name, "docx", "manifest.json", unchanged.RECORD])  # the record of what it came from


def test_two_builds_are_byte_identical(sample1, tmp_path):
    result, _, _ = sample1
    again = build(SAMPLES / "1-garcia-lopez", tmp_path / "again")
    assert again.filing.read_bytes() == result.filing.read_bytes()
    for docx in result.docx_dir.iterdir():
        assert (again.docx_dir / docx.name).read_bytes() == docx.read_bytes(), docx.name


def test_the_inputs_are_not_modified(sample1_build):
    assert tree_hashes(SAMPLES / "1-garcia-lopez") == sample1_build.inputs_before
    assert not (SAMPLES / "1-garcia-lopez" / "out").exists()


@pytest.mark.parametrize("sample", ["2-pierre-louis-detained", "3-minimal"])
def test_the_other_samples_build(run, tmp_path, sample):
    result = run("build", SAMPLES / sample, "-o", tmp_path / "out")
    assert result.code == 0, result.err
    pdf = next((tmp_path / "out").glob("*_PD-request.pdf"))
    texts = page_texts(pdf)
    assert f"Page {len(texts)} of {len(texts)}" in texts[-1]
    if sample.startswith("2"):
        letter = " ".join(texts[:3])
        assert "Detained at: Krome North Service Processing Center" in letter
        assert "Criminal history" in letter and "Administrative closure" in letter
        # Routed to the sub-office with the facility's detained docket, served at its e-mail.
        assert "Office of the Chief Counsel, Miami, Krome detained docket" in texts[0]
        assert "VIA E-MAIL TO krome-pd@occ-miami.example" in texts[0]
    else:
        assert len(texts) == 9  # letter (2), the firm's G-28, index, two tabbed exhibits (2 + 2), service
        # No judge in the case: the Re: block leaves the line out rather than invent "Not assigned".
        assert "Immigration judge" not in texts[0] and "Not assigned" not in texts[0]


def test_index_entries_link_to_their_tab_pages(sample1):
    result, texts, manifest = sample1
    reader = PdfReader(result.filing)
    index = next(s for s in manifest["sections"] if s["key"] == "index")
    targets = []
    for n in range(index["first_page"], index["last_page"] + 1):
        for annot in reader.pages[n - 1].get("/Annots") or []:
            annot = annot.get_object()
            if annot["/Subtype"] == "/Link":
                targets.append(reader.get_page_number(annot["/Dest"][0].get_object()) + 1)
    listed = [s for s in manifest["sections"] if s["tab"] or s["key"].startswith("form:") or s["key"] == "service"]
    assert targets == [s["first_page"] for s in listed]  # the G-28 (no tab), the tabs, the certificate
    assert all(texts[s["first_page"] - 1].startswith("TAB ") for s in listed if s["tab"])


def test_a_phone_photo_fits_a_letter_page(sample1):
    result, _, manifest = sample1
    photo = next(s for s in manifest["sections"] if s["title"].startswith("Photograph, García family"))
    (part,) = [p for p in photo["parts"] if p["kind"] == "exhibit"]
    assert part["first_page"] == part["last_page"]
    page = PdfReader(result.filing).pages[part["first_page"] - 1]
    assert (round(float(page.cropbox.width)), round(float(page.cropbox.height))) == (612, 792)
    assert page.rotation % 360 == 0
