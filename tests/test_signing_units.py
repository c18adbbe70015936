"""Who signs what and the page codes, without LibreOffice: the signers table, finding a signature in a
document's text, the summary `status` prints, the page code's format, QR codes read back, placement."""
from __future__ import annotations

from dataclasses import replace

import zxingcpp
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from assembler.documents import signers
from assembler.documents.context import full_name
from assembler.documents.plan import Part, keyed, number_pages, plan, with_parts
from assembler.pdf import codes
from assembler.sign.packet import sections
from assembler.vocab import PartKind
from helpers import minimal

# --- finding the signature in the text ---------------------------------------------------------


def test_the_signature_line_is_the_underscores_with_the_name_under_them():
    pages = ["I, Ana Ruiz, declare ... Ana Ruiz was there.", "Executed on ...\n______________\nAna Ruiz\n",
             "Certificate of interpreter\n______________\nLucía Fernández"]
    assert signers.locate(signers.Mark.line, "Ana Ruiz", pages) == (1, "signature line")
    assert signers.locate(signers.Mark.line, "Lucía Fernández", pages) == (2, "signature line")


def test_a_name_in_another_unicode_form_is_still_found():
    decomposed = "Luci\u0301a Ferna\u0301ndez"  # what some PDFs give: the accent as a combining mark
    assert signers.locate(signers.Mark.line, "Lucía Fernández", ["x", f"_______ {decomposed}"]) == (1, "signature line")


def test_a_typed_signature_is_slash_s_then_the_name():
    pages = ["Dear Chief Counsel, Daniel Okafor writes", "Respectfully submitted,\n/s/ Daniel Okafor\nDaniel Okafor"]
    assert signers.locate(signers.Mark.typed, "Daniel Okafor", pages) == (1, "typed signature")
    # A draft's letter (not approved yet, pdf/approval.py): its place is found, not the last page naming him.
    draft = ["Respectfully submitted,\n(unsigned draft)\nDaniel Okafor", "cc: Daniel Okafor"]
    assert signers.locate(signers.Mark.typed, "Daniel Okafor", draft) == (0, "typed signature")


def test_without_a_line_the_last_page_with_the_name_and_without_the_name_the_last_page_said_so():
    assert signers.locate(signers.Mark.line, "Ana Ruiz", ["Ana Ruiz", "Ana Ruiz signs", "end"]) == (1, "name")
    assert signers.locate(signers.Mark.line, "Ana Ruiz", ["a", "b"]) == (1, "not found")


def test_a_changed_page_text_changes_its_hash_but_not_its_line_breaks():
    assert signers.text_hash("I declare\nthat") == signers.text_hash("I  declare that ")
    assert signers.text_hash("I declare that") != signers.text_hash("I declare this")


# --- who signs: the table, over a planned filing ----------------------------------------------------

def _ctx(data: dict) -> dict:
    return {"declarations": data["declarations"], "exhibits": data.get("exhibits") or [],
            "attorney": {"name": "Daniel Okafor"}, "service": {"served_by": "Ines Paralegal"},
            "respondent": data["respondent"]}


def test_every_document_lists_its_signers_from_the_table(tmp_path):
    data = minimal()
    data["declarations"] = [
        {"id": "d1", "declarant": "Ana Ruiz", "relationship": "sister", "language": "Spanish",
         "interpreter": {"name": "Lucía Fernández"}, "paragraphs": ["x"], "signed": {"date": "2026-11-01"}},
        {"id": "d2", "declarant": "Bo Chen", "relationship": "friend", "paragraphs": ["x"],
         "signed": {"date": "2026-11-01"}}]
    data["exhibits"] = [{"id": "birth", "file": "a.pdf", "title": "Birth certificate", "language": "Spanish",
                         "translation": {"file": "b.pdf", "translator": {"name": "Tomás Vega"}}}]
    sections_, _ = plan(data, tmp_path, [])
    # Parts are records: new ones with their page counts (d1's declaration has two pages), then numbered.
    sections_ = number_pages(with_parts(sections_, {
        key: replace(p, pages=2 if p.ref == "d1" and p.kind == PartKind.declaration else 1)
        for key, _, p in keyed(sections_)}))
    texts = {
        "letter": ["/s/ Daniel Okafor"], "d1": ["______ Ana Ruiz", "______ Lucía Fernández"],
        "d2": ["______ Bo Chen"], "birth": ["______ Tomás Vega"], "service": ["/s/ Ines Paralegal"]}

    def page_texts(part: Part) -> list[str]:
        return texts.get(part.ref or str(part.kind), [""])[:part.pages] if part.ref != "d1" else texts["d1"]
    found = signers.find_signatures(sections_, _ctx(data), page_texts)
    got = {(s.document, s.role, s.signer, s.kind, s.page, s.language) for s in found.signatures}
    assert got == {
        ("letter", "attorney", "Daniel Okafor", "electronic", 1, "English"),
        ("declaration:d1", "declarant", "Ana Ruiz", "ink", 1, "Spanish"),
        ("declaration:d1", "interpreter", "Lucía Fernández", "ink", 2, "English"),
        ("declaration:d2", "declarant", "Bo Chen", "ink", 1, "English"),
        ("translator_certificate:birth", "translator", "Tomás Vega", "ink", 1, "English"),
        ("service", "server", "Ines Paralegal", "electronic", 1, "English"),
    }
    assert not found.notices
    assert [d.id for d in found.documents] == ["letter", "declaration:d1", "declaration:d2",
                                                "translator_certificate:birth", "service"]


def test_a_form_signs_as_its_mapping_says_and_a_page_beyond_the_form_is_said(tmp_path):
    from assembler.casefile.forms import FormSpec
    data = minimal()
    data["declarations"] = []
    spec = FormSpec(0, "g28", "Form G-28", tmp_path / "g28.pdf", "g28.pdf", {}, "",
                    ({"role": "client", "page": 2, "where": "Part 5"}, {"role": "attorney", "page": 3}))
    sections_, _ = plan(data, tmp_path, [spec])
    sections_ = number_pages(with_parts(sections_, {key: replace(p, pages=2) for key, _, p in keyed(sections_)}))
    found = signers.find_signatures(sections_, _ctx(data), lambda part: ["a", "b"][:part.pages])
    form = [s for s in found.signatures if s.document == "form:0"]
    assert [(s.role, s.signer, s.page, s.kind, s.where) for s in form] == [
        ("client", full_name(data["respondent"]), 2, "ink", "Part 5"),
        ("attorney", "Daniel Okafor", 2, "ink", "")]
    assert any("page 3" in n and "signers:" in n for n in found.notices)


def test_the_summary_counts_ink_signatures_as_awaited_and_names_the_electronic_ones():
    record = {"documents": [{"id": "letter", "title": "Request", "label": "Request"},
                            {"id": "declaration:d1", "title": "Declaration of Ana Ruiz, sister",
                             "label": "Declaration of Ana Ruiz"}],
              "required": [{"document": "letter", "signer": "Daniel Okafor", "kind": "electronic"},
                           {"document": "declaration:d1", "signer": "Ana Ruiz", "kind": "ink"},
                           {"document": "declaration:d1", "signer": "Lucía Fernández", "kind": "ink"}]}
    line = signers.summary(record).line()
    assert line.startswith("awaiting signatures: 2 of 3: Ana Ruiz (Declaration of Ana Ruiz); Lucía Fernández")
    assert "1 electronic (/s/ Daniel Okafor)" in line
    assert signers.summary(None) is None
    assert signers.summary({"documents": [], "required": []}).line() == "awaiting signatures: none required"


def test_the_packet_has_one_section_per_ink_signer_in_filing_order_in_their_language():
    record = {"documents": [{"id": "form:0", "first_page": 4, "last_page": 4},
                            {"id": "declaration:d1", "first_page": 7, "last_page": 8}],
              "required": [
                  {"document": "declaration:d1", "signer": "Ana", "kind": "ink", "filing_page": 7, "page": 1,
                   "language": "Spanish"},
                  {"document": "declaration:d1", "signer": "Lucía", "kind": "ink", "filing_page": 8, "page": 2},
                  {"document": "form:0", "signer": "Ana", "kind": "ink", "filing_page": 4, "page": 1},
                  {"document": "form:0", "signer": "Okafor", "kind": "electronic", "filing_page": 4, "page": 1}]}
    found = sections(record)
    assert [(s.copy, s.name, s.language, [d["id"] for d in s.documents]) for s in found] == [
        (1, "Ana", "Spanish", ["form:0", "declaration:d1"]), (2, "Lucía", "English", ["declaration:d1"])]


# --- the page code --------------------------------------------------------------------------------

ids = st.from_regex(r"[A-Za-z0-9_-]{1,40}", fullmatch=True)
kinds = st.sampled_from(["declaration", "translator_certificate", "form", "letter", "service", "cover"])


@given(kind=kinds, ref=ids, page=st.integers(1, 500), extra=st.integers(0, 500), copy=st.integers(0, 99),
       digest=st.from_regex(r"[0-9a-f]{64}", fullmatch=True), a_number=st.from_regex(r"[0-9]{8,9}", fullmatch=True))
def test_a_page_code_reads_back_as_written(kind, ref, page, extra, copy, digest, a_number):
    document = kind if kind in ("letter", "service", "cover") else f"{kind}:{ref}"
    code = codes.PageCode(a_number, document, page, page + extra, copy, digest)
    back = codes.PageCode.parse(code.payload())
    assert back == codes.PageCode(a_number, document, page, page + extra, copy, digest[:codes.HASH_CHARS])


def test_anything_else_is_not_a_page_code():
    for text in ("", "hello", "https://example.com", "PDP2|201234567|L|1/1|1|abc", "PDP1|2012|X:y|1/1|1|abc",
                 "PDP1|201234567|L|one/1|1|abc"):
        try:
            codes.PageCode.parse(text)
        except ValueError:
            continue
        raise AssertionError(f"{text!r} was read as a page code")


def _qr_image(payload: str, px: int = 3) -> Image.Image:
    grid = codes.modules(payload)
    n = len(grid)
    image = Image.new("L", ((n + 8) * px, (n + 8) * px), 255)
    draw = ImageDraw.Draw(image)
    for r, row in enumerate(grid):
        for c, dark in enumerate(row):
            if dark:
                draw.rectangle([(c + 4) * px, (r + 4) * px, (c + 5) * px - 1, (r + 5) * px - 1], fill=0)
    return image


def test_the_qr_modules_zxing_writes_read_back_as_the_payload():
    payload = codes.PageCode("201234567", "translator_certificate:birth_mx", 1, 1, 3, "0123456789abcdef").payload()
    found = zxingcpp.read_barcodes(_qr_image(payload), formats=zxingcpp.BarcodeFormat.QRCode)
    assert [r.text for r in found] == [payload]


def test_the_code_goes_where_the_top_band_is_blank_and_else_the_page_is_shrunk():
    code = codes.PageCode("201234567", "declaration:decl_respondent", 1, 2, 1, "0" * 64)
    blank = Image.new("L", (612, 792), 255)
    assert codes.place(blank, code).label_right is False and codes.place(blank, code).scale == 1
    right_inked = blank.copy()
    ImageDraw.Draw(right_inked).rectangle([400, 20, 600, 40], fill=0)
    left = codes.place(right_inked, code)
    assert left.label_right and left.scale == 1
    assert codes.is_blank(right_inked, left.box(), 792)
    band_inked = blank.copy()
    ImageDraw.Draw(band_inked).rectangle([0, 50, 611, 60], fill=0)
    assert codes.place(band_inked, code).scale < 1


def test_a_signer_is_promised_instructions_only_in_a_language_a_cover_ships_in():
    # the web walk-through: "Nguyễn Thị Lan (instructions in Vietnamese)" on the Signatures page, and the
    # packet's cover was English (only Spanish has its own cover)
    from assembler.sign.view import Signer

    assert Signer(1, "Nguyễn Thị Lan", "Vietnamese").instructions == "English"
    assert Signer(2, "Carlos Mejía", "Spanish").instructions == "Spanish"
