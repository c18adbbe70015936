"""`pdpacket validate`: every rule of the case file, as a user meets it."""
from __future__ import annotations

import os

import pytest
import yaml

from assembler.errors import ExitCode, InvalidCaseError
from helpers import DELETE, SAMPLES, minimal, write_case


@pytest.mark.parametrize("sample", sorted(p.name for p in SAMPLES.iterdir() if p.is_dir()))
def test_every_sample_is_valid(run, sample):
    result = run("validate", SAMPLES / sample)
    assert result.code == 0, result.err
    assert "valid" in result.out
    # The minimal sample has no judge and no hearing: the letter leaves them out, and says so. What the firm
    # has to check (the office's data, the law entries the filing relies on) is said as a build says it.
    firms = ("law entry", "Office of the Chief Counsel", "is still to come")
    said = [line for line in result.err.splitlines() if not any(f in line for f in firms)]
    assert [line for line in said if "is not given: the letter" not in line] == [], result.err
    assert sample == "3-minimal" or said == [], result.err


def test_validate_says_what_a_build_would_say_of_the_law_and_the_office(run):
    # the CLI walk-through: `validate` said "valid", then every `build` warned of a law entry never checked
    result = run("validate", SAMPLES / "1-garcia-lopez")
    assert result.code == 0, result.err
    law = [line for line in result.err.splitlines() if "the law entry 'citation.dismissal.immigration_judge'" in line]
    assert len(law) == 1 and "the attorney verifies it against its source" in law[0] and "Law page" in law[0]
    assert "Office of the Chief Counsel, New York City" in result.err
    count = len(result.err.splitlines())
    assert result.out.strip().endswith(f"case.yaml: valid ({count} warning(s))")
    assert run("validate", SAMPLES / "1-garcia-lopez", "--strict").code == 0  # the firm's to check, as build --strict


def test_a_valid_case_exits_zero(run, tmp_path):
    result = run("validate", write_case(tmp_path / "c"))
    assert result.code == ExitCode.ok
    # The minimal case has no Form G-28, no judge and no hearing: warnings, not errors (test_forms.py); then
    # the office's data unchecked by the firm and the service date to come, as a build says.
    assert result.out.strip().endswith("case.yaml: valid (5 warning(s))")
    assert "Office of the Chief Counsel" in result.err and "is still to come" in result.err


def test_all_problems_are_reported_at_once_with_paths_and_lines(run, tmp_path):
    data = minimal(**{"respondent.a_number": "12", "respondent.date_of_birth": "2090-01-01",
                      "proceedings.stage": "master calendr", "service.method": "fax"})
    data["declarations"] = [{"id": "d1", "declarant": "X", "relationship": "r", "paragraphs": ["p"],
                             "signed": {"city": "Queens", "country": "United States", "date": "31/31/2020"}}]
    result = run("validate", write_case(tmp_path / "c", data))
    assert result.code == ExitCode.invalid_case
    err = result.err
    assert "respondent.a_number: '12' is not an A-number" in err
    assert "proceedings.stage: 'master_calendr' is not allowed: did you mean 'master_calendar'?" in err
    assert "service.method: 'fax' is not allowed" in err
    assert "declarations[0].signed.date:" in err
    # the rules run too, over what the schema accepted (issue 12)
    assert "respondent.date_of_birth: 2090-01-01 is in the future" in err
    # each problem is one line with file:line:
    lines = [l for l in err.splitlines() if not l.startswith("error:") and ": warning: " not in l]
    assert len(lines) == 5
    assert all(l.startswith(str(tmp_path / "c" / "case.yaml") + ":") for l in lines)
    assert "Traceback" not in err


def test_a_date_of_birth_in_the_future_is_an_error(run, tmp_path):
    result = run("validate", write_case(tmp_path / "c", minimal(**{"respondent.date_of_birth": "2030-01-01"})))
    assert result.code == ExitCode.invalid_case
    assert "respondent.date_of_birth: 2030-01-01 is in the future" in result.err


def test_an_implausibly_old_respondent_is_an_error(run, tmp_path):
    result = run("validate", write_case(tmp_path / "c", minimal(**{"respondent.date_of_birth": "1880-01-01"})))
    assert "over 120" in result.err
    assert result.code == ExitCode.invalid_case


@pytest.mark.parametrize("spelling", ["A201234567", "A-201-234-567", "201 234 567", "A201-234-567",
                                      "a 201.234.567", "201234567", "A# 201234567"])
def test_a_numbers_in_any_common_spelling_become_canonical(spelling):
    from assembler.casefile.normalize import a_number
    assert a_number(spelling) == "A201234567"


def test_an_eight_digit_a_number_gets_its_leading_zero():
    from assembler.casefile.normalize import a_number
    assert a_number("A87654321") == "A087654321"
    assert a_number("87-654-321") == "A087654321"


def test_a_bare_a_number_with_a_leading_zero_keeps_its_digits(tmp_path):
    # YAML 1.1 would read 012345670 as an octal number (2739128); the case file
    # reader keeps it as typed.
    from assembler.api import validate_case
    text = _minimal_yaml().replace('a_number: A087654321', 'a_number: 012345670')
    case = validate_case(write_case(tmp_path / "c", text=text))
    assert case.data["respondent"]["a_number"] == "A012345670"


def test_country_no_is_kept_as_text_and_flagged(run, tmp_path):
    text = _minimal_yaml().replace("country_of_citizenship: Nepal", "country_of_citizenship: NO")
    result = run("validate", write_case(tmp_path / "c", text=text))
    assert result.code == 0
    assert "warning:" in result.err and "country code" in result.err and "Norway" in result.err
    strict = run("validate", "--strict", tmp_path / "c")
    assert strict.code == ExitCode.invalid_case


def test_yes_no_words_are_booleans_only_where_the_schema_says_so(tmp_path):
    from assembler.api import validate_case
    text = _minimal_yaml().replace("country_of_citizenship: Nepal",
                                   "country_of_citizenship: Nepal\n  detained: no")
    case = validate_case(write_case(tmp_path / "c", text=text))
    assert case.data["respondent"]["detained"] is False


def test_a_non_boolean_in_a_boolean_field_is_explained(run, tmp_path):
    text = _minimal_yaml().replace("country_of_citizenship: Nepal",
                                   "country_of_citizenship: Nepal\n  detained: maybe")
    result = run("validate", write_case(tmp_path / "c", text=text))
    assert result.code == ExitCode.invalid_case
    assert "respondent.detained: 'maybe' is not a yes/no value: write true or false" in result.err


def test_an_ambiguous_slash_date_is_refused_with_both_readings(run, tmp_path):
    text = _minimal_yaml().replace("date_of_birth: '1990-01-20'", "date_of_birth: 03/04/1990")
    result = run("validate", write_case(tmp_path / "c", text=text))
    assert result.code == ExitCode.invalid_case
    assert "respondent.date_of_birth: '03/04/1990' is ambiguous" in result.err
    assert "1990-03-04 or 1990-04-03" in result.err


@pytest.mark.parametrize("typed", ["1990-01-20", "January 20, 1990", "20 January 1990", "Jan 20, 1990",
                                   "1990/01/20"])
def test_unambiguous_dates_become_iso(tmp_path, typed):
    from assembler.api import validate_case
    text = _minimal_yaml().replace("date_of_birth: '1990-01-20'", f"date_of_birth: {typed}")
    case = validate_case(write_case(tmp_path / "c", text=text))
    assert case.data["respondent"]["date_of_birth"] == "1990-01-20"


def test_a_sexagesimal_looking_time_is_read_as_a_time(tmp_path):
    # YAML 1.1 reads 10:30 as the integer 630.
    from assembler.api import validate_case
    data = minimal(**{"proceedings.next_hearing": {"date": "2027-01-05", "time": "PLACEHOLDER", "type": "master"}})
    text = write_case(tmp_path / "x", data).joinpath("case.yaml").read_text().replace("PLACEHOLDER", "10:30")
    case = validate_case(write_case(tmp_path / "c", text=text))
    assert case.data["proceedings"]["next_hearing"]["time"] == "10:30"


def test_surrounding_whitespace_is_trimmed(tmp_path):
    from assembler.api import validate_case
    case = validate_case(write_case(tmp_path / "c", minimal(**{"respondent.family_names": "  Tenzin \t"})))
    assert case.data["respondent"]["family_names"] == "Tenzin"


def test_tabs_for_indentation_are_explained(run, tmp_path):
    text = _minimal_yaml().replace("\n  family_names", "\n\tfamily_names")
    result = run("validate", write_case(tmp_path / "c", text=text))
    assert result.code == ExitCode.invalid_case
    assert "tab" in result.err and "spaces" in result.err
    assert "case.yaml:2:" in result.err


def test_utf16_file_is_read_with_a_warning(run, tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "case.yaml").write_bytes(_minimal_yaml().encode("utf-16"))
    result = run("validate", folder)
    assert result.code == 0
    assert "UTF-16" in result.err and "UTF-8" in result.err


def test_utf8_bom_is_accepted(run, tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "case.yaml").write_bytes(b"\xef\xbb\xbf" + _minimal_yaml().encode("utf-8"))
    assert run("validate", folder).code == 0


def test_latin1_file_names_the_line_and_the_fix(run, tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "case.yaml").write_bytes(_minimal_yaml().replace("Tenzin", "Tenz\u00edn").encode("latin-1"))
    result = run("validate", folder)
    assert result.code == ExitCode.invalid_case
    assert "not valid UTF-8" in result.err and "case.yaml:2:" in result.err


@pytest.mark.parametrize("content", ["", "   \n", "# only a comment\n"])
def test_an_empty_file_is_an_error(run, tmp_path, content):
    result = run("validate", write_case(tmp_path / "c", text=content))
    assert result.code == ExitCode.invalid_case
    assert "the file is empty" in result.err


def test_a_list_where_a_mapping_belongs(run, tmp_path):
    data = minimal(respondent=["Tenzin", "A087654321"])
    result = run("validate", write_case(tmp_path / "c", data))
    assert result.code == ExitCode.invalid_case
    assert "respondent: must be a mapping (fields indented below it), not a list" in result.err


def test_a_top_level_list_is_an_error(run, tmp_path):
    result = run("validate", write_case(tmp_path / "c", text="- a\n- b\n"))
    assert result.code == ExitCode.invalid_case
    assert "must be a mapping of fields" in result.err


def test_a_duplicate_key_is_an_error(run, tmp_path):
    text = _minimal_yaml().replace("office: chicago", "office: chicago\noffice: miami")
    result = run("validate", write_case(tmp_path / "c", text=text))
    assert result.code == ExitCode.invalid_case
    assert "office: this key appears twice" in result.err


def test_an_unknown_key_gets_a_did_you_mean(run, tmp_path):
    data = minimal(**{"respondent.adress": ["1 Main St"]})
    result = run("validate", write_case(tmp_path / "c", data))
    assert result.code == ExitCode.invalid_case
    assert "respondent.adress: unknown field: did you mean 'address'?" in result.err


def test_an_unknown_key_without_a_close_match_lists_the_allowed_ones(run, tmp_path):
    result = run("validate", write_case(tmp_path / "c", minimal(zzz="1")))
    assert "zzz: unknown field: check the spelling or remove it (fields allowed here: respondent" in result.err


def test_a_missing_required_field_says_what_to_add(run, tmp_path):
    result = run("validate", write_case(tmp_path / "c", minimal(**{"respondent.a_number": DELETE})))
    assert result.code == ExitCode.invalid_case
    assert "respondent.a_number: is required but missing: add it" in result.err


def test_the_case_may_be_json(run, tmp_path):
    import json
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "case.json").write_text(json.dumps(minimal()), encoding="utf-8")
    assert run("validate", folder).code == 0


# --- cross-field rules -------------------------------------------------------

def test_a_hearing_in_the_past_is_an_error(run, tmp_path):
    data = minimal(**{"proceedings.next_hearing": {"date": "2026-11-01", "type": "master"}})
    result = run("validate", write_case(tmp_path / "c", data))
    assert result.code == ExitCode.invalid_case
    assert "proceedings.next_hearing.date: 2026-11-01 is in the past" in result.err


def test_a_hearing_within_14_days_warns_and_strict_fails(run, tmp_path):
    data = minimal(**{"proceedings.next_hearing": {"date": "2026-12-05", "type": "master"}})
    folder = write_case(tmp_path / "c", data)
    result = run("validate", folder)
    assert result.code == 0
    assert "warning: the hearing on 2026-12-05 is within 14 days" in result.err
    strict = run("validate", "--strict", folder)
    assert strict.code == ExitCode.invalid_case
    assert "--strict" in strict.err


def test_a_detained_respondent_needs_a_facility(run, tmp_path):
    result = run("validate", write_case(tmp_path / "c", minimal(**{"respondent.detained": True})))
    assert "respondent.detention_facility: the respondent is detained: name the facility" in result.err


def test_an_unknown_office_gets_a_did_you_mean(run, tmp_path):
    result = run("validate", write_case(tmp_path / "c", minimal(office="chicgo")))
    assert result.code == ExitCode.invalid_case
    assert "office: 'chicgo' is not a known office: did you mean 'chicago'?" in result.err


def _with_exhibit(tmp_path, **exhibit):
    data = minimal()
    data["exhibits"] = [{"id": "lease", "title": "Lease", **exhibit}]
    return write_case(tmp_path / "c", data)


def _pdf(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"%PDF-1.4\n%minimal\n")
    return path


def test_a_missing_exhibit_file(run, tmp_path):
    result = run("validate", _with_exhibit(tmp_path, file="exhibits/lease.pdf"))
    assert result.code == ExitCode.invalid_case
    assert "exhibits[0].file: 'exhibits/lease.pdf' does not exist in the case folder" in result.err


def test_an_unsupported_exhibit_kind(run, tmp_path):
    folder = _with_exhibit(tmp_path, file="lease.xls")
    (folder / "lease.xls").write_bytes(b"xx")
    result = run("validate", folder)
    assert "exhibits[0].file: 'lease.xls' is not a supported kind of file" in result.err


def test_an_empty_exhibit_file(run, tmp_path):
    folder = _with_exhibit(tmp_path, file="lease.pdf")
    (folder / "lease.pdf").write_bytes(b"")
    assert "is empty (0 bytes)" in run("validate", folder).err


def test_a_pdf_named_jpg(run, tmp_path):
    folder = _with_exhibit(tmp_path, file="photo.jpg")
    _pdf(folder / "photo.jpg")
    assert "'photo.jpg' is named .jpg but it is really a PDF file: rename it" in run("validate", folder).err


def test_an_exhibit_outside_the_case_folder_by_dotdot(run, tmp_path):
    _pdf(tmp_path / "secret.pdf")
    result = run("validate", _with_exhibit(tmp_path, file="../secret.pdf"))
    assert result.code == ExitCode.invalid_case
    assert "points outside the case folder" in result.err


def test_an_exhibit_by_absolute_path(run, tmp_path):
    secret = _pdf(tmp_path / "secret.pdf")
    result = run("validate", _with_exhibit(tmp_path, file=str(secret)))
    assert "is an absolute path" in result.err


def test_an_exhibit_symlink_leading_outside(run, tmp_path):
    secret = _pdf(tmp_path / "secret.pdf")
    folder = _with_exhibit(tmp_path, file="exhibits/link.pdf")
    (folder / "exhibits").mkdir()
    os.symlink(secret, folder / "exhibits" / "link.pdf")
    result = run("validate", folder)
    assert result.code == ExitCode.invalid_case
    assert "link leading outside the case folder" in result.err


def test_a_symlink_inside_the_case_folder_is_fine(run, tmp_path):
    folder = _with_exhibit(tmp_path, file="link.pdf")
    _pdf(folder / "real.pdf")
    os.symlink(folder / "real.pdf", folder / "link.pdf")
    assert run("validate", folder).code == 0


def test_a_non_english_exhibit_needs_a_translation(run, tmp_path):
    folder = _with_exhibit(tmp_path, file="acta.pdf", language="Spanish")
    _pdf(folder / "acta.pdf")
    result = run("validate", folder)
    assert "exhibits[0].translation: the exhibit is in Spanish: add its English translation" in result.err


def test_a_factor_citing_an_unknown_exhibit(run, tmp_path):
    data = minimal()
    data["exhibits"] = [{"id": "lease", "title": "Lease", "file": "lease.pdf"}]
    data["request"]["favorable_factors"][0]["exhibits"] = ["leese"]
    folder = write_case(tmp_path / "c", data)
    _pdf(folder / "lease.pdf")
    result = run("validate", folder)
    assert "request.favorable_factors[0].exhibits[0]: no exhibit or declaration has the id 'leese': " \
           "did you mean 'lease'?" in result.err


def test_duplicate_exhibit_ids(run, tmp_path):
    data = minimal()
    data["exhibits"] = [{"id": "a", "title": "A", "file": "a.pdf"}, {"id": "a", "title": "B", "file": "a.pdf"}]
    folder = write_case(tmp_path / "c", data)
    _pdf(folder / "a.pdf")
    assert "exhibits[1].id: the id 'a' is already used by exhibits[0]" in run("validate", folder).err


def _declaration(**extra):
    return {"id": "d1", "declarant": "Ana", "relationship": "sister", "paragraphs": ["I am her sister."],
            "signed": {"city": "Queens", "country": "United States", "date": "2026-11-20"}, **extra}


def test_a_declarant_who_does_not_read_english_needs_an_interpreter(run, tmp_path):
    data = minimal()
    data["declarations"] = [_declaration(language="Spanish")]
    result = run("validate", write_case(tmp_path / "c", data))
    assert result.code == ExitCode.invalid_case
    assert "declarations[0].interpreter: Ana speaks Spanish and does not read English: name the interpreter" \
        in result.err


def test_an_interpreter_or_reads_english_satisfies_the_rule(run, tmp_path):
    data = minimal()
    data["declarations"] = [_declaration(language="Spanish", interpreter={"name": "Lucía"}),
                            {**_declaration(language="Spanish", reads_english=True), "id": "d2"}]
    assert run("validate", write_case(tmp_path / "c", data)).code == 0


def test_a_missing_case_folder_exits_with_the_input_code(run, tmp_path):
    result = run("validate", tmp_path / "nope")
    assert result.code == ExitCode.input_file
    assert "no such case folder" in result.err


def test_a_folder_without_a_case_file(run, tmp_path):
    (tmp_path / "c").mkdir()
    result = run("validate", tmp_path / "c")
    assert result.code == ExitCode.input_file
    assert "case.yaml" in result.err


def test_bad_usage_exits_2(run):
    assert run("validate").code == ExitCode.usage


def _minimal_yaml() -> str:
    import yaml
    return yaml.safe_dump(minimal(), sort_keys=False)


def test_a_lone_surrogate_from_a_json_escape_is_refused(run, tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "case.json").write_text('{"respondent": {"given_names": "Ana\\ud800"}}', encoding="utf-8")
    result = run("validate", folder)
    assert result.code == ExitCode.invalid_case
    assert "respondent.given_names: contains an invalid character" in result.err


def test_control_characters_in_messages_are_escaped(run, tmp_path):
    result = run("validate", write_case(tmp_path / "c", minimal(**{"respondent.x\x1ey": "1"})))
    assert result.code == ExitCode.invalid_case
    assert "respondent.x\\x1ey: its name holds the control character U+001E" in result.err
    assert "\x1e" not in result.err


def test_a_yaml_alias_bomb_is_refused_quickly(run, tmp_path):
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for prev, name in zip("abcdefg", "bcdefgh"):
        lines.append(f"{name}: &{name} [{','.join(['*' + prev] * 9)}]")
    result = run("validate", write_case(tmp_path / "c", text="\n".join(lines) + "\n"))
    assert result.code == ExitCode.invalid_case
    assert "YAML aliases (*name) are not supported" in result.err


@pytest.mark.parametrize("text", ["a: &x [*x]\n", "a: &x {b: *x}\n"])
def test_a_yaml_alias_that_contains_itself_is_refused(tmp_path, text):
    # The C parser hands back the aliased node itself, and a walk over the tree that did not remember what
    # it had seen never ended: in a thread with a deadline, so that a hang fails the test instead of the run.
    import threading

    from assembler.api import validate_case

    folder = write_case(tmp_path / "c", text=text)
    outcome: list = []

    def validate() -> None:
        try:
            validate_case(folder)
            outcome.append(None)
        except Exception as exc:  # what it raised is the test's to judge, below
            outcome.append(exc)

    worker = threading.Thread(target=validate, daemon=True)
    worker.start()
    worker.join(60)
    assert not worker.is_alive(), "validate did not end: the walk over the aliased node does not stop"
    [error] = outcome
    assert isinstance(error, InvalidCaseError) and error.exit_code == ExitCode.invalid_case
    assert "YAML aliases (*name) are not supported" in " ".join(p.render() for p in error.problems)


@pytest.mark.parametrize("name, text", [("case.yaml", "a: " + "[" * 5000 + "]" * 5000 + "\n"),
                                        ("case.json", '{"a": ' + "[" * 100000 + "]" * 100000 + "}")])
def test_absurdly_deep_nesting_is_a_clear_error(run, tmp_path, name, text):
    result = run("validate", write_case(tmp_path / "c", text=text, name=name))
    assert result.code == ExitCode.invalid_case
    assert "nested too deeply" in result.err


@pytest.mark.skipif(not getattr(yaml, "__with_libyaml__", False), reason="PyYAML without libyaml")
@pytest.mark.parametrize("name", ["1-garcia-lopez", "2-pierre-louis-detained", "3-minimal", "4-quispe-board", "nulls"])
def test_the_c_yaml_parser_reads_a_case_as_the_python_one_does(name, monkeypatch, tmp_path):
    # casefile/read.py parses with libyaml when PyYAML has it (the Python parser was 70% of a
    # validation); what it reads, the line of every field included, must not change.
    from assembler.casefile.read import load_file
    file = SAMPLES / name / "case.yaml"
    if name == "nulls":
        file = tmp_path / "case.yaml"
        file.write_text("a: ~\nb: null\nc: 'null'\nd: {x: 1, y: [2, '3']}\ne: |\n  two\n  lines\nf: 012\n",
                        encoding="utf-8")
    fast = load_file(file, str(file))
    monkeypatch.delattr(yaml, "CSafeLoader")
    slow = load_file(file, str(file))
    assert (fast.data, fast.lines, fast.problems, fast.flow_mappings) == \
        (slow.data, slow.lines, slow.problems, slow.flow_mappings)
    assert fast.lines and fast.data


@pytest.mark.parametrize("path", ["schemas/case.yaml", "schemas/settings.yaml", "assembler/data/offices.yaml",
                                  "assembler/data/courts.yaml"])
def test_shipped_yaml_reads_the_same_with_the_c_parser(path):
    from assembler import resources
    from helpers import REPO
    text = (REPO / path).read_text(encoding="utf-8")
    assert resources.safe_load(text) == yaml.safe_load(text)


# --- prior immigration history, consent, court papers' fields (issue 22 point 6) ----------------------------

def test_a_case_silent_on_its_immigration_history_is_warned(run, tmp_path):
    result = run("validate", write_case(tmp_path / "c", minimal(**{"immigration_history": DELETE})))
    assert result.code == ExitCode.ok
    assert "immigration_history: warning: the case does not record the respondent's prior immigration history" \
           in result.err and "reads as concealment" in result.err and "immigration_history: []" in result.err
    quiet = run("validate", write_case(tmp_path / "d", minimal()))  # [] says there is none
    assert "immigration_history" not in quiet.err


def test_an_immigration_history_entry_needs_its_date_kind_and_source(run, tmp_path):
    entry = {"date": "2025-04-12", "kind": "arrest", "description": "Stopped for a traffic violation"}
    result = run("validate", write_case(tmp_path / "c", minimal(**{"immigration_history": [entry]})))
    assert result.code == ExitCode.invalid_case
    assert "immigration_history[0].kind" in result.err and "encounter" in result.err
    assert "immigration_history[0].source" in result.err


def test_consent_risks_come_from_the_firms_list(run, tmp_path):
    consent = {"date": "2026-11-25", "explained_by": "Daniel Okafor", "language": "English",
               "risks": ["arrest_after_dismissal", "deportation_of_relatives"]}
    result = run("validate", write_case(tmp_path / "c", minimal(**{"consent": consent})))
    assert result.code == ExitCode.invalid_case
    assert "consent.risks[1]: 'deportation_of_relatives' is not one of the firm's risks: use " \
           "arrest_after_dismissal, expedited_removal, losing_cancellation" in result.err
    assert "consent.risks: warning: the consent does not record that these risks were discussed: " \
           "expedited_removal, losing_cancellation" in result.err
    # A firm replaces the list in its settings.
    (tmp_path / "pdpacket.yaml").write_text(yaml.safe_dump({"consent": {"risks": {
        "arrest_after_dismissal": "arrest", "deportation_of_relatives": "relatives"}}}))
    assert "consent.risks" not in run("validate", tmp_path / "c").err


def test_an_appeal_is_waived_only_before_the_immigration_judge(run, tmp_path):
    data = minimal(**{"proceedings.stage": "appeal_pending", "request.relief": ["termination"],
                      "court": {"waive_appeal": True}})
    result = run("validate", write_case(tmp_path / "c", data))
    assert result.code == ExitCode.invalid_case
    assert "court.waive_appeal: an appeal is waived only of an immigration judge's decision" in result.err


def test_a_dismissal_ground_must_be_a6_or_a7(run, tmp_path):
    data = minimal(**{"request.relief": ["dismissal"], "court": {"dismissal_ground": "a3"}})
    result = run("validate", write_case(tmp_path / "c", data))
    assert result.code == ExitCode.invalid_case and "court.dismissal_ground" in result.err


def test_one_validator_checks_documents_in_a_row_each_on_its_own():
    # The validator of a schema is built once and reused (assembler/casefile/schema.py): nothing of one
    # document (its errors, its coerced values) may reach the next one's answer.
    from assembler.casefile.schema import SchemaCheck

    check = SchemaCheck({"name": {"type": "string", "required": True},
                         "items": {"type": "list", "schema": {"type": "integer", "coerce": int}}})
    first, problems = check.run({"items": ["1", "x"]}, "a.yaml", {})
    assert sorted({p.path for p in problems}) == ["items[1]", "name"]
    second, problems = check.run({"name": "B", "items": ["2"]}, "b.yaml", {})
    assert problems == [] and second == {"name": "B", "items": [2]}
    third, problems = check.run({"name": 5}, "c.yaml", {})
    assert [(p.file, p.path) for p in problems] == [("c.yaml", "name")]
    assert third == {"name": 5}


def test_a_validator_built_for_one_thread_serves_the_threads_after_it(monkeypatch):
    # The web app answers each request in a worker thread that may be new: a validator per thread was built
    # again for most requests (10-20 ms each for the case and the settings). Validators are lent out instead,
    # one to a run at a time, and every run still gets its own answer.
    import threading

    from assembler.casefile.schema import SchemaCheck

    check = SchemaCheck({"name": {"type": "string", "required": True}})
    built = []
    build = SchemaCheck._build
    monkeypatch.setattr(SchemaCheck, "_build", lambda self: built.append(1) or build(self))
    answers = []
    for document in ({"name": "A"}, {}, {"name": 5}):
        thread = threading.Thread(target=lambda d=document: answers.append(check.run(d, "a.yaml", {})))
        thread.start()
        thread.join()
    assert len(built) == 1
    assert [(doc, [p.path for p in problems]) for doc, problems in answers] == [
        ({"name": "A"}, []), ({}, ["name"]), ({"name": 5}, ["name"])]


def test_a_document_checked_again_is_answered_from_the_last_check_and_a_changed_one_is_checked(monkeypatch):
    # The web app checks the same case at every page: the answer is kept by the document, its file's name
    # and lines (the coercers depend on the value alone). True and 1 are equal in Python but not to the
    # schema; what a caller does to its answer reaches no other caller.
    import cerberus

    from assembler.casefile.schema import SchemaCheck

    check = SchemaCheck({"flag": {"type": "boolean"}, "items": {"type": "list", "schema": {"type": "integer",
                                                                                           "coerce": int}}})
    validated = []
    validate = cerberus.Validator.validate
    monkeypatch.setattr(cerberus.Validator, "validate", lambda self, *a, **k: validated.append(1) or
                        validate(self, *a, **k))
    document, problems = check.run({"flag": True, "items": ["1"]}, "a.yaml", {})
    assert (document, problems) == ({"flag": True, "items": [1]}, [])
    document["items"].append(99)
    assert check.run({"flag": True, "items": ["1"]}, "a.yaml", {}) == ({"flag": True, "items": [1]}, [])
    assert check.run({"flag": True, "items": ["1"]}, "c.yaml", {"flag": 2}) == ({"flag": True, "items": [1]}, [])
    assert len(validated) == 1
    assert [p.path for p in check.run({"flag": 1, "items": ["1"]}, "a.yaml", {})[1]] == ["flag"]
    assert [(p.file, p.line) for p in check.run({"flag": 1, "items": ["1"]}, "b.yaml", {"flag": 3})[1]] == [
        ("b.yaml", 3)]
    assert check.run({"flag": False, "items": ["1", "2"]}, "a.yaml", {})[0] == {"flag": False, "items": [1, 2]}
    assert len(validated) == 4
