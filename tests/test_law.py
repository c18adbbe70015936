"""The law as data (issue 22): legal rules with sources and dates, the manner of entry and bond,
no invented facts, dates computed rather than typed."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
import yaml

from assembler import resources
from assembler.api import validate_case
from assembler.casefile import law
from assembler.casefile.settings import load_settings
from assembler.documents.check import check_template
from assembler.documents.context import build_context, full_years
from assembler.documents.typography import in_words, number_words
from assembler.errors import ExitCode, InvalidSettingsError
from assembler.send.draft import Attachment, Drafter, default_subject
from helpers import DELETE, REPO, SAMPLES, make_docx, minimal, write_case

NBSP = "\u00a0"
OFFICE = load_settings(None, None).offices["chicago"]


def _settings(path: Path, **data) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


# --- 1. legal rules as data --------------------------------------------------------------------

def test_every_law_entry_has_text_authority_source_and_a_check_date_field():
    entries = resources.data("law")["entries"]
    assert "bond.present_without_admission" in entries and "citation.dismissal.immigration_judge" in entries
    for key, entry in entries.items():
        for name in ("text", "authority", "source"):
            assert entry.get(name), (key, name)
        assert "checked_on" in entry and "verified" in entry, key
        assert entry["checked_on"] is None or re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", str(entry["checked_on"]))
    bond = entries["bond.present_without_admission"]
    assert "Yajure Hurtado, 29 I&N Dec. 216 (BIA 2025)" in bond["authority"]
    assert "contested" in bond["note"].lower() and bond["remaining"]
    memo = entries["policy.opla_2022_memo"]
    assert "14159" in memo["authority"] and memo["checked_on"] == "2025-01-20"


def test_the_letter_citation_comes_from_the_law_data_and_a_firm_can_correct_it(tmp_path):
    data = minimal(**{"request.relief": ["administrative_closure"]})
    shipped = build_context(data, OFFICE, {}, today=date(2026, 11, 28))["request"]["relief_labels"][0]
    assert shipped.endswith(f"under 8{NBSP}C.F.R.{NBSP}§{NBSP}1003.18(c)")
    s = _settings(tmp_path / "s.yaml", law={"entries": {"citation.administrative_closure.immigration_judge": {
        "text": "8 C.F.R. § 1003.18(c)(1)", "checked_on": "2026-12-01"}}})
    settings = load_settings(s, None)
    ours = build_context(data, OFFICE, {}, law=settings.law, today=date(2026, 11, 28))["request"]["relief_labels"][0]
    assert ours.endswith(f"under 8{NBSP}C.F.R.{NBSP}§{NBSP}1003.18(c)(1)")
    assert settings.law_changed == {"citation.administrative_closure.immigration_judge": ["checked_on", "text"]}
    assert settings.law["citation.administrative_closure.immigration_judge"]["origin"] == str(s)


def test_a_firm_entry_the_data_lacks_needs_text_authority_and_source(tmp_path):
    s = _settings(tmp_path / "s.yaml", law={"entries": {"bond.our_rule": {"text": "Something"}}})
    with pytest.raises(InvalidSettingsError) as exc:
        load_settings(s, None)
    [problem] = exc.value.problems
    assert problem.path == "law.entries.bond.our_rule" and "authority, source" in problem.message


def test_pdpacket_law_lists_every_entry_with_source_and_date(run, tmp_path):
    result = run("law")
    assert result.code == 0, result.err
    for key, entry in resources.data("law")["entries"].items():
        assert f"\n{key}\n" in f"\n{result.out}"
        assert f"source: {entry['source']}" in result.out
    assert "checked: 2025-01-20" in result.out and "checked: never" in result.out
    s = _settings(tmp_path / "s.yaml", law={"entries": {"citation.continuance.immigration_judge": {
        "checked_on": "2026-12-01", "verified": True}}})
    ours = run("law", "--settings", s).out
    block = ours.split("citation.continuance.immigration_judge\n")[1].split("\ncitation.")[0]
    assert "checked: 2026-12-01 (verified)" in block and f"set by {s}" in block


def test_staleness_counts_months_and_a_year_alone_counts_from_its_start():
    today = date(2026, 12, 7)
    assert law.staleness({"checked_on": "2026-06-07"}, today, 6) is None
    assert "more than 6 months" in law.staleness({"checked_on": "2026-06-06"}, today, 6)
    assert "more than 6 months" in law.staleness({"checked_on": "2026"}, date(2026, 7, 2), 6)
    assert law.staleness({"checked_on": None}, today, 6) == "has never been checked against its source"
    assert law.staleness({"checked_on": "2026-06-07", "verified": False}, today, 6) == \
        "has never been checked against its source (its source is dated 2026-06-07)"


def test_the_build_warning_names_each_stale_entry_the_filing_uses(tmp_path):
    # termination's citation is still unverified (checked "2024" per the domain brief); the
    # administrative-closure one was verified on 2026-12-07 and is fresh
    case = validate_case(write_case(tmp_path / "c", minimal(**{"request.relief": ["termination"]})))
    from assembler.documents.citations import law_record, law_warnings
    settings = load_settings(None, case.dir)
    [warning] = law_warnings(case, settings)
    assert "'citation.termination.immigration_judge'" in warning.message
    # the 2024 is its source's date, not a check's (the web walk read "written down 2024, not yet checked"
    # above "this rule was last checked 2024"): said as never checked
    assert "has never been checked against its source (its source is dated 2024)" in warning.message
    fresh = _settings(tmp_path / "s.yaml", law={"stale_after_months": 3, "entries": {
        "citation.termination.immigration_judge": {"checked_on": "2026-10-01"}}})
    assert law_warnings(case, load_settings(fresh, None)) == []
    record = law_record(case, load_settings(fresh, None))
    assert record["stale_after_months"] == 3
    assert record["entries"]["citation.termination.immigration_judge"]["overridden"] == ["checked_on"]


# --- 2. manner of entry and bond ---------------------------------------------------------------

def _bond(**changes):
    return minimal(**{"respondent.detained": True, "respondent.detention_facility": "Broadview",
                      "respondent.detained_since": "2026-10-08", "request.relief": ["stipulate_to_bond"],
                      "request.bond_amount": 3000, **changes})


def test_a_bond_stipulation_for_an_entry_without_inspection_is_an_error_with_the_reason_and_the_split(run, tmp_path):
    data = _bond(**{"respondent.entry": {"date": "2019-05-01", "manner": "without_inspection"}})
    result = run("validate", write_case(tmp_path / "c", data))
    assert result.code == ExitCode.invalid_case
    assert "request.relief[0]: a bond stipulation is not available to a respondent who entered without " \
           "inspection" in result.err
    assert "Matter of Yajure Hurtado, 29 I&N Dec. 216 (BIA 2025)" in result.err
    # The courts' split travels with the rule (law.yaml's contested), and the way out where it is rejected.
    assert "Contested:" in result.err and "Second Circuit" in result.err and "Fifth" in result.err
    assert "release or parole" in result.err  # what remains
    assert "law.entries.bond.present_without_admission.refuses: false" in result.err


def test_a_firm_where_the_courts_reject_the_rule_is_warned_instead(run, tmp_path):
    data = _bond(**{"respondent.entry": {"date": "2019-05-01", "manner": "without_inspection"}})
    s = _settings(tmp_path / "s.yaml", law={"entries": {"bond.present_without_admission": {"refuses": False}}})
    result = run("validate", write_case(tmp_path / "c", data), "--settings", s)
    assert result.code == 0, result.err
    assert "request.relief[0]: warning: a bond stipulation may not be available to a respondent who entered " \
           "without inspection" in result.err
    assert "Contested:" in result.err
    assert "refuses: no" in run("law", "--settings", s).out


@pytest.mark.parametrize("entry", [DELETE, {"manner": "unknown"}])
def test_a_bond_stipulation_without_a_known_manner_of_entry_is_a_warning_naming_the_consequence(run, tmp_path, entry):
    result = run("validate", write_case(tmp_path / "c", _bond(**{"respondent.entry": entry})))
    assert result.code == 0, result.err
    assert "respondent.entry.manner: warning: the manner of entry is" in result.err
    assert "cannot tell whether the bond stipulation asked is available" in result.err


def test_a_bond_stipulation_for_an_admitted_respondent_is_accepted(run, tmp_path):
    data = _bond(**{"respondent.entry": {"date": "2006-07-14", "manner": "admitted", "place": "Miami"}})
    result = run("validate", write_case(tmp_path / "c", data))
    assert result.code == 0, result.err
    case_said = [line for line in result.err.splitlines() if "the law entry '" not in line]  # the firm's to check
    assert not [line for line in case_said if "entry" in line], result.err


def test_sample_2_records_how_its_respondent_entered_and_keeps_its_bond_stipulation():
    case = validate_case(SAMPLES / "2-pierre-louis-detained")
    assert case.errors == []
    assert case.data["respondent"]["entry"]["manner"] == "admitted"
    assert "stipulate_to_bond" in case.data["request"]["relief"]


def test_the_new_case_scaffold_offers_the_entry_with_its_hints():
    from assembler.casefile.scaffold import case_yaml
    text = case_yaml()
    assert "entry:" in text and "without_inspection" in text


# --- 3. no invented facts ----------------------------------------------------------------------

def test_the_template_check_flags_a_default_printed_for_a_missing_fact(tmp_path):
    make_docx(tmp_path / "letter.docx", "Judge: {{ proceedings.judge or 'Not assigned' }}",
              "Hearing: {{ proceedings.next_hearing_text|default('Not yet scheduled') }}",
              "Firm: {{ attorney.firm or '' }} Blank: {{ proceedings.judge or '________' }}")
    messages = [f.message for f in check_template(tmp_path / "letter.docx")]
    assert any("prints 'Not assigned' when proceedings.judge is missing" in m for m in messages)
    assert any("prints 'Not yet scheduled' when proceedings.next_hearing_text is missing" in m for m in messages)
    assert len(messages) == 2, messages  # an empty string or a blank to fill in by hand is fine


def test_no_shipped_template_prints_a_default_for_a_missing_fact():
    for path in sorted((REPO / "templates").glob("*.docx")):
        assert [f.message for f in check_template(path) if "a fact the case file never stated" in f.message] == []


def test_a_case_without_judge_or_hearing_warns_and_the_email_leaves_them_out(tmp_path):
    root = tmp_path / "cases"
    root.mkdir()
    (root / "pdpacket.yaml").write_text(yaml.safe_dump({"offices": {"chicago": {"email": "pd@occ.example"}}}))
    case = validate_case(write_case(root / "c", minimal(**{"service.method": "email"})))
    paths = {w.path for w in case.warnings}
    assert {"proceedings.judge", "proceedings.next_hearing"} <= paths
    drafter = Drafter(case, load_settings(None, case.dir))
    body = drafter.body(1, 1, [Attachment("x.pdf", b"0", 1)])
    assert "Not yet scheduled" not in body and "Next hearing" not in body
    assert "no hearing set" not in default_subject(case)


def _texts_of(folder: Path) -> list[str]:
    texts = []
    for pdf in sorted(folder.rglob("*.pdf")):
        out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True)
        texts += out.stdout.split("\f")
    return texts


@pytest.mark.libreoffice
def test_a_case_without_judge_and_hearing_builds_and_no_page_invents_them(run, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    data = minimal(**{"proceedings.judge": DELETE, "proceedings.next_hearing": DELETE})
    result = run("build", write_case(tmp_path / "c", data), "-o", tmp_path / "out")
    assert result.code == 0, result.err
    pages = _texts_of(tmp_path / "out")
    assert pages
    for i, page in enumerate(pages):
        for bad in ("Not assigned", "Not yet scheduled", ", ,"):
            assert bad not in page, (i, page)
        assert not re.search(r"^\s*(Immigration judge|Judge|Next hearing):\s*$", page, re.M | re.I), (i, page)


# --- 4. dates computed, not typed --------------------------------------------------------------

@pytest.mark.parametrize("n, words", [(0, "zero"), (7, "seven"), (19, "nineteen"), (20, "twenty"),
                                      (22, "twenty-two"), (23, "twenty-three"), (41, "forty-one"),
                                      (99, "ninety-nine"), (100, "one hundred"), (101, "one hundred one")])
def test_numbers_in_words(n, words):
    assert number_words(n) == words
    assert in_words(n) == f"{words}{NBSP}({n})"


def test_years_count_the_anniversary():
    assert full_years("2003-08-10", date(2026, 8, 9)) == 22
    assert full_years("2003-08-10", date(2026, 8, 10)) == 23
    assert full_years(None, date(2026, 8, 10)) is None


def test_derived_ages_years_and_detention_on_the_letters_date():
    data = minimal(**{"respondent.date_of_birth": "1985-03-14", "service.date": "2026-12-01",
                      "respondent.entry": {"date": "2003-08-10", "manner": "without_inspection"},
                      "respondent.detained": True, "respondent.detention_facility": "Broadview",
                      "respondent.detained_since": "2026-10-08",
                      "declarations": [{"id": "d", "declarant": "Sofía", "relationship": "daughter",
                                        "date_of_birth": "2012-05-02", "paragraphs": ["x"],
                                        "signed": {"city": "Queens", "country": "United States",
                                                   "date": "2026-11-20"}}]})
    ctx = build_context(data, OFFICE, {"d": "A"}, today=date(2026, 11, 28))
    r = ctx["respondent"]
    assert (r["age"], r["years_in_us"]) == (41, 23)
    assert r["time_in_detention"] == f"seven{NBSP}(7) weeks"
    assert ctx["declarations"][0]["age"] == 14


def test_the_samples_prose_agrees_with_the_computed_years():
    """The years in the United States typed in a sample's request and its respondent's declaration are
    what the derived variable prints on the letter's date."""
    for sample in ("1-garcia-lopez", "2-pierre-louis-detained", "4-quispe-board"):
        case = validate_case(SAMPLES / sample)
        ctx = build_context(case.data, case.office, {}, law=load_settings(None, case.dir).law)
        years = ctx["respondent"]["years_in_us"]
        request = case.data["request"]
        own = next(d for d in case.data["declarations"] if d["relationship"] == "respondent")
        typed = re.findall(r"\bfor ([a-z]+(?:-[a-z]+)?) years\b",
                           " ".join([request["summary"], request["facts"], *own["paragraphs"]]))
        assert typed and set(typed) == {number_words(years)}, (sample, years, typed)


def test_the_letter_and_the_email_ask_for_the_same_decision_date(tmp_path):
    root = tmp_path / "cases"
    root.mkdir()
    (root / "pdpacket.yaml").write_text(yaml.safe_dump({"offices": {"chicago": {"email": "pd@occ.example"}},
                                                        "detained": {"decide_within_days": 7}}))
    data = minimal(**{"respondent.detained": True, "respondent.detention_facility": "Broadview",
                      "respondent.detained_since": "2026-10-08", "service.method": "email",
                      "service.date": "2026-12-01",
                      "proceedings.next_hearing": {"date": "2027-03-03", "type": "individual"}})
    case = validate_case(write_case(root / "c", data))
    drafter = Drafter(case, load_settings(None, case.dir))
    assert drafter.context["request"]["decide_by"] == "2026-12-08"
    body = drafter.body(1, 1, [Attachment("x.pdf", b"0", 1)])
    assert "We ask for a decision by December 8, 2026." in body
    assert "before the next hearing" not in body
    from docx import Document
    letter = "\n".join(p.text for p in Document(str(REPO / "templates" / "letter.docx")).paragraphs)
    assert "before the next hearing" not in letter and "request.decide_by|longdate" in letter


def test_the_manifest_has_a_law_section_in_its_schema_of_keys():
    # build_manifest records it (tests/test_build.py reads a built manifest; here: the function exists).
    from assembler.pdf import manifest
    assert "law_record" in manifest.__dict__
    assert json.dumps(law.manifest_record([], {}, {}, 6))
