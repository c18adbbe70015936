"""Long and strange values are refused up front, each with its field: paths over the system's limits,
line breaks and control characters where a name, a title, a file name or an e-mail header needs one
line, texts too long to print. The case and the firm settings go through the same checks."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from docx import Document

from assembler.casefile import limits
from assembler.documents.render import make_environment, render
from assembler.resources import templates_dir
from helpers import copy_firm_settings, dump_yaml, load_yaml, make_pdf, minimal, write_case


def _case(tmp_path: Path, name="c", **changes) -> Path:
    return write_case(tmp_path / name, minimal(**changes))


def _json_case(tmp_path: Path, data: dict) -> Path:
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "case.json").write_text(json.dumps(data), encoding="utf-8")
    return folder


def _refused(result, code: int = 3) -> str:
    """The one-line messages of a run that refused its input with `code`, and nothing like a crash."""
    assert result.code == code, result.err
    assert "internal error" not in result.err and "Traceback" not in result.err
    return result.err


# --- paths -------------------------------------------------------------------------------------------

def test_an_exhibit_path_longer_than_the_system_allows_is_refused_by_validate_and_build(run, tmp_path):
    case = _case(tmp_path, exhibits=[{"id": "x", "file": "exhibits/" + "a" * 4100 + ".pdf", "title": "T"}])
    err = _refused(run("validate", case))
    assert "exhibits[0].file: the name 'aaaa" in err
    assert "is 4,104 bytes long; this system allows at most 255 for one file or folder name" in err
    assert max(map(len, err.splitlines())) < 1000  # the message names the file, it does not print it
    _refused(run("build", case, "-o", tmp_path / "out"))
    assert not (tmp_path / "out").exists()


def test_a_path_of_short_names_longer_than_the_system_allows_is_refused(run, tmp_path):
    name = "/".join(["d" * 200] * 25) + "/x.pdf"
    err = _refused(run("validate", _case(tmp_path, exhibits=[{"id": "x", "file": name, "title": "T"}])))
    _, path_max = limits.os_limits(tmp_path)
    assert "exhibits[0].file: the path is" in err and f"this system allows at most {path_max - 1}" in err


def test_a_nul_in_a_file_name_is_refused(run, tmp_path):
    data = minimal(exhibits=[{"id": "x", "file": "exhibits/a\u0000.pdf", "title": "T"}])
    err = _refused(run("validate", _json_case(tmp_path, data)))
    assert "exhibits[0].file: holds the control character U+0000" in err


def test_the_exhibit_check_of_uploads_refuses_a_path_over_the_limit(tmp_path):
    from assembler import api
    message = api.check_exhibit_file(tmp_path, "exhibits/" + "b" * 300 + ".pdf")
    assert message is not None and "300 bytes long" in message.replace("304", "300")


def test_the_system_limits_come_from_the_case_folder(tmp_path):
    assert limits.os_limits(tmp_path) == (os.pathconf(tmp_path, "PC_NAME_MAX"), os.pathconf(tmp_path, "PC_PATH_MAX"))
    assert limits.os_limits(tmp_path / "not" / "yet") == limits.os_limits(tmp_path)


# --- one-line values, control characters, lengths ----------------------------------------------------

@pytest.mark.parametrize("field, value, says", [
    ("respondent.family_names", "Garc\u00eda\nL\u00f3pez", "holds a line break (at character 7), but this value "
                                                          "must be one line"),
    ("respondent.given_names", "Mar\u00eda\rJos\u00e9", "holds a line break"),
    ("attorney.name", "Daniel\u2028Okafor", "holds a line break"),
    ("respondent.country_of_citizenship", "Ne\tpal", "holds a tab"),
    ("respondent.given_names", "Ana\u0007", "holds the control character U+0007 (at character 4)"),
    ("request.facts", "He arrived\u0000 in 2019.", "holds the control character U+0000"),
    ("custom.matter", "2026\u001b-01", "holds the control character U+001B"),
])
def test_line_breaks_in_one_line_values_and_control_characters_anywhere_are_refused(run, tmp_path, field, value,
                                                                                    says):
    err = _refused(run("validate", _json_case(tmp_path, minimal(**{field: value}))))
    assert f"{field}: {says}" in err


def test_texts_of_paragraphs_keep_their_line_breaks_and_tabs(run, tmp_path):
    case = _json_case(tmp_path, minimal(**{"request.facts": "One.\n\n\tTwo,\r\nthree.",
                                           "respondent.address": "12 Main St\nSpringfield, IL 62701",
                                           "custom.note": "a\nb"}))
    result = run("validate", case)
    assert result.code == 0, result.err


def test_a_one_megabyte_value_is_refused_at_once_without_being_printed(run, tmp_path):
    huge = "x" * 1_000_000
    case = _case(tmp_path, **{"request.facts": huge, "respondent.family_names": huge,
                              "respondent.date_of_birth": huge})
    started = time.monotonic()
    err = _refused(run("validate", case))
    assert time.monotonic() - started < 10  # a deadline against a hang, not a speed test
    assert f"request.facts: is 1,000,000 characters long; at most {limits.TEXT_MAX:,} fit in one text" in err
    assert f"respondent.family_names: is 1,000,000 characters long; at most {limits.LINE_MAX:,} fit on a line" in err
    assert "respondent.date_of_birth: is 1,000,000 characters long" in err
    assert len(err) < 2000


def test_an_id_too_long_for_a_file_name_is_refused(run, tmp_path):
    make_pdf(tmp_path / "c" / "a.pdf")
    err = _refused(run("validate", _case(tmp_path, exhibits=[{"id": "x" * 65, "file": "a.pdf", "title": "T"}])))
    assert f"exhibits[0].id: is 65 characters long; an id goes into file names and may have at most {limits.ID_MAX}" \
        in err


@pytest.mark.parametrize("field, address, says", [
    ("attorney.email", "d<x@example.org", "'d<x@example.org' is not an address an e-mail can be sent to"),
    ("attorney.email", "d@a(b).org", "'d@a(b).org' is not an address an e-mail can be sent to"),
    ("attorney.email", "d@bücher.example", "'d@bücher.example' has letters outside ASCII in its domain: write it "
                                           "as d@xn--bcher-kva.example"),
    ("service.email", "josé@occ.example", "'josé@occ.example' has letters outside ASCII before the @"),
])
def test_an_address_an_e_mail_cannot_carry_is_refused(run, tmp_path, field, address, says):
    err = _refused(run("validate", _case(tmp_path, **{field: address, "service.method": "email"})))
    assert f"{field}: {says}" in err


def test_values_nested_deeper_than_any_field_needs_are_refused(run, tmp_path):
    deep: object = "x"
    for _ in range(40):
        deep = {"a": deep}
    err = _refused(run("validate", _case(tmp_path, **{"custom.deep": deep})))
    assert f"is nested more than {limits.DEPTH_MAX} levels deep" in err


def test_a_field_name_with_a_control_character_is_refused(run, tmp_path):
    err = _refused(run("validate", _json_case(tmp_path, minimal(**{"custom.a\u0001b": "1"}))))
    assert "custom.a\\x01b: its name holds the control character U+0001" in err


def test_every_problem_is_still_reported_in_the_same_run(run, tmp_path):
    """A refused value stands in as its example: the schema and the rules check the rest."""
    case = _case(tmp_path, **{"respondent.family_names": "A\u0000", "respondent.date_of_birth": "2090-01-01",
                              "office": "chicgo"})
    err = _refused(run("validate", case))
    assert "respondent.family_names: holds the control character U+0000" in err
    assert "respondent.date_of_birth: 2090-01-01 is in the future" in err
    assert "office: 'chicgo' is not a known office: did you mean 'chicago'?" in err
    assert "3 error(s)" in err


# --- the firm settings: the same checks, exit 4 ------------------------------------------------------

def _settings(tmp_path: Path, **changes) -> Path:
    copy_firm_settings(tmp_path / "firm")
    path = tmp_path / "firm" / "pdpacket.yaml"
    data = load_yaml(path.read_text(encoding="utf-8"))
    data.update(changes)
    path.write_text(dump_yaml(data), encoding="utf-8")
    return path


def test_an_office_name_with_a_line_break_is_refused_in_the_settings(run, tmp_path):
    settings = _settings(tmp_path, offices={"chicago": {"name": "Chicago OCC\r\nBcc: all@evil.example"}})
    case = _case(tmp_path)
    err = _refused(run("validate", case, "--settings", settings), code=4)
    assert "offices.chicago.name: holds a line break (at character 12)" in err
    _refused(run("email", case, "--settings", settings), code=4)


@pytest.mark.parametrize("changes, says", [
    ({"templates": "t" * 300}, "templates: the name 'tttt"),
    ({"email": {"cc": ["docket@firm.example", "a,b@firm.example"]}}, "email.cc[1]: 'a,b@firm.example' is not an "
                                                                     "address"),
    ({"offices": {"chicago": {"rules": {"subject": "PD\nBcc: x@evil.example"}}}}, "offices.chicago.rules.subject: "
                                                                                  "holds a line break"),
    ({"attorney": {"name": "Daniel\u0000Okafor"}}, "attorney.name: holds the control character U+0000"),
    ({"email": {"cc": ["a" * 1_000_000 + "@x.org"]}}, "email.cc[0]: is 1,000,006 characters long"),
    ({"email": {"cc": ["\u0007" + "a" * 1_000_000]}}, "email.cc[0]: holds the control character U+0007"),
])
def test_the_firm_settings_go_through_the_same_checks(run, tmp_path, changes, says):
    err = _refused(run("validate", _case(tmp_path), "--settings", _settings(tmp_path, **changes)), code=4)
    assert says in err
    assert len(err) < 2000  # one message a value, never the value itself


# --- Word's limit on a document's title: cut, not refused ---------------------------------------------

def test_a_title_or_author_longer_than_word_takes_is_cut_in_the_properties_only(tmp_path):
    """A declarant's name can make 'Declaration of NAME, RELATIONSHIP' longer than the 255 characters of a
    Word title; nobody reads that property, so it is cut there and the build goes on."""
    title = "Declaration of " + "Maria " * 50 + ", respondent"
    author = "Daniel " * 40
    out = render(templates_dir() / "tab.docx", {"tab": {"letter": "A", "title": title}}, make_environment({}),
                 tmp_path / "d.docx", title, author)
    props = Document(str(out)).core_properties
    assert len(props.title) == limits.DOC_PROPERTY_MAX and props.title.endswith("\u2026")
    assert props.title.startswith("Declaration of Maria Maria")
    assert len(props.author) <= limits.DOC_PROPERTY_MAX
    assert title in "\n".join(p.text for p in Document(str(out)).paragraphs)


def test_nesting_past_libyamls_limit_is_refused_without_parsing_again(tmp_path, monkeypatch):
    """libyaml stops at 1000 levels at once; parsing the file again in Python only to overflow took
    a second or more a file (82 s for one fuzzed case on a loaded machine)."""
    import yaml as pyyaml

    from assembler.casefile.read import load_file

    class NotAgain(pyyaml.SafeLoader):
        def __init__(self, stream):
            raise AssertionError("parsed again by the Python parser")

    monkeypatch.setattr(pyyaml, "SafeLoader", NotAgain)
    path = tmp_path / "case.yaml"
    path.write_text("respondent: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    assert [p.message for p in load_file(path).problems] == ["the file is nested too deeply to be a case file"]


def test_the_kind_of_a_field_is_found_once_for_every_item_of_its_list(monkeypatch, tmp_path):
    # A case holds hundreds of values: each was matched against every field pattern, half the time of this
    # check. The kind of a field depends on its path alone (list indices aside), and is found once.
    fields = limits.Fields(text=("notes[]",), paths=(), ids=("ids[]",), emails=())
    looked_up = []
    compiled = limits._compiled
    monkeypatch.setattr(limits, "_compiled", lambda f: looked_up.append(f) or compiled(f))
    data = {"notes": ["one\ntwo"] * 50, "ids": ["x" * 200, "ok"], "other": ["three\nfour"]}
    checked = limits.check(data, fields, {}, "f.yaml", {}, tmp_path)
    assert len(looked_up) == 3  # notes[], ids[], other[]
    assert [f.path for f in checked.findings] == ["ids[0]", "other[0]"]  # an id too long; a break out of a text
    assert checked.data["notes"] == data["notes"]
