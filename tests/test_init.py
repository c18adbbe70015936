"""`pdpacket init`: a firm settings file written by answering questions or from flags, that the settings
loader accepts, that keeps what the user wrote, and that never holds a password."""
from __future__ import annotations

import string
import sys
import types
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assembler.api import InitAnswers, init_settings
from assembler.casefile.settings import load_settings
from assembler.cli import main
from assembler.errors import ExitCode
from helpers import examples

FLAGS = ["--no-input", "--firm", "Smith & Sons: LLP", "--attorney", "Ana Ruiz", "--bar-number", "0123",
         "--bar-state", "TX", "--phone", "(713) 555-0100", "--attorney-email", "ana@smith.example",
         "--address", "1 Main St, Suite 2", "--address", "Houston, TX 77002", "--office", "houston",
         "--office-email", "pd@houston.example", "--verified-on", "2026-12-01", "--smtp-host", "smtp.smith.example",
         "--smtp-user", "ana@smith.example"]


@dataclass
class Ran:
    exit_code: int
    stdout: str
    stderr: str
    exception: None = None

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def _init(folder: Path, *args: str, input: str | None = None) -> Ran:
    """`pdpacket init` through `main` (errors become messages and exit codes), typing `input` at its prompts."""
    with CliRunner().isolation(input=input) as (out, err, _):
        try:
            main(["init", str(folder), *args])
        except SystemExit as exc:
            code = int(exc.code or 0)
        return Ran(code, out.getvalue().decode(), err.getvalue().decode())


def test_a_server_without_a_login_is_answered_with_an_empty_line(tmp_path):
    """A new paralegal could not leave the SMTP login empty: the attorney's e-mail was offered and kept, and
    the first real send stopped for want of a password (a relay or test server takes mail without one)."""
    typed = "\n".join(["Clinic", "Ana Ruiz", "0123", "TX", "", "555-1234", "ana@clinic.example", "1 Main St", "",
                       "Houston", "", "127.0.0.1", "none", "8025", "", ""])
    result = _init(tmp_path, input=typed)
    assert result.exit_code == 0, result.output + result.stderr
    s = load_settings(tmp_path / "pdpacket.yaml")
    assert (s.smtp["host"], s.smtp["port"], s.smtp["security"]) == ("127.0.0.1", 8025, "none")
    assert not s.smtp.get("user")
    assert "SMTP password" not in result.output


def test_answers_typed_at_the_prompts_make_a_file_the_loader_accepts(tmp_path):
    typed = "\n".join(["Smith & Sons", "Ana Ruiz", "0123", "TX", "", "555-1234", "ana@smith.example",
                       "1 Main St", "Houston, TX 77002", "",  # the address, ended by an empty line
                       "Houstn",  # a typo: asked again, with the nearest names
                       "Houston", "pd@houston.example", "",  # the date checked: today, offered
                       "smtp.smith.example", "", "", "ana@smith.example",
                       "secret-typo", "secret-pw", "secret-pw", "secret-pw",  # asked twice; not alike: asked again
                       ""])
    result = _init(tmp_path, input=typed)
    assert result.exception is None, result.output
    assert result.exit_code == 0
    assert "Did you mean Boston or Houston?" in result.stderr
    s = load_settings(tmp_path / "pdpacket.yaml")
    assert s.attorney == {"name": "Ana Ruiz", "bar_number": "0123", "bar_state": "TX", "firm": "Smith & Sons",
                          "address": ["1 Main St", "Houston, TX 77002"], "phone": "555-1234",
                          "email": "ana@smith.example"}
    assert s.offices["houston"]["email"] == "pd@houston.example"
    assert s.offices["houston"]["verified_on"] == "2026-11-28"  # today (PDPACKET_TODAY in the tests)
    assert (s.smtp["host"], s.smtp["port"], s.smtp["security"], s.smtp["user"]) == \
        ("smtp.smith.example", 587, "starttls", "ana@smith.example")
    text = (tmp_path / "pdpacket.yaml").read_text()
    assert "secret-pw" not in text and "password" not in load_settings(tmp_path / "pdpacket.yaml").smtp
    # No keyring here: kept in a file only this user can read, outside the settings file.
    assert "The SMTP password of ana@smith.example is kept in a file only" in result.stderr
    from assembler.send import passwords
    assert passwords.read("ana@smith.example") == "secret-pw"  # the one typed twice alike


def test_flags_alone_write_the_file_with_a_comment_on_every_key(tmp_path):
    result = _init(tmp_path, *FLAGS)
    assert result.exception is None and result.exit_code == 0, result.output
    s = load_settings(tmp_path / "pdpacket.yaml")
    assert s.attorney["firm"] == "Smith & Sons: LLP" and s.attorney["address"] == ["1 Main St, Suite 2", "Houston, TX 77002"]
    assert (s.offices["houston"]["email"], s.offices["houston"]["verified_on"]) == ("pd@houston.example", "2026-12-01")
    for line in (tmp_path / "pdpacket.yaml").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith(("#", "- ")):
            assert "  # " in line or " # " in line, f"a key without its comment: {line}"


def test_an_office_not_checked_says_what_to_check_and_where_to_set_it(tmp_path):
    result = _init(tmp_path, "--no-input", "--attorney", "Ana Ruiz", "--office", "Houston")
    assert result.exit_code == 0, result.output
    assert ("The e-mail of the Houston office has not been checked by your firm, so none was written: check it "
            "on ice.gov, then set it with `pdpacket init --force` or in") in result.stderr
    assert "under offices.houston.email" in result.stderr
    assert load_settings(tmp_path / "pdpacket.yaml").offices["houston"]["verified_on"] is None


def test_an_existing_file_is_refused_without_force_and_kept_whole_with_it(tmp_path):
    own = "# our own note\nattorney:\n  name: Old Name\nemail:\n  cc: [docket@smith.example]  # the docket clerk\n"
    (tmp_path / "pdpacket.yaml").write_text(own)
    result = _init(tmp_path, *FLAGS)
    assert result.exit_code == ExitCode.output_not_writable
    assert "pdpacket.yaml already exists: pass --force" in result.stderr
    assert (tmp_path / "pdpacket.yaml").read_text() == own
    assert _init(tmp_path, *FLAGS, "--force").exit_code == 0
    text = (tmp_path / "pdpacket.yaml").read_text()
    assert "# our own note" in text and "# the docket clerk" in text  # what init does not ask about is kept
    s = load_settings(tmp_path / "pdpacket.yaml")
    assert s.attorney["name"] == "Ana Ruiz" and s.email["cc"] == ["docket@smith.example"]


def test_yes_to_the_one_office_init_suggests_takes_it(tmp_path):
    """The CLI walk answered "y" to "Did you mean Newark?" and was told no office was found for 'y'."""
    typed = "\n".join(["Smith", "Ana Ruiz", "", "", "", "", "", "",  # firm, attorney, bar, state, email..., no address
                       "Newrak", "y", "", "", "", "", "", "", "", "", ""])
    result = _init(tmp_path, input=typed)
    assert result.exit_code == 0, result.output
    assert "Did you mean Newark?" in result.stderr and "'y'" not in result.stderr
    assert "  newark:  # the office used most" in (tmp_path / "pdpacket.yaml").read_text()


def test_yes_to_two_suggested_offices_says_what_to_type(tmp_path):
    """The re-walk: "Did you mean New York City or Newark?", "y", then a search for offices named like 'y'."""
    typed = "\n".join(["Smith", "Ana Ruiz", "", "", "", "", "", "",
                       "Nework", "y", "Newark", "", "", "", "", "", "", "", "", ""])
    result = _init(tmp_path, input=typed)
    assert result.exit_code == 0, result.output
    assert "Type the one you mean: " in result.stderr and "'y' names" not in result.stderr
    assert "  newark:  # the office used most" in (tmp_path / "pdpacket.yaml").read_text()


def test_an_unknown_office_flag_names_the_nearest_and_writes_nothing(tmp_path):
    result = _init(tmp_path, "--no-input", "--office", "San Antonoi")
    assert result.exit_code == ExitCode.usage
    assert "no office found for 'San Antonoi'. Did you mean San Antonio?" in result.stderr
    assert not (tmp_path / "pdpacket.yaml").exists()


def test_a_city_with_two_offices_lists_both(tmp_path):
    result = _init(tmp_path, "--no-input", "--office", "miami")
    assert result.exit_code == 0  # the key itself
    (tmp_path / "x").mkdir()
    result = _init(tmp_path / "x", "--no-input", "--office", "Chief Counsel, Miami")
    assert result.exit_code == ExitCode.usage
    assert "names 2 offices: miami (" in result.stderr and "miami_krome (" in result.stderr


def test_an_answer_the_loader_refuses_writes_nothing_and_names_the_field(tmp_path):
    result = _init(tmp_path, "--no-input", "--attorney-email", "not an address")
    assert result.exit_code == ExitCode.invalid_settings
    assert "attorney.email" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # neither the file nor the check's copy


def test_the_password_goes_to_the_keyring_when_there_is_one(tmp_path, monkeypatch):
    kept = {}
    fake = types.SimpleNamespace(get_keyring=lambda: types.SimpleNamespace(priority=5),
                                 set_password=lambda service, user, pw: kept.update({(service, user): pw}))
    monkeypatch.setitem(sys.modules, "keyring", fake)
    result = _init(tmp_path, *FLAGS, "--smtp-password-stdin", input="s3cret\n")
    assert result.exit_code == 0, result.output
    assert kept == {("pdpacket-smtp", "ana@smith.example"): "s3cret"}
    assert "kept in the system keyring" in result.stderr
    assert "s3cret" not in (tmp_path / "pdpacket.yaml").read_text()


_text = st.text(alphabet=string.ascii_letters + string.digits + " &<>:#'\"-,.éñ/", min_size=1, max_size=30)\
    .map(lambda s: " ".join(s.split())).filter(bool)


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(firm=_text, name=_text, bar=st.from_regex(r"[0-9A-Z]{1,10}", fullmatch=True), address=st.lists(_text, max_size=3),
       office=st.sampled_from(["houston", "miami", "new_york_city", ""]),
       email=st.sampled_from(["", "pd@office.example"]), port=st.one_of(st.none(), st.integers(1, 65535)))
def test_what_init_wrote_loads_back_as_the_same_values(tmp_path_factory, firm, name, bar, address, office, email, port):
    folder = tmp_path_factory.mktemp("init")
    answers = InitAnswers(firm=firm, attorney_name=name, bar_number=bar, address=address, office=office,
                          office_email=email if office else "", verified_on="2026-11-30" if office and email else "",
                          smtp_host="smtp.x.example", smtp_port=port, smtp_security="tls", smtp_user=name)
    init_settings(folder, answers)
    s = load_settings(folder / "pdpacket.yaml")
    assert s.attorney == answers.attorney()
    assert (s.smtp["port"], s.smtp["user"]) == (port or 465, name)
    if office:
        assert (s.offices[office]["email"], s.offices[office]["verified_on"]) == \
            ((email or None), ("2026-11-30" if email else None))


def test_the_unverified_office_warning_says_what_to_check_and_where_to_set_it():
    from assembler.api import office_directory
    from assembler.casefile.offices import Destination, unverified

    houston = office_directory()["houston"]
    said = unverified(houston, Destination("mail", address=tuple(houston["address"])), "case.yaml").message
    assert said.startswith("the address of the Office of the Chief Counsel, Houston printed in the filing (126 "
                           "Northpoint Dr, Room 2020, Houston, TX 77060) has not been checked by your firm: check it "
                           "on ice.gov, then set the day you checked it with `pdpacket init` or in the firm's "
                           "settings file (pdpacket.yaml) under offices.houston.verified_on")
    assert "transcription" not in said and "domain brief" not in said  # words of the shipped file's source, not the user's
    firm = {**houston, "email": "pd@houston.example"}
    said = unverified(firm, Destination("email", email="pd@houston.example"), "case.yaml").message
    assert said.startswith("the address and the e-mail of the Office of the Chief Counsel, Houston printed in the "
                           "filing (126 Northpoint Dr, Room 2020, Houston, TX 77060; pd@houston.example) have not been "
                           "checked by your firm: check them on ice.gov")


def test_a_folder_that_does_not_exist_is_refused_before_any_question(tmp_path):
    result = _init(tmp_path / "nowhere", input="Smith\n")
    assert result.exit_code == ExitCode.output_not_writable
    assert "no such folder: create it first" in result.stderr and "Firm name" not in result.stdout
    assert not (tmp_path / "nowhere").exists()


def test_a_refused_answer_is_asked_again_and_the_others_are_kept(tmp_path):
    """The CLI walk: one bad answer (an e-mail without @) lost every answer typed before it."""
    typed = "\n".join(["Clinic", "Ana Ruiz", "0123", "TX", "", "555-1234", "ana at clinic", "1 Main St", "",
                       "", "", "ana@clinic.example", ""])
    result = _init(tmp_path, input=typed)
    assert result.exit_code == 0, result.output
    assert "Attorney's e-mail address: 'ana at clinic' is not an address an e-mail can be sent to" in result.stderr
    s = load_settings(tmp_path / "pdpacket.yaml")
    assert (s.attorney["firm"], s.attorney["name"], s.attorney["email"]) == ("Clinic", "Ana Ruiz", "ana@clinic.example")


def test_a_mistyped_security_port_or_day_is_asked_again_and_nothing_is_lost(tmp_path):
    # the last CLI walk-through: "STARTTLS" at the security question and "none" at the port were an internal
    # error (a KeyError, a ValueError) that wrote nothing; "12/07/2026" for the day checked was not refused
    typed = "\n".join(["Smith & Sons", "Ana Ruiz", "0123", "TX", "", "555-1234", "ana@smith.example",
                       "1 Main St", "",
                       "Houston", "pd@houston.example", "12/07/2026", "2026-12-07",
                       "smtp.smith.example", "STARTTLS-ish", "STARTTLS", "none", "2587", "", ""])
    result = _init(tmp_path, input=typed)
    assert result.exit_code == 0, result.output + result.stderr
    assert "internal error" not in result.output + result.stderr
    s = load_settings(tmp_path / "pdpacket.yaml")
    assert (s.smtp["host"], s.smtp["security"], s.smtp["port"]) == ("smtp.smith.example", "starttls", 2587)
    assert s.offices["houston"]["verified_on"] == "2026-12-07"
    # refused in words a paralegal reads (the re-walk: "'none' is not a valid integer range")
    assert "'STARTTLS-ish' is not one of the three: type starttls, tls or none" in result.output
    assert "'none' is not a port: type the number your mail provider gives, e.g. 587" in result.output
    assert "'12/07/2026' is not a day written year-month-day: type it like 2026-12-08" in result.output
