"""A request that is right as a legal document: what `validate` and `offices` say (no LibreOffice)."""
from __future__ import annotations

from datetime import date

import yaml

from assembler.casefile.settings import load_settings
from assembler.documents.citations import CITATIONS, REOPEN_CITATIONS, relief_label
from assembler.documents.context import build_context
from assembler.errors import ExitCode
from helpers import DELETE, SAMPLES, minimal, write_case


def _settings(path, **data):
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


# --- service: each method with its own kind of address -----------------------------------

def test_email_service_without_an_email_address_exits_3_naming_the_field(run, tmp_path):
    result = run("validate", write_case(tmp_path / "c", minimal(**{"service.method": "email"})))
    assert result.code == ExitCode.invalid_case
    assert ("service.email: service by e-mail needs an e-mail address, and none is known for the office 'chicago': "
            "write it as service.email, or set offices.chicago.email in the firm's settings file") in result.err


def test_email_service_takes_the_offices_email_from_the_firm_settings(run, tmp_path):
    s = _settings(tmp_path / "s.yaml", offices={"chicago": {"email": "pd@occ-chicago.example"}})
    result = run("validate", "--settings", s, write_case(tmp_path / "c", minimal(**{"service.method": "email"})))
    assert result.code == 0, result.err


def test_mail_to_an_office_without_a_street_address_exits_3(run, tmp_path):
    data = minimal(office="miami_krome", **{"proceedings.court": "Krome Immigration Court"})
    result = run("validate", write_case(tmp_path / "c", data))
    assert result.code == ExitCode.invalid_case
    assert "service.address: service by mail needs a street address, and none is known for the office " \
           "'miami_krome'" in result.err


def test_electronic_service_needs_the_systems_name(run, tmp_path):
    result = run("validate", write_case(tmp_path / "c", minimal(**{"service.method": "eservice"})))
    assert result.code == ExitCode.invalid_case
    assert "service.system: electronic service needs the name of the system used" in result.err


def test_an_email_address_in_the_street_address_field_is_refused(run, tmp_path):
    data = minimal(**{"service.method": "email", "service.address": "occ@example.org"})
    result = run("validate", write_case(tmp_path / "c", data))
    assert "service.address: is a street address: write an e-mail address as service.email" in result.err


# --- the stage of the case decides the citations --------------------------------------------

def test_joining_a_motion_to_reopen_a_pending_case_is_an_error_with_the_reason(run, tmp_path):
    result = run("validate", write_case(tmp_path / "c", minimal(**{"request.relief": ["join_motion_to_reopen"]})))
    assert result.code == ExitCode.invalid_case
    assert ("request.relief[0]: 'join_motion_to_reopen' does not fit the stage 'master_calendar': the case is still "
            "pending, so there is no final order to reopen") in result.err


def test_a_case_before_the_nta_is_filed_needs_no_court(run, tmp_path):
    data = minimal(**{"proceedings.stage": "nta_not_filed", "proceedings.court": DELETE,
                      "request.relief": ["cancel_nta"]})
    assert run("validate", write_case(tmp_path / "c", data)).code == 0
    data["request"]["relief"] = ["dismissal"]
    result = run("validate", write_case(tmp_path / "d", data))
    assert "no Notice to Appear has been filed, so there are no proceedings to dismiss yet" in result.err


def test_a_pending_case_needs_its_court(run, tmp_path):
    result = run("validate", write_case(tmp_path / "c", minimal(**{"proceedings.court": DELETE})))
    assert "proceedings.court: is required at this stage" in result.err


def test_reopening_needs_to_know_who_entered_the_final_order(run, tmp_path):
    data = minimal(**{"proceedings.stage": "final_order", "request.relief": ["join_motion_to_reopen"]})
    result = run("validate", write_case(tmp_path / "c", data))
    assert "proceedings.final_order_by: say who entered the final order" in result.err


def test_citations_follow_the_stage():
    judge, board = {"stage": "master_calendar"}, {"stage": "appeal_pending"}
    assert relief_label("administrative_closure", judge).endswith("under 8\u00a0C.F.R.\u00a0\u00a7\u00a01003.18(c)")
    assert relief_label("administrative_closure", board).endswith("under 8\u00a0C.F.R.\u00a0\u00a7\u00a01003.1(l)")
    assert relief_label("termination", board).endswith("1003.1(m)")
    by_board = {"stage": "final_order", "final_order_by": "board"}
    assert relief_label("join_motion_to_reopen", by_board).endswith(REOPEN_CITATIONS["board"])
    # Where the brief's table has none, none is printed.
    assert relief_label("stipulation_to_relief", judge) == "A stipulation to the respondent's eligibility for relief"
    assert all("(" not in label.split("under")[0] for r in CITATIONS for label in [relief_label(r, judge)])


def test_a_bond_stipulation_needs_a_detained_respondent_and_an_amount(run, tmp_path):
    result = run("validate", write_case(tmp_path / "c", minimal(**{"request.relief": ["stipulate_to_bond"]})))
    assert "request.relief[0]: a bond stipulation is for a detained respondent" in result.err
    assert "request.bond_amount: a bond stipulation states the amount proposed" in result.err


# --- detained cases ---------------------------------------------------------------------

def _detained(**changes):
    return minimal(**{"respondent.detained": True, "respondent.detention_facility": "Krome North SPC",
                      "respondent.detained_since": "2026-10-08", "proceedings.court": "Krome Immigration Court",
                      "office": "miami", "service.method": "email",
                      "service.email": "someone@occ.example", **changes})


def test_a_detained_respondent_needs_the_date_of_detention(run, tmp_path):
    result = run("validate", write_case(tmp_path / "c", _detained(**{"respondent.detained_since": DELETE})))
    assert "respondent.detained_since: the respondent is detained: give the date of detention" in result.err


def test_validate_warns_when_the_office_is_not_the_facilitys_docket_or_the_courts(run, tmp_path):
    result = run("validate", write_case(tmp_path / "c", _detained()))
    assert result.code == 0
    assert ("office: warning: 'Krome Immigration Court' is covered by 'miami_krome' (Office of the Chief Counsel, "
            "Miami, Krome detained docket), not by 'miami'") in result.err
    assert "whose detained docket is handled by 'miami_krome'" in result.err
    quiet = run("validate", write_case(tmp_path / "d", _detained(office="miami_krome")))
    assert "office: warning" not in quiet.err


def test_the_decision_date_is_counted_from_the_sending_date_not_back_from_the_hearing(tmp_path):
    # A hearing twelve weeks away: counted back from it, the client stayed detained until late February.
    data = _detained(**{"proceedings.next_hearing": {"date": "2027-03-03", "type": "individual"},
                        "service.date": "2026-12-01"})
    settings = load_settings(None, None)
    office = settings.offices["miami_krome"]
    today = date(2026, 11, 28)
    assert build_context(data, office, {}, today=today)["request"]["decide_by"] == "2026-12-08"
    assert build_context(data, office, {}, decide_days=10, today=today)["request"]["decide_by"] == "2026-12-11"
    # A letter dated before the build: counted from the day it goes out (today), never in the past.
    assert build_context(data, office, {}, today=date(2026, 12, 5))["request"]["decide_by"] == "2026-12-12"
    # A hearing sooner than that: the day before it.
    soon = _detained(**{"proceedings.next_hearing": {"date": "2026-12-04", "type": "master"},
                        "service.date": "2026-12-01"})
    assert build_context(soon, office, {}, today=today)["request"]["decide_by"] == "2026-12-03"
    s = _settings(tmp_path / "s.yaml", detained={"decide_within_days": 3})
    assert load_settings(s, None).decide_days == 3
    assert load_settings(s, None).deprecated == []


def test_the_old_decision_setting_is_read_with_a_deprecation_warning(tmp_path):
    s = _settings(tmp_path / "s.yaml", detained={"decide_days_before_hearing": 3})
    loaded = load_settings(s, None)
    assert loaded.decide_days == 3
    [warning] = loaded.deprecated
    assert warning.path == "detained.decide_days_before_hearing"
    assert "deprecated" in warning.message and "decide_within_days" in warning.message


# --- criminal history and negative factors, said explicitly ------------------------------

def test_criminal_history_and_negative_factors_not_addressed_are_warnings(run, tmp_path):
    unsaid = minimal(**{"request.criminal_history": DELETE, "request.negative_factors": DELETE})
    result = run("validate", write_case(tmp_path / "c", unsaid))
    assert "request.criminal_history: warning: the case does not say whether the respondent has a criminal " \
           "history: list it, or write criminal_history: none" in result.err
    assert "request.negative_factors: warning: the case does not address negative factors" in result.err
    said = minimal(**{"request.criminal_history": "none", "request.negative_factors": "None known"})
    clean = run("validate", write_case(tmp_path / "d", said))
    assert "request.criminal_history" not in clean.err and "request.negative_factors" not in clean.err
    assert clean.code == 0


def test_a_criminal_history_entry_without_its_disposition_exhibit(run, tmp_path):
    entry = {"offense": "Petty theft", "date": "2015-06-01", "disposition": "Convicted; fine paid",
             "explanation": "Once, long ago."}
    data = minimal(**{"request.criminal_history": [entry]})
    result = run("validate", write_case(tmp_path / "c", data))
    assert result.code == 0
    assert "request.criminal_history[0].disposition_exhibit: warning: choose the exhibit that holds the certified disposition (disposition_exhibit: the exhibit's id)" in result.err
    s = _settings(tmp_path / "s.yaml", offices={"chicago": {"rules": {"requires": ["certified_dispositions"]}}})
    strict = run("validate", "--settings", s, write_case(tmp_path / "d", data))
    assert strict.code == ExitCode.invalid_case
    assert "the office 'chicago' requires certified dispositions" in strict.err


def test_a_document_the_office_requires_is_an_error_when_missing(run, tmp_path):
    s = _settings(tmp_path / "s.yaml", offices={"chicago": {"rules": {"requires": ["g28"]}}})
    result = run("validate", "--settings", s, write_case(tmp_path / "c", minimal()))
    assert result.code == ExitCode.invalid_case
    assert "forms: no Form G-28 among the forms" in result.err
    assert "the office 'chicago' requires one with every request" in result.err


def test_nested_parentheses_in_case_text_are_flagged(run, tmp_path):
    data = minimal(**{"request.summary": "Her son (a U.S. citizen (born 2012)) needs her."})
    assert "request.summary: warning: has parentheses inside parentheses" in run(
        "validate", write_case(tmp_path / "c", data)).err


# --- offices: profiles, sources, lookups ------------------------------------------------------

def test_the_shipped_directory_invents_no_email_and_verifies_nothing():
    offices = load_settings(None, None).offices
    assert all(o["email"] is None and o["verified_on"] is None for o in offices.values())
    assert all(o["source"] and o["source_date"] for o in offices.values())
    assert offices["miami_krome"]["address"] == [] and offices["miami_krome"]["parent"] == "miami"


def test_old_directory_fields_are_refused_with_their_new_names(run, tmp_path):
    s = _settings(tmp_path / "s.yaml", offices={"chicago": {"as_of": "2026-10-01", "verified": True}})
    result = run("offices", "--settings", s)
    assert result.code == ExitCode.invalid_settings
    assert "offices.chicago.as_of: 'as_of' was renamed: write source_date" in result.err
    assert "offices.chicago.verified: 'verified' was renamed: write verified_on" in result.err
    # The court directory's entries use the same names (they once said as_of and verified too).
    s = _settings(tmp_path / "c.yaml", courts={"chicago": {"name": "Chicago Immigration Court", "as_of": "2026-10-01",
                                                           "verified": True}})
    result = run("offices", "--settings", s)
    assert result.code == ExitCode.invalid_settings
    assert "courts.chicago.as_of: 'as_of' was renamed: write source_date" in result.err
    assert "courts.chicago.verified: 'verified' was renamed: write verified_on" in result.err


def test_offices_shows_courts_sub_offices_and_rules(run, tmp_path):
    s = _settings(tmp_path / "s.yaml", offices={"miami_krome": {
        "email": "krome@occ.example", "verified_on": "2026-11-20",
        "rules": {"subject": "PD - {name} - {a_number}", "max_attachment_mb": 10, "requires": ["g28"]}}})
    out = run("offices", "--settings", s).out
    miami = out.split("\nmiami ", 1)[1].split("\nnew_orleans", 1)[0]
    assert "courts: Miami" in miami
    assert "  miami_krome" in miami and "detained docket" in miami and "facilities: Krome" in miami
    assert "e-mail: krome@occ.example" in miami and "verified on 2026-11-20" in miami
    assert "rules: subject 'PD - {name} - {a_number}'; attachments up to 10 MB; requires g28" in miami


def test_offices_finds_the_office_for_a_court(run):
    result = run("offices", "--court", "Krome")
    assert result.code == 0
    assert result.out.splitlines()[0].startswith("miami_krome")
    assert run("offices", "--court", "New York Broadway Immigration Court").out.startswith("new_york_city")
    missing = run("offices", "--court", "Atlantis")
    assert missing.code == ExitCode.invalid_case and "no office covers 'Atlantis'" in missing.err


def test_every_sample_is_valid_without_a_warning_about_the_law(run):
    for case in sorted(p for p in SAMPLES.iterdir() if (p / "case.yaml").is_file()):
        result = run("validate", case)
        assert result.code == 0, result.err
        # what validate says as a build does, for the firm to check (the office's data, the law entries it
        # relies on, a service date to come), is not a warning about the case's law
        firms = ("the law entry '", "Office of the Chief Counsel", "is still to come")
        case_said = "\n".join(line for line in result.err.splitlines() if not any(f in line for f in firms))
        assert "warning" not in case_said.replace("warning: is not given: the letter", ""), result.err


def test_a_firm_can_turn_the_legend_off():
    from assembler.documents.confidential import legend
    data = {"proceedings": {"asylum_pending": True}, "exhibits": [{"kind": "minor_medical"}]}
    assert "208.6" in legend(data) and "minor" in legend(data)
    assert legend(data, enabled=False) is None
    assert legend({"proceedings": {}, "exhibits": [{"kind": "g28"}]}) is None
