"""Renders of one template converted as one document, split back right."""
from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
import yaml
from docx import Document
from docx.oxml import parse_xml
from lxml import etree
from pypdf import PdfWriter

from assembler.convert import combine
from assembler.documents.render import make_environment, render
from assembler.resources import templates_dir
from helpers import index_ranges, make_pdf, minimal, page_texts, tab_pages, write_case


def _renders(tmp_path: Path, template: Path, contexts: list[dict]) -> list[Path]:
    env = make_environment({})
    return [render(template, ctx, env, tmp_path / f"r{i}.docx", "T", "A", compress=False)
            for i, ctx in enumerate(contexts)]


def test_tab_pages_are_combinable(tmp_path):
    docs = _renders(tmp_path, templates_dir() / "tab.docx",
                    [{"tab": {"letter": l, "title": f"Title {l}"}} for l in "ABC"])
    assert combine.combinable(docs)


def test_a_numbered_list_prevents_combining(tmp_path):
    doc = Document()
    doc.add_paragraph("{{ x }}", style="List Number")
    doc.save(tmp_path / "numbered.docx")
    docs = _renders(tmp_path, tmp_path / "numbered.docx", [{"x": "1"}, {"x": "2"}])
    assert not combine.combinable(docs)


def test_a_bulleted_list_does_not_prevent_combining(tmp_path):
    doc = Document()
    doc.add_paragraph("{{ x }}", style="List Bullet")
    doc.save(tmp_path / "bullets.docx")
    assert combine.combinable(_renders(tmp_path, tmp_path / "bullets.docx", [{"x": "1"}, {"x": "2"}]))


def test_a_page_number_in_the_footer_prevents_combining(tmp_path):
    doc = Document()
    doc.add_paragraph("{{ x }}")
    footer = doc.sections[0].footer.paragraphs[0]
    footer._p.append(parse_xml('<w:fldSimple xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
                               'w:instr="PAGE"><w:r><w:t>1</w:t></w:r></w:fldSimple>'))
    doc.save(tmp_path / "paged.docx")
    assert not combine.combinable(_renders(tmp_path, tmp_path / "paged.docx", [{"x": "1"}, {"x": "2"}]))


def test_renders_that_differ_outside_the_body_are_not_combined(tmp_path):
    doc = Document()
    doc.add_paragraph("{{ x }}")
    doc.sections[0].header.paragraphs[0].text = "{{ x }}"
    doc.save(tmp_path / "header.docx")
    assert not combine.combinable(_renders(tmp_path, tmp_path / "header.docx", [{"x": "1"}, {"x": "2"}]))


@pytest.mark.libreoffice
def test_declarations_recording_what_fed_them_are_still_combined(tmp_path, monkeypatch, sample1_build):
    # Each kept document records the case data that fed it (docProps/custom.xml, for edited
    # copies); that record differs per declaration and changes no page, so it must not stop
    # a case's declarations from going to LibreOffice as one document.
    import shutil

    from assembler.api import build
    from assembler.convert.renders import LibreOffice
    from helpers import SAMPLES, copy_firm_settings

    copy_firm_settings(tmp_path / "cases")
    case = shutil.copytree(SAMPLES / "1-garcia-lopez", tmp_path / "cases" / "1-garcia-lopez")
    jobs = []
    real = LibreOffice.convert

    def spy(self, batch, *args, **kwargs):
        jobs.extend(j.label for j in batch)
        return real(self, batch, *args, **kwargs)

    monkeypatch.setattr(LibreOffice, "convert", spy)
    result = build(case, tmp_path / "out")
    assert "4 documents made from template declaration.docx" in jobs
    assert not [j for j in jobs if j.startswith("the declaration ")]
    texts = page_texts(result.filing)
    assert sum("I declare under penalty of perjury" in t for t in texts) == 4
    assert result.pages == sample1_build.result.pages  # the same filing as an ordinary build's


def test_a_single_render_is_not_combined(tmp_path):
    docs = _renders(tmp_path, templates_dir() / "tab.docx", [{"tab": {"letter": "A", "title": "T"}}])
    assert not combine.combinable(docs)


# --- finding each render's pages in the combined PDF -----------------------------------

def _marked_pdf(path: Path, pages: int, marks: dict[str, int]) -> Path:
    """A PDF with the named destinations LibreOffice makes of bookmarks: name -> 0-based page."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(612, 792)
    for name, page in marks.items():
        writer.add_named_destination(name, page)
    with open(path, "wb") as fh:
        writer.write(fh)
    return path


def test_the_combined_document_marks_where_each_render_starts(tmp_path):
    docs = _renders(tmp_path, templates_dir() / "tab.docx",
                    [{"tab": {"letter": l, "title": f"Title {l}"}} for l in "ABC"])
    combined = combine.combine(docs, tmp_path / "combined.docx")
    body = etree.fromstring(zipfile.ZipFile(combined).read("word/document.xml"))
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    names = [b.get(f"{w}name") for b in body.iter(f"{w}bookmarkStart")]
    assert names == ["pdpkpart0", "pdpkpart1", "pdpkpart2"]
    # each render after the first begins a new section: two section breaks inside the body
    assert len(list(body.iter(f"{w}sectPr"))) == 3
    text = "".join(t.text or "" for t in body.iter(f"{w}t"))
    assert text.index("Title A") < text.index("Title B") < text.index("Title C")
    # the PDF LibreOffice makes of it carries those bookmarks as destinations; split reads them back
    pdf = _marked_pdf(tmp_path / "combined.pdf", 4, {names[0]: 0, names[1]: 1, names[2]: 3})
    assert combine.split(pdf, 3) == [(0, 1), (1, 2), (3, 1)]


def test_split_gives_each_render_its_first_page_and_page_count(tmp_path):
    pdf = _marked_pdf(tmp_path / "c.pdf", 6, {"pdpkpart0": 0, "pdpkpart1": 2, "pdpkpart2": 3, "Heading": 1})
    assert combine.split(pdf, 3) == [(0, 2), (2, 1), (3, 3)]


@pytest.mark.parametrize("marks, count", [
    ({"pdpkpart0": 0, "pdpkpart2": 3}, 3),                   # a render's mark is missing
    ({"pdpkpart0": 0, "pdpkpart1": 3, "pdpkpart2": 2}, 3),   # out of order
    ({"pdpkpart0": 0, "pdpkpart1": 2, "pdpkpart2": 2}, 3),   # two renders on one page
    ({"pdpkpart0": 1, "pdpkpart1": 2}, 2),                   # the first render does not start the PDF
    ({"pdpkpart0": 0, "pdpkpart1": 2, "pdpkpart2": 3}, 2),   # more marks than renders
    ({}, 2),                                                 # no marks at all
], ids=["missing", "out-of-order", "same-page", "not-at-start", "extra", "none"])
def test_split_gives_up_when_the_marks_do_not_line_up(tmp_path, marks, count):
    assert combine.split(_marked_pdf(tmp_path / "c.pdf", 5, marks), count) is None


@pytest.mark.libreoffice
@pytest.mark.parametrize("footer_field", [False, True], ids=["combined", "one-by-one"])
def test_a_tab_page_running_over_two_pages_keeps_the_numbers_right(run, tmp_path, footer_field):
    """Tabs combined into one document, or (a page-numbered footer) converted one by one."""
    firm = tmp_path / "firm"
    firm.mkdir()
    doc = Document(templates_dir() / "tab.docx")
    if footer_field:
        doc.sections[0].footer.paragraphs[0]._p.append(parse_xml(
            '<w:fldSimple xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" w:instr="PAGE">'
            '<w:r><w:t>1</w:t></w:r></w:fldSimple>'))
    # A large title (a firm's design): tab B's long title runs over more than a page. Titles are at
    # most 1,000 characters (casefile/limits.py), so the size does what 4,950 characters once did.
    from docx.shared import Pt
    doc.paragraphs[-1].runs[0].font.size = Pt(40)
    doc.save(firm / "tab.docx")
    (tmp_path / "s.yaml").write_text(yaml.safe_dump({"templates": str(firm)}))
    data = minimal()
    data["exhibits"] = [{"id": f"e{i}", "file": f"e{i}.pdf", "title": "Long title " * (90 if i == 1 else 1)}
                        for i in range(3)]
    folder = write_case(tmp_path / "c", data)
    for i in range(3):
        make_pdf(folder / f"e{i}.pdf", pages=i + 1, text=f"Exhibit {i}")
    result = run("build", "--settings", tmp_path / "s.yaml", folder, "-o", tmp_path / "out")
    assert result.code == 0, result.err
    texts = page_texts(next((tmp_path / "out").glob("*.pdf")))
    printed, real = index_ranges(texts), tab_pages(texts)
    assert printed["A"][0] == real["A"] and printed["B"][0] == real["B"] and printed["C"][0] == real["C"]
    assert printed["A"][1] == real["B"] - 1 and printed["B"][1] == real["C"] - 1
    assert real["C"] - real["B"] >= 4  # tab B's page ran over, then its 2-page exhibit


def test_renders_of_one_template_start_from_clean_copies(tmp_path):
    # Renders copy one parsed template (documents/render.py): no render may see another's text.
    from docx import Document as Open
    docs = _renders(tmp_path, templates_dir() / "tab.docx",
                    [{"tab": {"letter": letter, "title": f"Title {letter}"}} for letter in "ABC"])
    texts = ["\n".join(p.text for p in Open(d).paragraphs) for d in docs]
    for letter, text in zip("ABC", texts, strict=True):
        assert f"Title {letter}" in text
        assert not [o for o in "ABC" if o != letter and f"Title {o}" in text]
