"""Templates attorneys own: firm sets, listing, export, variables, the check."""
from __future__ import annotations

import hashlib
import json
import subprocess
import zipfile
from pathlib import Path

import pytest
import yaml
from docx import Document
from pypdf import PdfReader

from assembler.errors import ExitCode
from assembler.resources import load_schema, templates_dir
from helpers import approve_case, make_docx, minimal, page_texts, write_case


def _settings(tmp_path: Path, **data) -> Path:
    path = tmp_path / "settings.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


# --- the check -------------------------------------------------------------------

def test_the_default_templates_pass_the_check(run):
    result = run("templates", "check", templates_dir())
    assert result.code == 0, result.err
    assert "templates OK" in result.out


def test_a_misspelled_nested_variable_gets_a_did_you_mean(run, tmp_path):
    make_docx(tmp_path / "t" / "letter.docx", "Dear {{ respondent.adress }}, {{ office.nmae }}")
    result = run("templates", "check", tmp_path / "t")
    assert result.code == ExitCode.template_error
    assert "letter.docx: 'respondent.adress' does not exist: did you mean 'respondent.address'?" in result.err
    assert "'office.nmae' does not exist: did you mean 'office.name'?" in result.err


def test_loop_variables_are_checked_against_the_list_items(run, tmp_path):
    make_docx(tmp_path / "t" / "letter.docx", "{%p for f in request.favorable_factors %}",
         "{{ f.title }}: {{ f.txt }} ({{ loop.index }})", "{%p endfor %}", "{{ custom.anything.at.all }}")
    result = run("templates", "check", tmp_path / "t")
    assert "'f.txt' does not exist: did you mean 'f.text'?" in result.err
    assert "custom" not in result.err and "loop" not in result.err


def test_a_syntax_error_names_the_template_and_the_paragraph(run, tmp_path):
    make_docx(tmp_path / "t" / "declaration.docx", "Intro", "{% if declaration.interpreter %} no end here")
    result = run("templates", "check", tmp_path / "t")
    assert result.code == ExitCode.template_error
    assert "declaration.docx: Unexpected end of template" in result.err
    assert "no end here" in result.err


def test_an_unknown_filter(run, tmp_path):
    make_docx(tmp_path / "t" / "tab.docx", "{{ tab.title|shout }}")
    assert "No filter named 'shout'" in run("templates", "check", tmp_path / "t").err


def test_curly_quotes_inside_tags_are_repaired_and_reported(run, tmp_path):
    make_docx(tmp_path / "t" / "letter.docx", "{{ attorney.name ~ “, counsel” }}")
    result = run("templates", "check", tmp_path / "t")
    assert result.code == 0
    assert "warning: curly quotes inside the tag" in result.err


@pytest.mark.libreoffice
def test_curly_quotes_render_as_straight_quotes_in_a_build(run, tmp_path):
    make_docx(tmp_path / "firm" / "letter.docx", "Counsel: {{ “Solo practice” if not attorney.firm }}")
    settings = _settings(tmp_path, templates=str(tmp_path / "firm"))
    result = run("build", "--settings", settings, write_case(tmp_path / "c"), "-o", tmp_path / "out")
    assert result.code == 0, result.err
    assert "Counsel: Solo practice" in page_texts(next((tmp_path / "out").glob("*.pdf")))[0]
    assert "curly quotes" in result.err  # the build shows the warning too


def test_a_paragraph_tag_sharing_its_paragraph(run, tmp_path):
    make_docx(tmp_path / "t" / "letter.docx", "{%p if respondent.detained %} Detained.", "{%p endif %}")
    result = run("templates", "check", tmp_path / "t")
    assert result.code == ExitCode.template_error
    assert "the paragraph tag '{%p if respondent.detained %}' shares its paragraph with other text" in result.err


def test_a_row_tag_sharing_its_row(run, tmp_path):
    doc = Document()
    table = doc.add_table(rows=3, cols=2)
    table.cell(0, 0).text = "{%tr for entry in index %}"
    table.cell(0, 1).text = "stray"
    table.cell(1, 0).text = "{{ entry.tab }}"
    table.cell(2, 0).text = "{%tr endfor %}"
    (tmp_path / "t").mkdir()
    doc.save(tmp_path / "t" / "index.docx")
    result = run("templates", "check", tmp_path / "t")
    assert "the row tag '{%tr for entry in index %}' shares its table row with other text" in result.err


def test_a_variable_of_another_role(run, tmp_path):
    make_docx(tmp_path / "t" / "letter.docx", "{{ declaration.declarant }}")
    assert "'declaration' exists only in the declaration template" in run("templates", "check", tmp_path / "t").err


def test_build_refuses_a_broken_firm_template_before_rendering_anything(run, tmp_path):
    make_docx(tmp_path / "firm" / "declaration.docx", "{{ declaration.declarnt }}")
    settings = _settings(tmp_path, templates=str(tmp_path / "firm"))
    out = tmp_path / "out"
    result = run("build", "--settings", settings, write_case(tmp_path / "c"), "-o", out)
    assert result.code == ExitCode.template_error
    assert "declaration.docx: 'declaration.declarnt' does not exist: did you mean 'declaration.declarant'?" \
        in result.err
    assert not out.exists() or not any(out.iterdir())


# --- sets ------------------------------------------------------------------------

@pytest.mark.libreoffice
def test_a_firm_folder_overrides_one_role_and_the_manifest_records_it(run, tmp_path):
    firm = tmp_path / "firm"
    make_docx(firm / "certificate_of_service.docx", "FIRM CERTIFICATE OF SERVICE",
         "Served by {{ service.served_by }} on {{ service.date|longdate }}; matter {{ custom.matter_number }}.")
    data = minimal()
    data["custom"] = {"matter_number": "2026-0142"}
    settings = _settings(tmp_path, templates=str(firm))
    listing = run("templates", "list", "--settings", settings)
    assert f"certificate_of_service   firm (settings)    {firm / 'certificate_of_service.docx'}" in listing.out
    assert "letter                   default" in listing.out
    result = run("build", "--settings", settings, write_case(tmp_path / "c", data), "-o", tmp_path / "out")
    assert result.code == 0, result.err
    texts = page_texts(next((tmp_path / "out").glob("*.pdf")))
    assert "FIRM CERTIFICATE OF SERVICE" in texts[-1] and "matter 2026-0142" in texts[-1]
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["templates"]["certificate_of_service"]["source"] == "firm (settings)"
    assert manifest["templates"]["letter"]["source"] == "default"
    service = manifest["sections"][-1]["parts"][0]
    assert service["template"] == str(firm / "certificate_of_service.docx")


@pytest.mark.libreoffice
def test_a_case_names_its_template_set(run, tmp_path):
    asylum = tmp_path / "asylum-set"
    make_docx(asylum / "letter.docx", "ASYLUM SET LETTER for {{ respondent.full_name }}")
    settings = _settings(tmp_path, template_sets={"asylum": str(asylum)})
    data = minimal(template_set="asylum")
    result = run("build", "--settings", settings, write_case(tmp_path / "c", data), "-o", tmp_path / "out")
    assert result.code == 0, result.err
    assert "ASYLUM SET LETTER for Tenzin" in page_texts(next((tmp_path / "out").glob("*.pdf")))[0]
    listing = run("templates", "list", "--settings", settings, "--case", tmp_path / "c")
    assert "case set 'asylum'" in listing.out


def test_an_unknown_template_set_is_a_validation_error(run, tmp_path):
    settings = _settings(tmp_path, template_sets={"asylum": str(tmp_path)})
    result = run("validate", "--settings", settings, write_case(tmp_path / "c", minimal(template_set="asylm")))
    assert result.code == ExitCode.invalid_case
    assert "template_set: 'asylm' is not a template set: did you mean 'asylum'?" in result.err


def test_templates_option_overrides_the_firm_folder(run, tmp_path):
    make_docx(tmp_path / "firm" / "tab.docx", "FIRM TAB {{ tab.letter }}")
    make_docx(tmp_path / "run" / "tab.docx", "RUN TAB {{ tab.letter }}")
    settings = _settings(tmp_path, templates=str(tmp_path / "firm"))
    listing = run("templates", "list", "--settings", settings, "--templates", tmp_path / "run")
    assert f"tab                      --templates        {tmp_path / 'run' / 'tab.docx'}" in listing.out


def test_export_copies_the_defaults_and_refuses_to_overwrite(run, tmp_path):
    result = run("templates", "export", tmp_path / "mine")
    assert result.code == 0
    names = sorted(p.name for p in (tmp_path / "mine").iterdir())
    assert names == sorted(p.name for p in templates_dir().glob("*.docx"))
    again = run("templates", "export", tmp_path / "mine")
    assert again.code == ExitCode.template_error and "already exists" in again.err
    assert run("templates", "export", tmp_path / "mine", "--force").code == 0


def test_vars_lists_every_schema_field_and_the_filters(run):
    out = run("templates", "vars").out
    listed = {line.split()[0] for line in out.splitlines() if line.startswith("  ")}

    def paths(schema, prefix=""):
        for key, rules in schema.items():
            path = f"{prefix}.{key}" if prefix else key
            yield path
            if rules.get("type") == "dict" and isinstance(rules.get("schema"), dict):
                yield from paths(rules["schema"], path)
            if rules.get("type") == "list" and isinstance(rules.get("schema"), dict):
                item = rules["schema"]
                yield f"{path}[]"
                if item.get("type") == "dict":
                    yield from paths(item["schema"], f"{path}[]")

    missing = [p for p in paths(load_schema("case")) if p not in listed]
    assert missing == []
    for derived in ("respondent.full_name", "declaration.signed_in_us", "index[].pages", "tab.letter"):
        assert derived in listed
    for name in ("longdate", "a_number", "lines", "paragraphs", "cite"):
        assert name in listed


# --- LibreOffice-saved templates ---------------------------------------------------

@pytest.mark.libreoffice
def test_a_template_saved_by_libreoffice_writer_works(run, tmp_path):
    firm = tmp_path / "firm"
    firm.mkdir()
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'p').as_uri()}", "--headless",
                    "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(firm),
                    str(templates_dir() / "declaration.docx")], check=True, capture_output=True, timeout=120)
    assert run("templates", "check", firm).code == 0
    data = minimal()
    data["declarations"] = [{"id": "d1", "declarant": "Ana Smith & Co", "relationship": "friend",
                             "paragraphs": ["I know him."],
                             "signed": {"city": "Paris", "country": "France", "date": "2026-11-20"}}]
    settings = _settings(tmp_path, templates=str(firm))
    result = run("build", "--settings", settings, write_case(tmp_path / "c", data), "-o", tmp_path / "out")
    assert result.code == 0, result.err
    text = " ".join(page_texts(next((tmp_path / "out").glob("*.pdf"))))
    assert "DECLARATION OF ANA SMITH & CO" in text and "under the laws of the United States of America" in text


@pytest.mark.libreoffice
def test_a_template_with_the_transitional_core_properties_relationship(run, tmp_path):
    """Such files make python-docx add a second docProps/core.xml, which Word calls corrupt."""
    firm = tmp_path / "firm"
    firm.mkdir()
    src = zipfile.ZipFile(templates_dir() / "letter.docx")
    with zipfile.ZipFile(firm / "letter.docx", "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "_rels/.rels":
                data = data.replace(b"package/2006/relationships/metadata/core-properties",
                                    b"officedocument/2006/relationships/metadata/core-properties")
            dst.writestr(item, data)
    before = hashlib.sha256((firm / "letter.docx").read_bytes()).hexdigest()
    settings = _settings(tmp_path, templates=str(firm))
    result = run("build", "--settings", settings, write_case(tmp_path / "c"), "-o", tmp_path / "out")
    assert result.code == 0, result.err
    names = zipfile.ZipFile(tmp_path / "out" / "docx" / "01-request-letter.docx").namelist()
    assert names.count("docProps/core.xml") == 1
    # the build reads the firm's template and never writes to it
    assert hashlib.sha256((firm / "letter.docx").read_bytes()).hexdigest() == before


# --- what attorneys put in templates ----------------------------------------------

@pytest.mark.libreoffice
def test_a_signature_image_and_multi_paragraph_text(run, tmp_path):
    from PIL import Image, ImageDraw
    folder = tmp_path / "c"
    data = minimal()
    data["attorney"]["signature"] = {"image": "sig.png"}
    # As a person writes it (PyYAML would dump the line break inside a paragraph as a blank
    # line in a quoted scalar, which a reader takes for a new paragraph: see test_paragraphs).
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False).replace(
        "facts: F.", "facts: |\n    First paragraph.\n\n    Second paragraph,\n    continued.")
    write_case(folder, text=text)
    img = Image.new("RGB", (400, 120), "white")
    ImageDraw.Draw(img).line([(10, 100), (390, 20)], fill="black", width=6)
    img.save(folder / "sig.png")
    result = run("build", folder, "-o", tmp_path / "draft")
    assert result.code == 0, result.err
    draft = PdfReader(next((tmp_path / "draft").glob("*.pdf")))
    assert not any(p.images for p in draft.pages[:2])  # a signature is the attorney's act: none in a draft
    approve_case(folder)  # as `pdpacket approve` does (test_approval.py)
    result = run("build", folder, "-o", tmp_path / "out")
    assert result.code == 0, result.err
    reader = PdfReader(next((tmp_path / "out").glob("*.pdf")))
    letter_pages = [p for p in reader.pages[:2]]
    assert any(p.images for p in letter_pages)
    text = " ".join(p.extract_text() for p in letter_pages)
    assert "First paragraph.\nSecond paragraph, continued." in text
