"""Official forms in the filing: listing a form's fields, filling them from the case data,
flattening them, and what `validate` says about forms."""
from __future__ import annotations

import shutil
import subprocess

import pytest
import yaml
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

from assembler.errors import ExitCode, InputFileError
from assembler.pdf import forms as pdf_forms
from helpers import SAMPLES, minimal, page_texts, write_case


def fillable_pdf(path, second_page=True):
    """A two-page form drawn by reportlab: text fields, a check box, a radio group, a list."""
    path.parent.mkdir(parents=True, exist_ok=True)
    c = canvas.Canvas(str(path), pagesize=letter, invariant=1)
    form = c.acroForm
    c.drawString(72, 720, "Family name:")
    form.textfield(name="FamilyName", x=180, y=710, width=250, height=20)
    c.drawString(72, 680, "A-number:")
    form.textfield(name="ANumber", x=180, y=670, width=250, height=20)
    c.drawString(72, 640, "Detained:")
    form.checkbox(name="Detained", x=180, y=635, size=16)
    c.drawString(72, 600, "Before:")
    for i, value in enumerate(("court", "board")):
        form.radio(name="Stage", value=value, x=180 + 40 * i, y=595, size=14, selected=False)
    form.choice(name="Country", x=180, y=550, width=150, height=20, options=["Mexico", "Haiti", "Nepal"],
                value="Mexico")
    c.showPage()
    if second_page:
        c.drawString(72, 720, "Signature page")
        form.textfield(name="Signer", x=180, y=670, width=250, height=20)
        c.showPage()
    c.save()
    return path


def fields_by_name(path):
    return {f.name: f for f in pdf_forms.read_fields(path, path.name)}


def form_case(tmp_path, fill=None, kind="g28", **changes):
    folder = tmp_path / "c"
    fillable_pdf(folder / "forms" / "form.pdf")
    data = minimal(**changes)
    data["forms"] = [{"kind": kind, "file": "forms/form.pdf", **({"fill": fill} if fill is not None else {})}]
    return write_case(folder, data)


# --- pdpacket forms fields ----------------------------------------------------------------

def test_forms_fields_lists_name_kind_choices_and_page(run, tmp_path):
    form = fillable_pdf(tmp_path / "g-28.pdf")
    result = run("forms", "fields", form)
    assert result.code == 0, result.err
    lines = {line.split()[0]: line for line in result.out.splitlines()}
    assert set(lines) == {"FamilyName", "ANumber", "Detained", "Stage", "Country", "Signer"}
    assert "text" in lines["FamilyName"] and "page 1" in lines["FamilyName"]
    assert "checkbox" in lines["Detained"] and "(on: Yes)" in lines["Detained"]
    assert "radio" in lines["Stage"] and "[court, board]" in lines["Stage"]
    assert "choice" in lines["Country"] and "[Mexico, Haiti, Nepal]" in lines["Country"]
    assert "page 2" in lines["Signer"]


def test_forms_fields_yaml_is_a_starter_forms_entry(run, tmp_path):
    form = fillable_pdf(tmp_path / "g-28.pdf")
    result = run("forms", "fields", form, "--yaml")
    assert result.code == 0, result.err
    entry = yaml.safe_load(result.out)["forms"][0]
    assert entry["kind"] == "g28"  # guessed from the file name
    assert set(entry["fill"]) == {"FamilyName", "ANumber", "Detained", "Stage", "Country", "Signer"}
    assert "one of: court, board" in result.out


def test_forms_fields_of_a_missing_file(run, tmp_path):
    result = run("forms", "fields", tmp_path / "nothere.pdf")
    assert result.code == ExitCode.input_file
    assert "no such file" in result.err


# --- filling and flattening -----------------------------------------------------------------

def test_fill_sets_text_check_box_radio_and_choice(tmp_path):
    form = fillable_pdf(tmp_path / "form.pdf")
    fields = fields_by_name(form)
    values = {"FamilyName": pdf_forms.choose_value(fields["FamilyName"], "García López & Sons <x>"),
              "Detained": pdf_forms.choose_value(fields["Detained"], "True"),
              "Stage": pdf_forms.choose_value(fields["Stage"], "Board"),
              "Country": pdf_forms.choose_value(fields["Country"], "haiti")}
    assert values["Detained"] == "Yes" and values["Stage"] == "board" and values["Country"] == "Haiti"
    writer = PdfWriter(clone_from=PdfReader(form))
    pdf_forms.fill(writer, values)
    assert pdf_forms.states(writer) == {"Detained": ["Yes"], "Stage": ["Off", "board"]}
    # Text and choices get an appearance drawn now, not left to the viewer (NeedAppearances).
    assert writer.root_object["/AcroForm"].get("/NeedAppearances") in (None, False)
    widget = next(a.get_object() for a in writer.pages[0]["/Annots"] if a.get_object().get("/T") == "FamilyName")
    assert b"Sons <x>" in widget["/AP"]["/N"].get_object().get_data()


def test_check_box_off_words_and_a_radio_choice_that_does_not_exist(tmp_path):
    fields = fields_by_name(fillable_pdf(tmp_path / "form.pdf"))
    for off in ("", "False", "no", "off", "0"):
        assert pdf_forms.choose_value(fields["Detained"], off) == "Off"
    with pytest.raises(ValueError, match="'tribunal' is not one of its choices: court, board"):
        pdf_forms.choose_value(fields["Stage"], "tribunal")


def test_filled_form_is_flattened_with_its_values_on_the_page(tmp_path):
    form = fillable_pdf(tmp_path / "form.pdf")
    out = pdf_forms.fill_and_flatten(form, {"FamilyName": "María José", "Signer": "Daniel Okafor",
                                            "Detained": "Yes", "Stage": "court"}, tmp_path / "out.pdf", "form")
    reader = PdfReader(out)
    assert reader.get_fields() is None and "/AcroForm" not in reader.trailer["/Root"]
    assert all("/Annots" not in page for page in reader.pages)
    texts = page_texts(out)
    assert "María José" in texts[0] and "Daniel Okafor" in texts[1]


@pytest.mark.libreoffice
def test_a_form_saved_by_libreoffice_is_filled_and_flattened(tmp_path):
    """LibreOffice exports its form controls with /NeedAppearances and no appearance for text."""
    source = tmp_path / "lo-form.fodt"
    source.write_text(LO_FORM, encoding="utf-8")
    profile = tmp_path / "profile"
    subprocess.run([shutil.which("soffice") or "soffice", f"-env:UserInstallation=file://{profile}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)], check=True,
                   capture_output=True, timeout=180)
    form = tmp_path / "lo-form.pdf"
    fields = fields_by_name(form)
    assert {n: f.kind for n, f in fields.items()} == {"FamilyName": "text", "Detained": "checkbox", "Stage": "radio"}
    assert fields["Stage"].values == ("court", "board")
    values = {"FamilyName": "García López", "Detained": pdf_forms.choose_value(fields["Detained"], "yes"),
              "Stage": "board"}
    writer = PdfWriter(clone_from=PdfReader(form))
    pdf_forms.fill(writer, values)
    assert pdf_forms.states(writer) == {"Detained": ["Yes"], "Stage": ["Off", "board"]}
    out = pdf_forms.fill_and_flatten(form, values, tmp_path / "out.pdf", "form")
    assert "García López" in page_texts(out)[0]
    assert PdfReader(out).get_fields() is None


LO_FORM = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
 xmlns:form="urn:oasis:names:tc:opendocument:xmlns:form:1.0"
 xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:ooo="http://openoffice.org/2004/office"
 office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.text">
 <office:automatic-styles>
  <style:style style:name="gr1" style:family="graphic"><style:graphic-properties style:vertical-pos="top"
   style:vertical-rel="baseline"/></style:style>
 </office:automatic-styles>
 <office:body><office:text>
  <office:forms form:automatic-focus="false" form:apply-design-mode="false">
   <form:form form:name="Standard" form:control-implementation="ooo:com.sun.star.form.component.Form">
    <form:text form:name="FamilyName" form:control-implementation="ooo:com.sun.star.form.component.TextField"
     xml:id="c1" form:id="c1"/>
    <form:checkbox form:name="Detained" form:control-implementation="ooo:com.sun.star.form.component.CheckBox"
     xml:id="c2" form:id="c2" form:label="Detained" form:value="Yes"/>
    <form:radio form:name="Stage" form:value="court" form:label="Court"
     form:control-implementation="ooo:com.sun.star.form.component.RadioButton" xml:id="c3" form:id="c3"/>
    <form:radio form:name="Stage" form:value="board" form:label="Board"
     form:control-implementation="ooo:com.sun.star.form.component.RadioButton" xml:id="c4" form:id="c4"/>
   </form:form>
  </office:forms>
  <text:p>Family name: <draw:control text:anchor-type="as-char" draw:style-name="gr1" svg:width="6cm"
   svg:height="0.7cm" draw:control="c1"/></text:p>
  <text:p>Detained: <draw:control text:anchor-type="as-char" draw:style-name="gr1" svg:width="3cm"
   svg:height="0.7cm" draw:control="c2"/></text:p>
  <text:p>Stage: <draw:control text:anchor-type="as-char" draw:style-name="gr1" svg:width="3cm" svg:height="0.7cm"
   draw:control="c3"/> <draw:control text:anchor-type="as-char" draw:style-name="gr1" svg:width="3cm"
   svg:height="0.7cm" draw:control="c4"/></text:p>
 </office:text></office:body>
</office:document>
"""


# --- validate --------------------------------------------------------------------------------

def test_an_unknown_field_name_lists_the_real_ones_with_a_did_you_mean(run, tmp_path):
    result = run("validate", form_case(tmp_path, {"FamilyNam": "{{ respondent.family_names }}"}))
    assert result.code == ExitCode.invalid_case
    assert "forms[0].fill.FamilyNam: Form G-28 (forms/form.pdf) has no field named 'FamilyNam': did you mean " \
           "'FamilyName'? its fields are: FamilyName, ANumber, Detained, Stage, Country, Signer" in result.err


def test_a_misspelled_variable_names_the_form_and_the_field(run, tmp_path):
    result = run("validate", form_case(tmp_path, {"FamilyName": "{{ respondent.family_name }}"}))
    assert result.code == ExitCode.invalid_case
    assert "forms[0].fill.FamilyName: Form G-28 (forms/form.pdf), field 'FamilyName': 'respondent.family_name' " \
           "does not exist: did you mean 'respondent.family_names'?" in result.err


def test_a_choice_the_form_does_not_offer_and_a_broken_expression(run, tmp_path):
    result = run("validate", form_case(tmp_path, {"Stage": "tribunal", "ANumber": "{{ respondent.a_number"}))
    assert result.code == ExitCode.invalid_case
    assert "field 'Stage': 'tribunal' is not one of its choices: court, board (a radio field)" in result.err
    assert "forms[0].fill.ANumber:" in result.err and "in quotes" in result.err


def test_other_forms_need_a_title_and_forms_need_a_file(run, tmp_path):
    data = minimal()
    data["forms"] = [{"kind": "other", "file": "forms/x.pdf"}, {"kind": "eoir28"}]
    result = run("validate", write_case(tmp_path / "c", data))
    assert result.code == ExitCode.invalid_case
    assert "forms[0].title: name the form" in result.err
    assert "forms[0].file: 'forms/x.pdf' does not exist" in result.err
    assert "forms[1].file: name the form's PDF" in result.err


def test_a_represented_case_without_a_g28_is_warned(run, tmp_path):
    result = run("validate", write_case(tmp_path / "c"))
    assert result.code == 0
    assert "forms: warning: no Form G-28 among the forms" in result.err
    with_form = run("validate", form_case(tmp_path))
    assert with_form.code == 0 and "warning: no Form G-28" not in with_form.err


def test_the_office_hook_turns_a_missing_g28_into_an_error(run, tmp_path, monkeypatch):
    from assembler.casefile import forms
    monkeypatch.setattr(forms, "office_requires", lambda data, office, form: form == "g28")
    result = run("validate", write_case(tmp_path / "c"))
    assert result.code == ExitCode.invalid_case
    assert "forms: no Form G-28 among the forms" in result.err


@pytest.mark.parametrize("order_by, form", [("immigration_judge", "EOIR-28"), ("board", "EOIR-27")])
def test_joining_a_motion_without_an_eoir_appearance_is_warned(run, tmp_path, order_by, form):
    # A motion to reopen goes to whoever entered the final order, with counsel's appearance there.
    folder = form_case(tmp_path, **{"request.relief": ["join_motion_to_reopen"], "proceedings.stage": "final_order",
                                    "proceedings.final_order_by": order_by})
    result = run("validate", folder)
    assert result.code == 0
    assert f"request.relief: warning: a request to join a motion (join motion to reopen) goes with counsel's " \
           f"Form {form}" in result.err


def test_the_firms_form_and_fill_mapping_serve_a_case_that_names_only_the_kind(run, tmp_path):
    fillable_pdf(tmp_path / "firm" / "g28.pdf")
    (tmp_path / "firm" / "settings.yaml").write_text(yaml.safe_dump({"forms": {"G-28": {
        "file": "g28.pdf", "fill": {"FamilyName": "{{ respondent.family_nmes }}"}}}}))
    data = minimal()
    data["forms"] = [{"kind": "g28"}]
    folder = write_case(tmp_path / "c", data)
    result = run("validate", folder, "--settings", tmp_path / "firm" / "settings.yaml")
    assert result.code == ExitCode.invalid_case  # the firm's mapping is checked against the case
    assert "forms[0]: Form G-28 (g28.pdf), field 'FamilyName': 'respondent.family_nmes' does not exist" in result.err
    assert "(in forms.g28.fill in " in result.err
    data["forms"] = [{"kind": "g28", "fill": {"FamilyName": "{{ respondent.family_names }}"}}]  # the case's wins
    result = run("validate", write_case(folder, data), "--settings", tmp_path / "firm" / "settings.yaml")
    # (the minimal case has no judge and no hearing: those warnings only)
    assert result.code == 0 and "forms" not in result.err, result.err


# --- in the filing ---------------------------------------------------------------------------

@pytest.mark.libreoffice
def test_the_sample_g28_is_filled_and_flattened_right_after_the_letter(sample1_build):
    result = sample1_build.result
    import json
    manifest = json.loads(result.manifest.read_text())
    keys = [s["key"] for s in manifest["sections"]]
    assert keys[:3] == ["letter", "form:0", "index"]
    form = manifest["sections"][1]
    assert form["tab"] is None and form["parts"][0]["kind"] == "form"
    assert form["parts"][0]["file"].endswith("g28-stand-in.pdf")
    texts = page_texts(result.filing)
    page = texts[form["first_page"] - 1]
    for value in ("Daniel Okafor", "Okafor & Reyes LLP", "García López", "María José", "A201-234-567",
                  "Removal proceedings (matter 2026-0142)"):  # the last from the case's own fill
        assert value in page, value
    reader = PdfReader(result.filing)
    assert reader.get_fields() is None and "/AcroForm" not in reader.trailer["/Root"]
    index = texts[manifest["sections"][2]["first_page"] - 1]
    assert "Form G-28, Notice of Entry of Appearance" in index
    assert not any("form field" in w.render() for w in result.warnings)


def test_the_sample_g28_is_in_the_samples_and_not_an_official_form():
    fields = fields_by_name(SAMPLES / "g28-stand-in.pdf")
    assert {"Attorney_Name", "Client_ANumber", "Eligibility_Attorney", "Appearance_Agency"} <= set(fields)
    assert "STAND-IN FOR FORM G-28" in page_texts(SAMPLES / "g28-stand-in.pdf")[0]


@pytest.mark.libreoffice
def test_a_blank_form_without_a_fill_mapping_is_warned_about(run, tmp_path):
    # the CLI walk-through: a blank G-28 added under forms: without a mapping went into the filing blank and
    # unsigned, and the build said only "16 form field(s) or annotation(s) were flattened into the page"
    folder = form_case(tmp_path)
    result = run("build", folder, "-o", tmp_path / "out")
    assert result.code == 0, result.err
    [line] = [line for line in result.err.splitlines() if "are all empty" in line]
    assert "its 3 text field(s) are all empty and no fill mapping fills them" in line and "forms[0].fill" in line


def test_a_fill_expression_is_checked_against_the_variables_once_and_says_the_same_every_time(monkeypatch):
    # Every validation checks every fill expression of the case's forms; building the tree of every variable
    # for each took most of the time of validating a case with a filled G-28. The answer depends on the
    # expression alone, and a caller that changes its list changes nobody else's.
    from assembler.documents import check

    built = []
    tree = check.context_tree
    monkeypatch.setattr(check, "context_tree", lambda: built.append(1) or tree())
    source = "{{ respondent.given_name }} {{ 'x' if respondent.detained }}"
    first = check.expression_problems(source)
    first.append("changed by a caller")
    second = check.expression_problems(source)
    assert len(built) <= 1
    assert second == first[:-1] and len(second) == 1 and "respondent.given_names" in second[0]
    assert check.expression_problems("{{ respondent.family_names }}") == []


def test_a_forms_fields_are_read_once_a_process_and_again_when_its_bytes_change(tmp_path, monkeypatch):
    # Every validation of a case with a fill mapping reads its form's fields, and the web app validates the
    # case at most of its pages: they are kept by the file's path and bytes. Another form saved under the
    # same name is read anew; a damaged one is refused every time.
    opened = []
    open_pdf = pdf_forms.open_pdf
    monkeypatch.setattr(pdf_forms, "open_pdf", lambda *a, **k: opened.append(a[0]) or open_pdf(*a, **k))
    form = fillable_pdf(tmp_path / "g-28.pdf")
    first = pdf_forms.read_fields(form, "Form G-28")
    first.clear()
    assert [f.name for f in pdf_forms.read_fields(form, "Form G-28")][-1] == "Signer"
    assert len(opened) == 1
    fillable_pdf(form, second_page=False)
    assert "Signer" not in fields_by_name(form)
    assert len(opened) == 2
    form.write_bytes(b"%PDF-1.4\n garbage\n")
    for _ in range(2):
        with pytest.raises(InputFileError):
            pdf_forms.read_fields(form, "Form G-28")
    assert len(opened) == 4
