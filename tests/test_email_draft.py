"""What an e-mail draft says, and the errors that name the setting to fill (no build needed)."""
from __future__ import annotations

import pytest
import yaml

from assembler.api import validate_case
from assembler.casefile.settings import load_settings
from assembler.errors import ExitCode, TemplateError
from assembler.send.draft import Attachment, Drafter, as_html, encoded_size, raw_limit
from helpers import minimal, write_case

OFFICE = {"name": "Office of the Chief Counsel, Chicago", "address": ["55 E Monroe St", "Chicago, IL 60603"],
          "email": "pd@occ-chicago.example"}
DETAINED = {"respondent.detained": True, "respondent.detention_facility": "Broadview Processing Center",
            "respondent.detained_since": "2026-10-08",
            "proceedings.next_hearing": {"date": "2027-01-12", "type": "master"}, "service.method": "email"}


def _folder(tmp_path, data, **settings):
    root = tmp_path / "cases"
    root.mkdir(exist_ok=True)
    (root / "pdpacket.yaml").write_text(yaml.safe_dump({"offices": {"chicago": OFFICE}, **settings}))
    return write_case(root / "c", data)


def _drafter(folder):
    case = validate_case(folder)
    return Drafter(case, load_settings(None, case.dir))


def test_the_default_subject_puts_detained_first(tmp_path):
    drafter = _drafter(_folder(tmp_path, minimal(**DETAINED)))
    assert drafter.subject(1, 1) == ("DETAINED - Request for prosecutorial discretion: Tenzin, A087-654-321, "
                                     "Chicago Immigration Court, next hearing 01/12/2027")
    assert drafter.subject(2, 3).endswith("next hearing 01/12/2027 (2 of 3)")


def test_the_office_pattern_makes_the_subject_and_case_text_stays_text(tmp_path):
    office = {**OFFICE, "rules": {"subject": "PD {name} {a_number}"}}
    data = minimal(**{**DETAINED, "respondent.family_names": "O'Brien & <Sons> Subject: x"})
    drafter = _drafter(_folder(tmp_path, data, offices={"chicago": office}))
    assert drafter.subject(1, 1) == "PD O'Brien & <Sons> Subject: x A087-654-321"  # one line, nothing escaped


def test_the_body_summarises_the_request_and_lists_the_attachments(tmp_path):
    drafter = _drafter(_folder(tmp_path, minimal(**DETAINED, **{"request.summary": "Ties & <roots>."})))
    body = drafter.body(1, 2, [Attachment("X_Part1.pdf", b"0" * 1000, 7, ["Request letter and index, pages 1–3"])])
    assert body.startswith("DETAINED: please give this request priority.\n\nTo the Office of the Chief Counsel, Chicago:")
    assert "- Administrative closure" in body and "Ties & <roots>." in body
    assert "this is message 1 of 2" in body and "- X_Part1.pdf (7 pages, 0.0 MB)" in body
    assert "is detained at Broadview Processing Center" in body
    assert "Ties &amp; &lt;roots&gt;." in as_html(body)


def test_a_firm_template_is_used_and_a_misspelled_variable_is_an_error(tmp_path):
    firm = tmp_path / "firm"
    firm.mkdir()
    (firm / "email.txt").write_text("Dear colleagues, {{ respondent.full_name }}.\n")
    folder = _folder(tmp_path, minimal(**{"service.method": "email"}), templates=str(firm))
    drafter = _drafter(folder)
    assert drafter.template == firm / "email.txt"
    assert drafter.body(1, 1, []) == "Dear colleagues, Tenzin.\n"
    (firm / "email.txt").write_text("{{ request.relif }}\n")
    with pytest.raises(TemplateError) as exc:
        _drafter(folder).body(1, 1, [])
    assert exc.value.message.startswith(f"template {firm / 'email.txt'}: 'dict object' has no attribute 'relif'")
    assert exc.value.exit_code == ExitCode.template_error


def test_a_case_not_served_by_email_names_the_field(run, tmp_path):
    result = run("email", _folder(tmp_path, minimal()))  # service.method: mail
    assert result.code == ExitCode.invalid_case
    assert "service.method: is 'mail': a request goes by e-mail only when the case says so" in result.err
    assert "pdpacket log CASE --sent --method mail" in result.err


def test_an_office_without_an_address_names_the_setting(run, tmp_path):
    folder = _folder(tmp_path, minimal(**{"service.method": "email"}),
                     offices={"chicago": {k: v for k, v in OFFICE.items() if k != "email"}})
    result = run("email", folder)
    # validate already refuses e-mail service with nowhere to send it, naming both places to fill
    assert result.code == ExitCode.invalid_case
    assert "service.email: service by e-mail needs an e-mail address" in result.err
    assert "set offices.chicago.email in the firm's settings file" in result.err


def test_the_case_service_email_wins(run, tmp_path):
    data = minimal(**{"service.method": "email", "service.email": "duty-attorney@occ-chicago.example"})
    result = run("email", _folder(tmp_path, data))
    assert result.code == ExitCode.input_file  # past the route: now the filing is missing
    assert "no built filing (no manifest.json): build it first with `pdpacket build" in result.err


def test_message_sizes_leave_room_for_base64():
    assert encoded_size(3) == 6 and encoded_size(57) == 78  # 76 characters and a CRLF
    limit = 20 * 1024 * 1024
    assert encoded_size(raw_limit(limit)) + 64 * 1024 <= limit < encoded_size(raw_limit(limit) + 200_000) + 64 * 1024


def test_a_numbers_in_the_message_use_plain_hyphens_an_inbox_search_finds(tmp_path):
    drafter = _drafter(_folder(tmp_path, minimal(**DETAINED)))
    body = drafter.body(1, 1, [Attachment("X.pdf", b"0", 1, ["Request letter"])])
    assert "A087-654-321" in body and "\u2011" not in body and "\u00a0" not in body
    assert "\u2011" not in drafter.subject(1, 1)


@pytest.mark.parametrize("court", ["Houston", "Houston Immigration Court"])
def test_the_body_names_the_court_as_typed_in_a_sentence_that_reads_either_way(tmp_path, court):
    data = minimal(**{"service.method": "email", "proceedings.court": court, "proceedings.judge": "Hon. Ruth Ames"})
    body = _drafter(_folder(tmp_path, data)).body(1, 1, [])
    # it said "before the Houston (Hon. Ruth Ames)" when the court was typed as its city
    assert f"whose case is pending at {court} before Hon. Ruth Ames, we ask" in " ".join(body.split())
