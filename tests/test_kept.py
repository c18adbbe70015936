"""Results derived from files, kept between commands (assembler/kept.py): a rebuild redoes no work whose
inputs did not change, and redoes the work whose inputs did.

Each test runs the same work twice as two commands would (the process's own memos cleared in between),
then once more with one input changed, and counts how often the real work ran."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from pypdf import PdfReader, PdfWriter

from assembler import kept
from assembler.convert import cache
from helpers import make_docx, make_pdf


@pytest.fixture
def store(tmp_path, monkeypatch) -> Path:
    where = tmp_path / "cache"
    monkeypatch.setenv(kept.ENV, str(where))
    return where


def counting(monkeypatch, owner, name: str) -> list:
    """Replace owner.name by a wrapper that records each call and calls the real one."""
    calls: list = []
    real = getattr(owner, name)

    def wrapper(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)
    monkeypatch.setattr(owner, name, wrapper)
    return calls


# --- the store --------------------------------------------------------------------------------------

def test_a_result_is_computed_once_kept_in_the_cache_folder_and_cleared_with_it(store):
    calls: list[int] = []

    def compute() -> bytes:
        calls.append(1)
        return b"result"

    first = kept.remember("test", [b"input", "argument"], compute)
    second = kept.remember("test", [b"input", "argument"], compute)
    other = kept.remember("test", [b"input changed", "argument"], compute)
    assert (first, second, other) == (b"result", b"result", b"result")
    assert len(calls) == 2, "the same inputs: computed once; changed inputs: computed again"
    entries = list(store.glob("*.kept"))
    assert len(entries) == 2
    assert all(e.stat().st_mode & 0o777 == 0o600 for e in entries)
    assert cache.info().entries == 2, "counted in the cache's bound and listing"
    cache.clear()
    assert list(store.glob("*.kept")) == []


def test_a_damaged_entry_is_computed_again(store):
    kept.remember("test", [b"x"], lambda: b"the right result")
    [entry] = store.glob("*.kept")
    entry.write_bytes(entry.read_bytes()[:-3])  # truncated, as by a full disk
    assert kept.remember("test", [b"x"], lambda: b"the right result") == b"the right result"
    assert kept.remember("test", [b"x"], lambda: b"not computed") == b"the right result"


def test_off_and_no_cache_compute_every_time(store, monkeypatch):
    kept.remember("test", [b"x"], lambda: b"kept")
    with kept.bypassed():
        assert kept.remember("test", [b"x"], lambda: b"computed") == b"computed"
    monkeypatch.setenv(kept.ENV, "off")
    assert kept.remember("test", [b"x"], lambda: b"computed") == b"computed"


def test_an_entry_is_keyed_on_pdpackets_code(store, monkeypatch):
    kept.remember("test", [b"x"], lambda: b"old code")
    monkeypatch.setattr(kept, "code_identity", lambda: "another version of pdpacket")
    assert kept.remember("test", [b"x"], lambda: b"new code") == b"new code"


# --- the template check -----------------------------------------------------------------------------

def test_the_template_check_runs_again_for_a_changed_template_and_not_for_the_same(store, tmp_path, monkeypatch):
    from assembler.documents import check, choose
    from assembler.vocab import Role

    template = make_docx(tmp_path / "letter.docx", "Dear {{ respondent.family_names }},", "{{ no_such_field }}")
    choices = {Role.letter: choose.Choice(Role.letter, template, "test")}
    calls = counting(monkeypatch, choose, "check_template")

    def a_command() -> list:
        choose._CHECKED.clear()  # what one process remembers
        check._parse_bytes.cache_clear()
        return choose.check_set(choices)

    first = a_command()
    second = a_command()
    assert len(calls) == 1, "the same template: not checked again"
    assert first == second and any(f.is_error and "no_such_field" in f.message for f in second)
    make_docx(template, "Dear {{ respondent.given_names }},")
    third = a_command()
    assert len(calls) == 2, "a changed template is checked again"
    assert not [f for f in third if f.is_error]


def test_a_templates_variables_are_read_again_only_when_it_changed(store, tmp_path, monkeypatch):
    from assembler.documents import check, feeds

    template = make_docx(tmp_path / "letter.docx", "{{ respondent.family_names }} {{ office.name }}")
    memo = check._parse_bytes  # its lru_cache: what one process remembers
    parsed = counting(monkeypatch, check, "_parse_bytes")

    def a_command() -> tuple:
        feeds._PATHS.clear()  # what one process remembers
        memo.cache_clear()
        parsed.clear()
        return check.template_names(template), feeds.template_paths(template)

    first = a_command()
    assert parsed, "the first command parses the template"
    assert a_command() == first and parsed == [], "the same template: not parsed again"
    assert first[0] == {"respondent", "office"} and {"respondent.family_names", "office.name"} <= first[1]
    make_docx(template, "{{ attorney.name }}")
    names, _ = a_command()
    assert names == {"attorney"} and parsed, "a changed template is parsed again"


# --- the schemas ------------------------------------------------------------------------------------

def test_a_schema_is_checked_again_only_when_it_changed(store, monkeypatch):
    import cerberus
    import cerberus.schema

    from assembler import resources
    from assembler.casefile.schema import SchemaCheck

    checks = counting(monkeypatch, cerberus.schema.DefinitionSchema, "_validate")
    schema = resources.load_schema("case")
    wrong = {"respondent": {"given_names": 5}}  # a mapping where text is wanted, and fields missing

    def a_command(s: dict) -> list:
        cerberus.Validator.clear_caches()  # what one process remembers
        checks.clear()
        return SchemaCheck(s).run(wrong, "case.yaml", {})[1]

    first = a_command(schema)
    assert checks, "the first command checks the schema itself"
    second = a_command(schema)
    assert checks == [], "the same schema: not checked again"
    assert second == first and first, "and the case is checked the same"
    changed = {**schema, "extra_field": {"type": "string"}}
    a_command(changed)
    assert checks, "a changed schema is checked again"


def test_a_wrong_schema_is_refused_every_time(store):
    import cerberus

    from assembler.casefile.schema import SchemaCheck

    for _ in range(2):
        cerberus.Validator.clear_caches()
        with pytest.raises(cerberus.SchemaError):
            SchemaCheck({"field": {"type": "no such type"}}).validator  # noqa: B018 - building it is the test


# --- the filing's PDF work ----------------------------------------------------------------------------

def test_the_embedded_font_programs_are_cut_once(store, monkeypatch):
    from fontTools import subset

    from assembler.pdf import substitute

    cuts = counting(monkeypatch, subset.Subsetter, "subset")

    def a_command() -> tuple[bytes, dict]:
        substitute._program.cache_clear()
        return substitute._program("LiberationSans-Regular.ttf")

    first = a_command()
    second = a_command()
    assert len(cuts) == 1, "the same font file: cut once"
    assert second == first and first[1]["widths"][ord("A")] == 667


def test_a_page_rendered_to_look_for_ink_is_rendered_again_only_when_its_pdf_changed(store, tmp_path, monkeypatch):
    import subprocess

    from assembler.pdf import freespace

    pdf = make_pdf(tmp_path / "exhibit.pdf", pages=2)
    runs = counting(monkeypatch, subprocess, "run")
    first = freespace._render(pdf, 0, 1)
    second = freespace._render(pdf, 0, 1)
    assert len(runs) == 1, "the same pages: rendered once"
    assert [(g.width, g.height, g.pixels) for g in second] == [(g.width, g.height, g.pixels) for g in first]
    make_pdf(pdf, pages=2, text="Another exhibit")
    freespace._render(pdf, 0, 1)
    assert len(runs) == 2, "a changed PDF is rendered again"


def _signed(path: Path, stroke_y: int) -> Path:
    from assembler.sign.read import page_pdf

    image = Image.new("L", (int(8.5 * 150), 11 * 150), 255)
    ImageDraw.Draw(image).rectangle((200, stroke_y, 900, stroke_y + 30), fill=0)
    path.write_bytes(page_pdf(image))
    return path


def test_a_signed_scan_is_made_1_bit_again_only_when_it_changed(store, tmp_path, monkeypatch):
    from assembler.pdf import scanned

    make_pdf(tmp_path / "doc.pdf")
    scan = _signed(tmp_path / "signed.pdf", 300)
    coded = counting(monkeypatch, scanned, "one_bit")

    def laid() -> bytes:
        writer = PdfWriter()
        page = writer.add_page(PdfReader(tmp_path / "doc.pdf").pages[0])
        scanned.lay_scan(writer, page, [(scan, None)])
        writer.write(tmp_path / "out.pdf")
        return hashlib.sha256((tmp_path / "out.pdf").read_bytes()).digest()

    first = laid()
    assert laid() == first and len(coded) == 1, "the same scan: coded once, the same page"
    _signed(scan, 900)
    assert laid() != first and len(coded) == 2, "a new scan is coded again"


def test_a_documents_page_texts_are_read_again_only_when_its_pdf_changed(store, tmp_path, monkeypatch):
    from pypdf import PageObject

    from assembler.documents.plan import Part
    from assembler.documents.signers import pdf_page_texts
    from assembler.vocab import PartKind

    pdf = make_pdf(tmp_path / "letter.pdf", pages=3, text="Letter")
    part = Part(PartKind.letter, "letter", pdf=pdf, offset=1, pages=2)
    reads = counting(monkeypatch, PageObject, "extract_text")
    first = pdf_page_texts()(part)
    second = pdf_page_texts()(part)  # another command's
    assert [t.strip() for t in first] == ["Letter page 2", "Letter page 3"]
    assert second == first and len(reads) == 2
    make_pdf(pdf, pages=3, text="Changed letter")
    assert [t.strip() for t in pdf_page_texts()(part)] == ["Changed letter page 2", "Changed letter page 3"]
    assert len(reads) == 4


# --- rendering ----------------------------------------------------------------------------------------

def test_a_document_is_rendered_again_only_when_its_template_or_context_changed(store, tmp_path, monkeypatch):
    from markupsafe import Markup

    from assembler.documents import render as rendering

    template = make_docx(tmp_path / "letter.docx", "Dear {{ name }}, see {{ 'lease'|tab }}.")
    loads = counting(monkeypatch, rendering, "load_template")
    env = rendering.make_environment({"lease": "K"})

    def rendered(context: dict, title: str = "Letter", env=env) -> bytes:
        out = tmp_path / "out.docx"
        rendering.render(template, context, env, out, title, "An Attorney")
        return out.read_bytes()

    first = rendered({"name": "Ana"})
    assert rendered({"name": "Ana"}) == first and len(loads) == 1, "the same inputs: rendered once, same bytes"
    assert rendered({"name": "Ana", "court": {"city": "Newark"}}) == first and len(loads) == 1, \
        "a change in what the template does not read: not rendered again"
    rendered({"name": "Bea"})
    rendered({"name": "Ana"}, title="Another title")
    rendered({"name": "Ana"}, env=rendering.make_environment({"lease": "L"}))  # the tabs the filters cite
    assert len(loads) == 4, "another context, title or tab letter: rendered again"
    make_docx(template, "Dear {{ name }}.")
    rendered({"name": "Ana"})
    assert len(loads) == 5, "a changed template: rendered again"
    rendered({"name": Markup("<b>Ana</b>")})
    rendered({"name": Markup("<b>Ana</b>")})
    assert len(loads) == 7, "a context of other than plain data is rendered every time"


def test_what_fed_a_render_is_written_into_it_again_only_when_it_changed(store, tmp_path, monkeypatch):
    import zipfile

    from assembler.documents import edits
    from assembler.documents.feeds import Record

    source = make_docx(tmp_path / "render.docx", "Dear Ana,").read_bytes()
    opened = counting(monkeypatch, zipfile, "ZipFile")

    def recorded(record: Record) -> bytes:
        copy = tmp_path / "copy.docx"
        copy.write_bytes(source)  # each build renders it anew
        edits.record_input(copy, record)
        return copy.read_bytes()

    first = recorded(Record(used={"respondent.given_names": "h1"}, shown={"respondent.given_names": "Ana"}))
    rewritten = len(opened)
    again = recorded(Record(used={"respondent.given_names": "h1"}, shown={"respondent.given_names": "Ana"}))
    assert again == first and len(opened) == rewritten, "the same document and record: not rewritten"
    other = recorded(Record(used={"respondent.given_names": "h2"}, shown={"respondent.given_names": "Bea"}))
    assert other != first and len(opened) > rewritten
    assert b"Bea" in zipfile.ZipFile(tmp_path / "copy.docx").read("docProps/custom.xml")


def test_a_form_is_filled_again_only_when_its_file_or_values_changed(store, tmp_path, monkeypatch):
    from assembler.pdf import forms

    form = tmp_path / "g28.pdf"
    form.write_bytes((Path(__file__).parent.parent / "samples" / "g28-stand-in.pdf").read_bytes())
    flattened = counting(monkeypatch, forms, "flatten")

    def filled(values: dict) -> bytes:
        out = tmp_path / "filled.pdf"
        notices: list[str] = []
        forms.fill_and_flatten(form, values, out, "Form G-28", notices)
        assert notices == []
        return out.read_bytes()

    first = filled({"Attorney_Name": "Daniel Okafor"})
    assert filled({"Attorney_Name": "Daniel Okafor"}) == first and len(flattened) == 1
    assert filled({"Attorney_Name": "Another Attorney"}) != first and len(flattened) == 2
    assert "Another Attorney" in PdfReader(tmp_path / "filled.pdf").pages[0].extract_text()


def test_what_tesseract_says_is_asked_again_only_when_it_or_its_language_data_changed(store, tmp_path, monkeypatch):
    import os

    from assembler.convert import ocr

    bin_dir, data = tmp_path / "bin", tmp_path / "tessdata"
    bin_dir.mkdir()
    data.mkdir()
    (data / "eng.traineddata").write_bytes(b"eng")
    asked = tmp_path / "asked.txt"
    fake = bin_dir / "tesseract"

    def install(version: str) -> None:
        fake.write_text(f'#!/bin/sh\necho "$1" >> {asked}\nif [ "$1" = --version ]; then echo "tesseract {version}"; '
                        'else echo "List of available languages (2):"; ls "$TESSDATA_PREFIX" | sed "s/.traineddata//"; fi\n')
        fake.chmod(0o755)
    install("5.3.0")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("TESSDATA_PREFIX", str(data))

    def a_command() -> tuple[frozenset, str]:
        ocr.tesseract_languages.cache_clear()  # what one process remembers
        ocr.tools_identity.cache_clear()
        kept.program.cache_clear()
        asked.unlink(missing_ok=True)
        return ocr.tesseract_languages(), ocr.tools_identity()

    first = a_command()
    assert first[0] == {"eng"} and "tesseract 5.3.0" in first[1]
    assert asked.read_text().split() == ["--list-langs", "--version"]
    assert a_command() == first and not asked.exists(), "asked again with nothing changed"
    (data / "spa.traineddata").write_bytes(b"spa")
    assert a_command()[0] == {"eng", "spa"}, "new language data: asked again"
    install("5.4.1")
    assert "tesseract 5.4.1" in a_command()[1], "another Tesseract: asked again"


def test_a_photo_is_made_a_pdf_again_only_when_it_changed(store, tmp_path, monkeypatch):
    import img2pdf

    from assembler.convert import exhibits

    converts = counting(monkeypatch, img2pdf, "convert")
    photo = tmp_path / "photo.jpg"
    Image.new("RGB", (300, 400), (200, 180, 160)).save(photo, format="JPEG")
    first = exhibits.image_to_pdf(photo, tmp_path / "first.pdf", "exhibit photo").read_bytes()
    again = exhibits.image_to_pdf(photo, tmp_path / "again.pdf", "exhibit photo").read_bytes()
    assert len(converts) == 1, "the same photo: made a PDF once"
    assert again == first and len(PdfReader(tmp_path / "again.pdf").pages) == 1
    Image.new("RGB", (300, 400), (10, 20, 30)).save(photo, format="JPEG")
    changed = exhibits.image_to_pdf(photo, tmp_path / "changed.pdf", "exhibit photo").read_bytes()
    assert len(converts) == 2 and changed != first, "a changed photo: made again"


def test_the_names_a_template_reads_are_found_once_a_process_and_again_when_its_bytes_change(tmp_path, monkeypatch):
    # The approval's key and the staleness check read every template of a case, again at every command and
    # page, with the cache of converted PDFs off too: the names are kept by the template's bytes.
    from docxtpl import DocxTemplate

    from assembler.documents import render

    opened = counting(monkeypatch, DocxTemplate, "init_docx")
    template = make_docx(tmp_path / "letter.docx", "{{ respondent.family_names }} {{ office.name }}")
    first = render.names_read(template)
    assert first == ["office", "respondent"]
    first.append("changed by a caller")
    assert render.names_read(template) == ["office", "respondent"]
    assert len(opened) == 1
    make_docx(template, "{{ attorney.name }}")
    assert render.names_read(template) == ["attorney"]
    assert len(opened) == 2
