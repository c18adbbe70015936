"""Saving from the web form changes what the user changed and nothing else.

The form is made from the schema; what comes back is applied path by path to the
file as it is (comments, key order, quoting kept), never rebuilt from the post.
"""
from __future__ import annotations

import datetime as dt
import html
import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from assembler.web.app import Config, create_app
from assembler.web.changes import get, split
from assembler.web.form import case_fields, schema_path, walk_paths
from assembler.web.security import csrf_token
from case_strategies import PARAGRAPHS, SENTENCE, valid_cases
from helpers import (
    DELETE,
    SAMPLES,
    changed_paths,
    copy_firm_settings,
    examples,
    form_of,
    load_yaml,
    minimal,
    write_case,
)

TOKEN = "roundtrip-token"


def client(root: Path) -> TestClient:
    c = TestClient(create_app(Config(root, TOKEN)), base_url="http://127.0.0.1:8765", follow_redirects=False)
    c.get(f"/?token={TOKEN}")
    return c


def save(c, case: str, data: dict) -> object:
    return c.post(f"/case/{case}/save", data={**data, "csrf": csrf_token(TOKEN)})


@pytest.fixture
def cases(tmp_path) -> Path:
    root = tmp_path / "cases"
    root.mkdir()
    copy_firm_settings(root)
    for sample in sorted(SAMPLES.glob("[0-9]-*")):
        shutil.copytree(sample, root / sample.name)
    return root


# --- the defects of issue 20 ------------------------------------------------------------------------

def test_changing_only_the_judge_keeps_the_criminal_history(cases):
    file = cases / "2-pierre-louis-detained" / "case.yaml"
    before = file.read_text(encoding="utf-8")
    c = client(cases)
    data = form_of(c, "2-pierre-louis-detained")
    data["proceedings.judge"] = ["Hon. Maria Lopez"]
    r = save(c, "2-pierre-louis-detained", data)
    assert r.status_code == 303 and r.headers["location"].endswith("saved=yes")
    after = file.read_text(encoding="utf-8")
    assert changed_paths(load_yaml(before), load_yaml(after)) == {"proceedings.judge"}
    assert after == before.replace("judge: Hon. Peter Walsh", "judge: Hon. Maria Lopez")


def test_the_criminal_history_is_shown_as_entries(cases):
    page = client(cases).get("/case/2-pierre-louis-detained").text
    assert 'value="Driving under the influence, first offense"' in page
    # the disposition exhibit is chosen among the exhibits by title (issue 26), the file keeping its id
    chosen = re.search(r'<select name="request\.criminal_history\[0\]\.disposition_exhibit"[^>]*>.*?'
                       r'<option value="disposition" selected>([^<]*)</option>', page, flags=re.S)
    assert chosen and "(no exhibit" not in chosen[1]
    assert 'value="2016 conviction for driving under the influence"' in page


def test_a_post_with_one_field_changes_only_that_field(cases):
    file = cases / "2-pierre-louis-detained" / "case.yaml"
    before = file.read_text(encoding="utf-8")
    c = client(cases)
    base = form_of(c, "2-pierre-louis-detained")["base_sha256"]
    r = save(c, "2-pierre-louis-detained", {"base_sha256": base, "respondent.family_names": ["Pierre Louis"]})
    assert r.status_code == 303
    after = file.read_text(encoding="utf-8")
    assert after == before.replace("family_names: Pierre-Louis", "family_names: Pierre Louis")


def test_paragraphs_typed_in_the_form_are_saved_as_a_literal_block(tmp_path):
    root = tmp_path / "cases"
    write_case(root / "t", minimal())
    c = client(root)
    data = form_of(c, "t")
    data["request.facts"] = ["She arrived in 2019.\r\n\r\nShe applied for asylum\r\nwithin one year."]
    assert save(c, "t", data).status_code == 303
    text = (root / "t" / "case.yaml").read_text(encoding="utf-8")
    assert "  facts: |\n    She arrived in 2019.\n\n    She applied for asylum\n    within one year.\n" in text
    assert load_yaml(text)["request"]["facts"] == "She arrived in 2019.\n\nShe applied for asylum\nwithin one year.\n"


# --- a case file that is a link to a file outside its folder ----------------------------------------

def outside_link(root: Path) -> Path:
    secret = root.parent / "outside.yaml"
    secret.write_text(yaml.safe_dump(minimal(**{"respondent.family_names": "Secretname"})), encoding="utf-8")
    folder = root / "linked"
    folder.mkdir(parents=True)
    (folder / "case.yaml").symlink_to(secret)
    return folder


def test_validate_refuses_a_case_file_linked_from_outside(run, tmp_path):
    folder = outside_link(tmp_path / "cases")
    result = run("validate", folder)
    assert result.code == 5
    assert "case.yaml is a link to a file outside the case folder" in result.err
    assert "copy the file itself into the case folder" in result.err
    assert "Secretname" not in result.err + result.out


def test_the_web_app_refuses_a_case_file_linked_from_outside(tmp_path):
    root = tmp_path / "cases"
    folder = outside_link(root)
    secret = (folder / "case.yaml").resolve()
    before = secret.read_text(encoding="utf-8")
    c = client(root)
    page = c.get("/case/linked")
    assert "case.yaml is a link to a file outside the case folder" in page.text
    assert "Secretname" not in page.text
    assert "Secretname" not in c.get("/case/linked.json").text
    assert "Secretname" not in c.get("/").text
    r = save(c, "linked", {"base_sha256": "", "respondent.family_names": ["Other"]})
    assert r.status_code in (400, 403, 409)
    assert (folder / "case.yaml").is_symlink() and secret.read_text(encoding="utf-8") == before


# --- properties: samples and generated cases ------------------------------------------------------------

SAMPLE_NAMES = sorted(p.name for p in SAMPLES.glob("[0-9]-*"))
KEEP = {"csrf", "base_sha256", "_fields"}


def text_inputs(data: dict) -> list[str]:
    """The plain text inputs of a form (a value typed there is saved as typed)."""
    fields = dict(walk_paths(case_fields()))
    return sorted(n for n in data if n not in KEEP and not n.endswith("._order")
                  and getattr(fields.get(schema_path(n)), "kind", "") in ("text", "textarea")
                  and fields[schema_path(n)].coerce in ("text", None)
                  and n not in ("office", "template_set"))


@pytest.mark.parametrize("sample", SAMPLE_NAMES)
def test_a_sample_saved_unchanged_is_byte_identical(cases, sample):
    file = cases / sample / "case.yaml"
    before = file.read_bytes()
    c = client(cases)
    r = save(c, sample, form_of(c, sample))
    assert r.status_code == 303 and r.headers["location"].endswith("saved=same")
    assert file.read_bytes() == before


@pytest.mark.parametrize("sample", SAMPLE_NAMES)
def test_a_sample_post_missing_half_its_fields_changes_only_the_changed_one(cases, sample):
    file = cases / sample / "case.yaml"
    before = file.read_text(encoding="utf-8")
    c = client(cases)
    data = form_of(c, sample)
    names = [n for n in data if n not in KEEP]
    kept = {n: v for i, (n, v) in enumerate(data.items()) if n in KEEP or i % 2}
    target = next(n for n in text_inputs(data) if n in kept and data[n] != [""])
    kept[target] = ["A new value, typed in the form"]
    assert len(kept) < len(names)
    assert save(c, sample, kept).status_code == 303
    after = file.read_text(encoding="utf-8")
    assert changed_paths(load_yaml(before), load_yaml(after)) == {target}
    assert get(load_yaml(after), split(target)) == "A new value, typed in the form"


STYLES = st.sampled_from([{"default_flow_style": False}, {"default_flow_style": None},
                          {"default_flow_style": False, "default_style": '"'}, {"default_flow_style": None, "width": 40}])


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    root = tmp_path_factory.mktemp("generated") / "cases"
    copy_firm_settings(root)
    (root / "g").mkdir()
    return root, client(root)


@pytest.mark.slow  # about 25 s; the fast tier runs the 25 first examples below
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=valid_cases(), style=STYLES, choice=st.data())
def test_200_generated_cases_keep_every_byte_but_the_field_changed(generated, data, style, choice):
    keeps_every_byte_but_the_field_changed(generated, data, style, choice)


@settings(max_examples=examples(25), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=valid_cases(), style=STYLES, choice=st.data())
def test_generated_cases_keep_every_byte_but_the_field_changed(generated, data, style, choice):
    keeps_every_byte_but_the_field_changed(generated, data, style, choice)


def keeps_every_byte_but_the_field_changed(generated, data, style, choice):
    root, c = generated
    file = root / "g" / "case.yaml"
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, **style)
    file.write_text(text, encoding="utf-8")
    form = form_of(c, "g")
    r = save(c, "g", form)
    assert r.status_code == 303 and r.headers["location"].endswith("saved=same")
    assert file.read_text(encoding="utf-8") == text  # opened and saved unchanged: not rewritten at all

    # A post missing some fields, with one text changed: that path changes, nothing else.
    targets = [n for n in text_inputs(form) if form[n] != [""]]
    if not targets:
        return
    target = choice.draw(st.sampled_from(targets), label="target")
    dropped = choice.draw(st.sets(st.sampled_from(sorted(n for n in form if n not in KEEP))), label="dropped")
    typed = choice.draw(st.one_of(SENTENCE, PARAGRAPHS) if "\n" in form[target][0] or
                        dict(walk_paths(case_fields()))[schema_path(target)].kind == "textarea" else SENTENCE,
                        label="typed")
    post = {n: v for n, v in form.items() if n not in dropped}
    post[target] = [typed.replace("\n", "\r\n")]  # as browsers send line breaks
    r = save(c, "g", post)
    assert r.status_code == 303, r.text[:2000]
    after = load_yaml(file.read_text(encoding="utf-8"))
    before = load_yaml(text)
    if str(get(before, split(target))).strip() == typed:
        assert changed_paths(before, after) == set()
    else:
        assert changed_paths(before, after) == {target}
        assert str(get(after, split(target))).strip() == typed


# --- lists or "none", read-only values, the page's list of fields ------------------------------------------

def test_a_criminal_history_entry_replaces_none_and_none_known_needs_no_entries(tmp_path):
    root = tmp_path / "cases"
    write_case(root / "t", minimal())
    c = client(root)
    form = form_of(c, "t")
    assert form["request.criminal_history._none"] == ["", "none"]  # shown ticked
    entry = {"request.criminal_history._order": ["new"], "request.criminal_history._none": [""],
             "request.criminal_history[0].offense": ["Shoplifting"], "request.criminal_history[0].date": ["2012-03-04"],
             "request.criminal_history[0].disposition": ["Dismissed"],
             "request.criminal_history[0].explanation": ["A misunderstanding.\n\nThe charge was dropped."]}
    both = save(c, "t", {**form, **entry, "request.criminal_history._none": ["", "none"]})
    assert both.status_code == 400
    assert "tick \"None known\" only when there are no entries" in both.text.replace("&#34;", '"')
    assert save(c, "t", {**form, **entry}).status_code == 303
    data = load_yaml((root / "t" / "case.yaml").read_text(encoding="utf-8"))
    assert data["request"]["criminal_history"] == [{
        "offense": "Shoplifting", "date": dt.date(2012, 3, 4), "disposition": "Dismissed",
        "explanation": "A misunderstanding.\n\nThe charge was dropped.\n"}]
    assert data["request"]["negative_factors"] == "none"


def test_a_value_the_form_cannot_show_is_read_only_and_kept(tmp_path):
    root = tmp_path / "cases"
    text = yaml.safe_dump(minimal(**{"request.criminal_history": "See the attached memo",
                                     "respondent.given_names": {"first": "Dolma", "second": "Yangchen"}}),
                          sort_keys=False)
    write_case(root / "t", text=text)
    c = client(root)
    page = c.get("/case/t").text
    assert 'name="respondent.given_names"' not in page and 'name="request.criminal_history._order"' not in page
    assert "it stays as it is when you save" in page and "second: Yangchen" in page
    form = form_of(c, "t")
    form["respondent.language"] = ["Tibetan"]
    form["respondent.given_names"] = ["Forged"]  # not rendered: ignored
    assert save(c, "t", form).status_code == 303
    assert (root / "t" / "case.yaml").read_text(encoding="utf-8") == text.replace(
        "    second: Yangchen\n", "    second: Yangchen\n  language: Tibetan\n")


def test_a_page_of_another_version_is_not_saved(tmp_path):
    root = tmp_path / "cases"
    write_case(root / "t", minimal())
    before = (root / "t" / "case.yaml").read_bytes()
    c = client(root)
    form = form_of(c, "t")
    form["_fields"] = [form["_fields"][0] + "\nrespondent.nickname"]
    form["respondent.language"] = ["Tibetan"]
    r = save(c, "t", form)
    assert r.status_code == 400 and "reload it" in r.text
    assert (root / "t" / "case.yaml").read_bytes() == before


def test_moved_and_removed_items_keep_their_own_values_and_comments(tmp_path):
    root = tmp_path / "cases"
    text = yaml.safe_dump(minimal(), sort_keys=False) + (
        "exhibits:\n"
        "- {id: a, file: a.pdf, title: A}   # first\n"
        "- {id: b, file: b.pdf, title: B}   # second\n"
        "- {id: c, file: c.pdf, title: C}   # third\n")
    write_case(root / "t", text=text)
    c = client(root)
    form = form_of(c, "t")
    moved = {k: v for k, v in form.items() if not k.startswith("exhibits[")}
    # The page after "c" moved up to the top and "a" was removed: inputs renamed by their new places.
    for new, old in ((0, 2), (1, 1)):
        for key in ("id", "file", "title"):
            moved[f"exhibits[{new}].{key}"] = form[f"exhibits[{old}].{key}"]
    moved["exhibits._order"] = ["2,1"]
    assert save(c, "t", moved).status_code == 303
    after = (root / "t" / "case.yaml").read_text(encoding="utf-8")
    assert after == text.replace("- {id: a, file: a.pdf, title: A}   # first\n", "").replace(
        "- {id: b, file: b.pdf, title: B}   # second\n- {id: c, file: c.pdf, title: C}   # third\n",
        "- {id: c, file: c.pdf, title: C}   # third\n- {id: b, file: b.pdf, title: B}   # second\n")


def test_paragraphs_typed_over_a_quoted_value_become_a_literal_block(tmp_path):
    root = tmp_path / "cases"
    text = yaml.safe_dump(minimal(), sort_keys=False).replace("  facts: F.\n", '  facts: "F."\n')
    write_case(root / "t", text=text)
    c = client(root)
    form = form_of(c, "t")
    form["request.facts"] = ["First paragraph,\r\nits second line.\r\n\r\nSecond paragraph."]
    form["request.summary"] = ["One line."]
    assert save(c, "t", form).status_code == 303
    after = (root / "t" / "case.yaml").read_text(encoding="utf-8")
    assert "  facts: |\n    First paragraph,\n    its second line.\n\n    Second paragraph.\n" in after
    assert "  summary: One line.\n" in after


def test_a_case_json_changes_only_the_field_changed(tmp_path):
    root = tmp_path / "cases"
    data = minimal(**{"request.criminal_history": [{"offense": "Theft", "date": "2010-01-01", "disposition": "Dismissed",
                                                    "explanation": "Dropped."}]})
    (root / "t").mkdir(parents=True)
    file = root / "t" / "case.json"
    file.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    c = client(root)
    form = form_of(c, "t")
    assert save(c, "t", form).headers["location"].endswith("saved=same")
    form["proceedings.judge"] = ["Hon. Ana Ruiz"]
    assert save(c, "t", form).status_code == 303
    after = json.loads(file.read_text(encoding="utf-8"))
    assert changed_paths(data, after) == {"proceedings.judge"}
    assert list(after["proceedings"]) == ["court", "judge", "stage"]  # where the schema puts it


def test_numbers_and_booleans_of_a_case_json_are_editable_and_kept(tmp_path):
    root = tmp_path / "cases"
    data = minimal(**{"request.bond_amount": 3000, "respondent.detained": False})
    (root / "t").mkdir(parents=True)
    file = root / "t" / "case.json"
    file.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    before = file.read_bytes()
    c = client(root)
    form = form_of(c, "t")
    assert form["request.bond_amount"] == ["3000"] and form["respondent.detained"] == ["false"]
    assert save(c, "t", form).headers["location"].endswith("saved=same")
    assert file.read_bytes() == before


@pytest.mark.parametrize("suffix", ["yaml", "json"])
def test_a_yes_or_no_answer_is_saved_as_a_boolean_not_a_quoted_word(tmp_path, suffix):
    # issue 26, the re-walk: "Detained: Yes" was saved as detained: 'true', a text where the schema says boolean
    root = tmp_path / "cases"
    data = minimal(**{"respondent.detained": DELETE, "respondent.detention_facility": "Adelanto ICE Processing Center",
                      "respondent.detained_since": "2026-10-01"})
    if suffix == "yaml":
        write_case(root / "t", data)
    else:
        (root / "t").mkdir(parents=True)
        (root / "t" / "case.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    file = root / "t" / f"case.{suffix}"
    c = client(root)
    form = form_of(c, "t")
    form["respondent.detained"] = ["true"]
    assert save(c, "t", form).headers["location"].endswith("saved=yes")
    text = file.read_text(encoding="utf-8")
    saved = yaml.safe_load(text) if suffix == "yaml" else json.loads(text)
    assert saved["respondent"]["detained"] is True, text
    form = form_of(c, "t")
    assert form["respondent.detained"] == ["true"]
    form["respondent.detained"] = ["false"]
    assert save(c, "t", form).headers["location"].endswith("saved=yes")
    text = file.read_text(encoding="utf-8")
    saved = yaml.safe_load(text) if suffix == "yaml" else json.loads(text)
    assert saved["respondent"]["detained"] is False, text
    assert save(c, "t", form_of(c, "t")).headers["location"].endswith("saved=same")


def test_no_encounters_known_writes_an_empty_immigration_history_and_unticking_brings_the_entries_back(tmp_path):
    """Issue 26: the schema wants a list and "none" is written []: the form has a switch for it that hides the
    entries; a case file with [] is saved back unchanged, an entry replaces it, unticking with none left clears it."""
    root = tmp_path / "cases"
    write_case(root / "t", minimal(**{"immigration_history": DELETE}))
    file = root / "t" / "case.yaml"
    c = client(root)
    page = c.get("/case/t").text
    assert 'data-hides> No encounters with immigration known</label>' in page
    assert '<div class="items" >' in page  # nothing known either way: the entries are offered
    form = form_of(c, "t")
    assert save(c, "t", {**form, "immigration_history._none": ["", "none"]}).status_code == 303
    assert "immigration_history: []" in file.read_text(encoding="utf-8")
    assert load_yaml(file.read_text(encoding="utf-8"))["immigration_history"] == []
    # shown ticked, its entries hidden; saved again unchanged, the file is byte for byte the same
    page = c.get("/case/t").text
    assert 'value="none" checked data-none data-hides>' in page and '<div class="items" hidden>' in page
    before = file.read_bytes()
    assert save(c, "t", form_of(c, "t")).status_code == 303
    assert file.read_bytes() == before
    # an entry (the switch unticked by adding it) replaces []
    entry = {"immigration_history._order": ["new"], "immigration_history._none": [""],
             "immigration_history[0].date": ["2025-04-12"], "immigration_history[0].kind": ["encounter"],
             "immigration_history[0].description": ["Stopped at the border"],
             "immigration_history[0].source": ["Form I-213"]}
    ticked_with_entry = save(c, "t", {**form_of(c, "t"), **entry, "immigration_history._none": ["", "none"]})
    assert ticked_with_entry.status_code == 400
    assert "tick \"No encounters with immigration known\" only when there are no entries" in \
        ticked_with_entry.text.replace("&#34;", '"')
    assert save(c, "t", {**form_of(c, "t"), **entry}).status_code == 303
    history = load_yaml(file.read_text(encoding="utf-8"))["immigration_history"]
    assert history == [{"date": dt.date(2025, 4, 12), "kind": "encounter", "description": "Stopped at the border",
                        "source": "Form I-213"}]
    # back to none known, then unticked with no entry: the list is to fill again, not silently "none"
    emptied = {**form_of(c, "t"), "immigration_history._order": [""], "immigration_history._none": ["", "none"]}
    assert save(c, "t", emptied).status_code == 303
    assert load_yaml(file.read_text(encoding="utf-8"))["immigration_history"] == []
    assert save(c, "t", {**form_of(c, "t"), "immigration_history._none": [""]}).status_code == 303
    assert "immigration_history" not in load_yaml(file.read_text(encoding="utf-8"))


def test_consent_risks_are_checkboxes_of_the_firms_list_and_a_key_not_in_it_is_kept(tmp_path):
    """Issue 26: consent.risks was a text box of keys; now one checkbox a risk of the firm's list (the settings'
    consent.risks, else the shipped list), labelled with its meaning, storing its key."""
    from assembler import resources

    root = tmp_path / "cases"
    write_case(root / "t", minimal(**{"consent.risks": ["expedited_removal", "deportation_of_relatives"]}))
    file = root / "t" / "case.yaml"
    c = client(root)
    page = c.get("/case/t").text
    shipped = resources.data("consent_risks")
    for key, meaning in shipped.items():
        label = re.escape(meaning[:1].upper() + meaning[1:])
        assert re.search(rf'<input type="checkbox" name="consent.risks" value="{key}"[^>]*> {label}</label>',
                         html.unescape(page))  # the meaning is the label, the key the value
    assert re.search(r'value="expedited_removal" checked>', page)
    assert re.search(r'value="arrest_after_dismissal" >', page)  # not discussed: unticked
    assert 'value="deportation_of_relatives" checked> deportation_of_relatives (not in the firm' in page
    # unchanged, the file is byte for byte the same (the unknown key kept)
    before = file.read_bytes()
    assert save(c, "t", form_of(c, "t")).status_code == 303
    assert file.read_bytes() == before
    # ticking one more stores its key; the key not in the list stays
    form = form_of(c, "t")
    form["consent.risks"] = [*form["consent.risks"], "arrest_after_dismissal"]
    assert save(c, "t", form).status_code == 303
    risks = load_yaml(file.read_text(encoding="utf-8"))["consent"]["risks"]
    assert sorted(risks) == ["arrest_after_dismissal", "deportation_of_relatives", "expedited_removal"]


def test_the_firms_own_consent_risks_are_the_checkboxes(tmp_path):
    root = tmp_path / "cases"
    root.mkdir()
    (root / "pdpacket.yaml").write_text("consent:\n  risks:\n    travel: leaving the United States may bar a return\n",
                                        encoding="utf-8")
    write_case(root / "t", minimal(**{"consent.risks": ["travel"]}))
    page = client(root).get("/case/t").text
    assert 'value="travel" checked> Leaving the United States may bar a return</label>' in page
    assert 'value="expedited_removal"' not in page


@pytest.mark.parametrize("change", ["none known", "last entry removed"])
def test_the_comment_after_a_list_the_form_replaces_stays_in_the_file(tmp_path, change):
    # Walking through sample 3: ticking "No encounters with immigration known" saved immigration_history: []
    # and lost the two comment lines the user wrote above consent: (ruamel keeps them on the list's last scalar)
    root = tmp_path / "cases"
    copy_firm_settings(root)
    shutil.copytree(SAMPLES / "3-minimal", root / "m", ignore=shutil.ignore_patterns("out", "signed"))
    file = root / "m" / "case.yaml"
    before = file.read_text(encoding="utf-8")
    comment = before[before.index("# The client's informed consent"):before.index("consent:\n")]
    assert comment.count("\n# ") + 1 == 2  # the two lines, as the sample has them
    c = client(root)
    form = form_of(c, "m")
    if change == "none known":
        form = {**form, "immigration_history._order": [""], "immigration_history._none": ["", "none"]}
    else:  # sample 3 has one entry: a second one, then the last removed
        entry = {"immigration_history._order": ["0", "new"], "immigration_history[1].date": ["2025-04-12"],
                 "immigration_history[1].kind": ["encounter"], "immigration_history[1].description": ["Stopped"],
                 "immigration_history[1].source": ["Form I-213"]}
        assert save(c, "m", {**form, **entry}).status_code == 303
        assert comment in file.read_text(encoding="utf-8")
        form = {**form_of(c, "m"), "immigration_history._order": ["0"]}
    assert save(c, "m", form).status_code == 303
    after = file.read_text(encoding="utf-8")
    assert comment + "consent:\n" in after, after[after.index("immigration_history"):][:600]
