"""Renders of one template converted as one document, split back right."""
from __future__ import annotations

from pathlib import Path

from docx import Document

from assembler.convert import combine
from assembler.documents.render import make_environment, render
from assembler.resources import templates_dir


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
    from docx.oxml import parse_xml
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


import pytest


@pytest.mark.libreoffice
@pytest.mark.parametrize("footer_field", [False, True], ids=["combined", "one-by-one"])
def test_a_tab_page_running_over_two_pages_keeps_the_numbers_right(run, tmp_path, footer_field):
    """Tabs combined into one document, or (a page-numbered footer) converted one by one."""
    import yaml
    from docx.oxml import parse_xml
    from helpers import index_ranges, make_pdf, minimal, page_texts, tab_pages, write_case
    firm = tmp_path / "firm"
    firm.mkdir()
    doc = Document(templates_dir() / "tab.docx")
    if footer_field:
        doc.sections[0].footer.paragraphs[0]._p.append(parse_xml(
            '<w:fldSimple xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" w:instr="PAGE">'
            '<w:r><w:t>1</w:t></w:r></w:fldSimple>'))
    doc.save(firm / "tab.docx")
    (tmp_path / "s.yaml").write_text(yaml.safe_dump({"templates": str(firm)}))
    data = minimal()
    data["exhibits"] = [{"id": f"e{i}", "file": f"e{i}.pdf", "title": "Long title " * (450 if i == 1 else 1)}
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
