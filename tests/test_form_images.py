"""A form signed on paper and scanned as a photo or image (JPEG, PNG, TIFF, HEIC), not a PDF (issue 26: the web
walk's G-28 came back as `g28-signed-scan.jpg`, and the Forms card said "use .pdf"). It goes into the filing as an
image exhibit does (the same downsampling, a page per TIFF frame), right after the letter like any form; a scan
cannot be filled, so a fill mapping on one is an error."""
from __future__ import annotations

import html
import json
import re

import pytest
import yaml
from PIL import Image
from pypdf import PdfReader

from assembler.errors import ExitCode
from helpers import make_docx, make_pdf, minimal, page_texts, write_case
from test_web_http import cases, client, csrf, form_of, upload  # noqa: F401 (cases: a fixture)


def scan(path, size=(850, 1100), frames=1):
    """A page-shaped picture: a JPEG photo of a signed form, or a TIFF with one frame a page."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pages = [Image.new("RGB", size, (250 - 40 * n, 250, 240)) for n in range(frames)]
    if path.suffix == ".jpg":
        pages[0].save(path, quality=80)
    else:
        pages[0].save(path, save_all=True, append_images=pages[1:], compression="tiff_lzw")
    return path


def scanned_form_case(tmp_path, forms, files=("forms/g28.jpg",)):
    folder = tmp_path / "c"
    for name in files:
        scan(folder / name)
    data = minimal()
    data["forms"] = forms
    return write_case(folder, data)


# --- validate --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["forms/g28.jpg", "forms/g28.png", "forms/g28.tif"])
def test_a_form_given_as_an_image_without_a_fill_is_valid(run, tmp_path, name):
    folder = scanned_form_case(tmp_path, [{"kind": "g28", "file": name}], files=(name,))
    result = run("validate", folder)
    assert result.code == 0, result.err
    assert "forms[0]" not in result.err and "no Form G-28" not in result.err


def test_a_fill_mapping_on_an_image_form_is_one_error_naming_the_field(run, tmp_path):
    folder = scanned_form_case(tmp_path, [{"kind": "g28", "file": "forms/g28.jpg",
                                           "fill": {"FamilyName": "{{ respondent.family_names }}"}}])
    result = run("validate", folder)
    assert result.code == ExitCode.invalid_case
    lines = [line for line in result.err.splitlines() if "forms[0]" in line]
    assert len(lines) == 1, result.err
    assert "forms[0].fill: Form G-28 (forms/g28.jpg) is a picture (a scan or a photo), which has no fields to " \
           "fill: remove its fill mapping, or name the fillable PDF form instead" in lines[0]


def test_a_firms_form_given_as_an_image_with_a_fill_mapping_names_the_settings(run, tmp_path):
    scan(tmp_path / "firm" / "g28.jpg")
    settings = tmp_path / "firm" / "settings.yaml"
    settings.write_text(yaml.safe_dump({"forms": {"g28": {"file": "g28.jpg",
                                                          "fill": {"FamilyName": "{{ respondent.family_names }}"}}}}))
    data = minimal()
    data["forms"] = [{"kind": "g28"}]
    result = run("validate", write_case(tmp_path / "c", data), "--settings", settings)
    assert result.code == ExitCode.invalid_case
    assert "forms[0]: Form G-28 (g28.jpg) is a picture (a scan or a photo), which has no fields to fill: remove its " \
           f"fill mapping (forms.g28.fill in {settings})" in result.err


def test_a_form_in_a_word_file_is_still_refused(run, tmp_path):
    folder = tmp_path / "c"
    make_docx(folder / "forms" / "g28.docx", "Form G-28")
    data = minimal()
    data["forms"] = [{"kind": "g28", "file": "forms/g28.docx"}]
    result = run("validate", write_case(folder, data))
    assert result.code == ExitCode.invalid_case
    assert "forms[0].file: 'forms/g28.docx' is not a supported kind of file: use .heic, .heif, .jpeg, .jpg, .pdf, " \
           ".png, .tif, .tiff" in result.err


def test_forms_fields_on_an_image_says_it_is_a_scan_without_fields(run, tmp_path):
    picture = scan(tmp_path / "g28-signed-scan.jpg")
    result = run("forms", "fields", picture)
    assert result.code == 0, result.err
    assert f"{picture}: no form fields (a picture: a scan or a photo of a form, which goes into the filing as it " \
           "is, a page per picture)" in result.err
    assert result.out == ""


# --- in the filing ---------------------------------------------------------------------------

@pytest.mark.libreoffice
def test_a_scanned_form_lands_right_after_the_letter_as_an_image_exhibit_would(run, tmp_path):
    folder = tmp_path / "c"
    scan(folder / "forms" / "g28.jpg", size=(3400, 4400))  # 400 dpi on Letter: downsampled as an exhibit is
    scan(folder / "forms" / "eoir28.tif", frames=2)  # a page per frame
    make_pdf(folder / "exhibits" / "lease.pdf", text="Lease")
    data = minimal()
    data["forms"] = [{"kind": "g28", "file": "forms/g28.jpg"}, {"kind": "eoir28", "file": "forms/eoir28.tif"}]
    data["exhibits"] = [{"id": "lease", "file": "exhibits/lease.pdf", "title": "Lease"}]
    write_case(folder, data)
    first = run("build", folder, "-o", tmp_path / "out")
    assert first.code == 0, first.err
    [filing] = (tmp_path / "out").glob("*.pdf")
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    keys = [s["key"] for s in manifest["sections"]]
    assert keys[:4] == ["letter", "form:0", "form:1", "index"]
    g28, eoir28 = manifest["sections"][1], manifest["sections"][2]
    assert g28["tab"] is None and g28["parts"][0]["kind"] == "form"
    assert g28["first_page"] == manifest["sections"][0]["last_page"] + 1 == g28["last_page"]
    assert eoir28["last_page"] - eoir28["first_page"] == 1  # two frames, two pages
    assert manifest["filing"]["images_downsampled"] >= 1  # the 400-dpi photo, to images.dpi
    # pictures without words: read as a scanned form's pages are (OCR finds nothing on them), not searchable
    assert manifest["filing"]["searchable_pages"] == manifest["filing"]["pages"] - 3
    pages = PdfReader(filing).pages
    form_page = pages[g28["first_page"] - 1]
    assert form_page["/Resources"]["/XObject"]  # the picture, on a page of its own
    index = page_texts(filing)[manifest["sections"][3]["first_page"] - 1]
    assert "Form G-28, Notice of Entry of Appearance" in index and "Form EOIR-28" in index
    assert "Lease" in index
    assert "not a supported kind" not in first.err
    earlier = filing.read_bytes()
    again = run("build", folder, "-o", tmp_path / "again")
    assert again.code == 0, again.err
    assert next((tmp_path / "again").glob("*.pdf")).read_bytes() == earlier


# --- the web app's Forms section ----------------------------------------------------------------

def test_a_scan_uploaded_to_a_forms_slot_is_taken_and_never_offered_as_an_exhibit(cases, tmp_path):  # noqa: F811
    picture = scan(tmp_path / "g28-signed-scan.jpg").read_bytes()
    c = client(cases)
    r = c.post("/case/tenzin/upload", data={"csrf": csrf(), "slot": "form"},
               files=[("files", ("g28-signed-scan.jpg", picture))], headers={"accept": "application/json"})
    [result] = r.json()["results"]
    assert result["ok"], result
    file = cases / "tenzin" / "case.yaml"
    data = yaml.safe_load(file.read_text(encoding="utf-8"))
    data["forms"] = [{"kind": "g28", "file": result["name"]}]  # what the Forms card's select then holds
    file.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    page = html.unescape(c.get("/case/tenzin").text)
    assert "not a supported kind" not in page
    assert "data-add-exhibit" not in page and "g28-signed-scan.jpg is among the case's files but not" not in page
    saved = c.post("/case/tenzin/save", data={**form_of(c), "csrf": csrf()})
    assert saved.status_code == 303, saved.text
    assert yaml.safe_load(file.read_text(encoding="utf-8"))["forms"] == [{"kind": "g28",
                                                                         "file": "exhibits/g28-signed-scan.jpg"}]
    assert "data-add-exhibit" not in c.get("/case/tenzin").text


def test_a_word_file_uploaded_to_a_forms_slot_is_refused_and_leaves_no_file(cases, tmp_path):  # noqa: F811
    word = make_docx(tmp_path / "g28.docx", "Form G-28").read_bytes()
    c = client(cases)
    r = c.post("/case/tenzin/upload", data={"csrf": csrf(), "slot": "form"},
               files=[("files", ("g28.docx", word))], headers={"accept": "application/json"})
    [result] = r.json()["results"]
    assert not result["ok"]
    assert result["message"].startswith("'g28.docx' is not a kind of file a form can be: use a PDF, or a scan or "
                                        "photo of the signed form (JPEG, PNG, TIFF or HEIC)"), result["message"]
    folder = cases / "tenzin" / "exhibits"
    assert not folder.is_dir() or [p.name for p in folder.iterdir()] == []
    page = c.get("/case/tenzin").text
    assert "data-add-exhibit" not in page
    # the exhibits' own upload still takes a Word file
    assert upload(c, "letter.docx", word).json()["results"][0]["ok"]


def test_the_forms_upload_control_offers_pictures_but_not_word_files(cases):  # noqa: F811
    data = yaml.safe_load((cases / "tenzin" / "case.yaml").read_text(encoding="utf-8"))
    data["forms"] = [{"kind": "g28", "file": "forms/g28.pdf"}]
    (cases / "tenzin" / "case.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    page = client(cases).get("/case/tenzin").text
    section = page[page.index('id="section-forms"'):]
    section = section[: section.index("</section>")]
    control = re.search(r'<input type="file" data-upload-here(?: data-slot="(\w+)")? accept="([^"]*)"', section)
    assert control, section[:2000]
    assert control[1] == "form"
    assert set(control[2].split(",")) == {".pdf", ".jpg", ".jpeg", ".png", ".tif", ".tiff", ".heic", ".heif"}
