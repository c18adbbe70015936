"""The web app's settings page: the answers of `pdpacket init`, saved by the same library function into the
cases folder's pdpacket.yaml, round-tripping, keeping what the page does not show."""
from __future__ import annotations

import html
import re
from pathlib import Path

from starlette.testclient import TestClient

from assembler.casefile.settings import load_settings
from assembler.web.app import Config, create_app
from helpers import REPO, settings_form

TOKEN = "test-token-123"
BASE = "http://127.0.0.1:8765"  # the only Host the app answers


def _client(root: Path) -> TestClient:
    c = TestClient(create_app(Config(root, TOKEN)), base_url=BASE, follow_redirects=False)
    c.get(f"/?token={TOKEN}")
    return c


def test_the_page_saves_a_new_settings_file_the_loader_accepts(tmp_path):
    c = _client(tmp_path)
    form = settings_form(c.get("/settings").text) | {
        "firm": "Smith & Sons <LLP>", "address": "1 Main St\nHouston, TX 77002", "attorney_name": "Ana Ruiz",
        "bar_number": "0123", "bar_state": "TX", "phone": "555-0100", "attorney_email": "ana@smith.example",
        "office": "Houston", "smtp_host": "smtp.smith.example", "smtp_user": "ana@smith.example"}
    r = c.post("/settings", data=form)
    assert r.status_code == 303, r.text
    s = load_settings(tmp_path / "pdpacket.yaml")
    assert s.attorney["firm"] == "Smith & Sons <LLP>" and s.attorney["address"] == ["1 Main St", "Houston, TX 77002"]
    assert "houston" in (tmp_path / "pdpacket.yaml").read_text() and s.smtp["port"] == 587
    page = c.get("/settings?saved=1").text
    assert "Saved for every case in this folder." in page and "Smith &amp; Sons &lt;LLP&gt;" in page
    assert "The e-mail of this office is not set: check it on ice.gov" in page  # what to do next, in plain words


def test_a_file_loaded_and_saved_unchanged_keeps_every_value_and_key(tmp_path):
    sample = (REPO / "samples" / "pdpacket.yaml").read_text()
    (tmp_path / "pdpacket.yaml").write_text(sample)
    (tmp_path / "g28-stand-in.pdf").write_bytes((REPO / "samples" / "g28-stand-in.pdf").read_bytes())
    before = load_settings(tmp_path / "pdpacket.yaml")
    c = _client(tmp_path)
    form = settings_form(c.get("/settings").text)
    assert form["attorney_name"] == "Daniel Okafor" and form["office"] == "Office of the Chief Counsel, New York City"
    assert c.post("/settings", data=form).status_code == 303
    after = load_settings(tmp_path / "pdpacket.yaml")
    assert (after.attorney, after.smtp, after.offices, after.forms, after.email) == \
        (before.attorney, before.smtp, before.offices, before.forms, before.email)
    assert "# The firm's Form G-28 and how to fill it" in (tmp_path / "pdpacket.yaml").read_text()  # comments kept


def test_an_unknown_office_is_refused_with_the_nearest_names_and_nothing_is_written(tmp_path):
    c = _client(tmp_path)
    r = c.post("/settings", data=settings_form(c.get("/settings").text) | {"office": "Houstn", "attorney_name": "Ana Ruiz"})
    assert r.status_code == 400
    assert "No office found for “Houstn”. Did you mean Boston or Houston?" in r.text
    assert "`" not in re.sub(r"<code>.*?</code>", "", r.text)  # no command-line words in the page's messages
    assert not (tmp_path / "pdpacket.yaml").exists()


def test_a_password_typed_on_a_refused_save_is_said_not_saved(tmp_path, monkeypatch):
    """The web walk: a misspelt office sent the page back with an empty password box and "A password is set" (an
    older one, of the same login): the send then failed with the old password."""
    monkeypatch.setitem(__import__("sys").modules, "keyring", None)
    c = _client(tmp_path)
    form = settings_form(c.get("/settings").text) | {"smtp_host": "smtp.x.example", "smtp_user": "ana@x.example",
                                                     "attorney_name": "Ana Ruiz", "smtp_password": "new-pw-1"}
    r = c.post("/settings", data=form | {"office": "Bostn"})
    assert r.status_code == 400 and "new-pw-1" not in r.text  # never echoed into the page
    assert "The password you typed was not saved, because of the problem shown on this page" in html.unescape(r.text)
    assert not (tmp_path / "pdpacket.yaml").exists()


def test_a_value_the_loader_refuses_is_shown_at_its_field(tmp_path):
    c = _client(tmp_path)
    r = c.post("/settings", data=settings_form(c.get("/settings").text) | {"attorney_email": "not an address"})
    assert r.status_code == 400
    field = r.text[r.text.index('data-path="attorney_email"'):]
    assert "is not an address an e-mail can be sent to" in field[:field.index("</div>")]
    assert not (tmp_path / "pdpacket.yaml").exists()


def test_saving_needs_the_form_token_and_the_json_twin_shows_the_answers(tmp_path):
    c = _client(tmp_path)
    assert c.post("/settings", data={"firm": "X"}).status_code == 403
    assert not (tmp_path / "pdpacket.yaml").exists()
    c.post("/settings", data=settings_form(c.get("/settings").text) | {"firm": "X & Y"})
    assert c.get("/settings.json").json()["answers"]["firm"] == "X & Y"


def test_an_office_chosen_from_the_list_by_its_name_is_that_office(tmp_path):
    """Miami's name is part of Krome's ("..., Miami, Krome detained docket"): the list's value must still
    pick Miami alone."""
    c = _client(tmp_path)
    r = c.post("/settings", data=settings_form(c.get("/settings").text) | {
        "office": "Office of the Chief Counsel, Miami", "office_email": "pd@miami.example", "verified_on": "2026-11-20"})
    assert r.status_code == 303, r.text
    s = load_settings(tmp_path / "pdpacket.yaml")
    assert (s.offices["miami"]["email"], s.offices["miami"]["verified_on"]) == ("pd@miami.example", "2026-11-20")
    assert s.offices["miami_krome"]["email"] is None


def test_a_bad_date_checked_is_shown_at_its_field(tmp_path):
    c = _client(tmp_path)
    r = c.post("/settings", data=settings_form(c.get("/settings").text) | {
        "office": "Houston", "office_email": "pd@houston.example", "verified_on": "last week"})
    assert r.status_code == 400
    field = r.text[r.text.index('data-path="verified_on"'):]
    assert "last week" in field[:field.index("</div>")].split("<ul", 1)[1]
    assert not (tmp_path / "pdpacket.yaml").exists()


def test_the_web_new_case_starts_with_the_office_chosen_on_this_page(tmp_path):
    c = _client(tmp_path)
    assert c.post("/settings", data=settings_form(c.get("/settings").text) | {"attorney_name": "Ana Ruiz",
                                                                      "office": "Houston"}).status_code == 303
    r = c.post("/new", data={"csrf": settings_form(c.get("/settings").text)["csrf"], "name": "Garcia Lopez"})
    assert r.status_code == 303, r.text
    import yaml
    assert yaml.safe_load((tmp_path / "garcia-lopez" / "case.yaml").read_text())["office"] == "houston"


def test_the_page_says_where_the_password_is_kept_and_that_the_environment_wins(tmp_path, monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "keyring", None)  # no keyring here, as on a Debian server
    c = _client(tmp_path)
    form = settings_form(c.get("/settings").text) | {"smtp_host": "smtp.x.example", "smtp_user": "ana@x.example"}
    assert c.post("/settings", data=form | {"smtp_password": "pw-123"}).status_code == 303
    monkeypatch.setenv("PDPACKET_SMTP_PASSWORD", "other")
    page = html.unescape(c.get("/settings").text)
    assert "A password is set for ana@x.example: kept on this computer for the user" in page
    assert "readable by that user only" in page and "smtp-passwords" not in page and "pw-123" not in page
    assert "The environment variable PDPACKET_SMTP_PASSWORD is set where pdpacket" in " ".join(page.split())
    r = c.post("/settings", data=form | {"smtp_user": "", "smtp_host": "", "smtp_password": "pw"})
    assert r.status_code == 400 and "Enter the login name this password goes with" in r.text


def test_the_page_does_not_warn_of_another_file_when_serve_was_given_this_one(tmp_path, monkeypatch):
    # seen on the page: `serve cases --settings cases/pdpacket.yaml` (a relative path to the very file the page
    # saves) showed "the cases use that one, not the file this page saves"
    from assembler.options import CommandOptions

    root = tmp_path / "cases"
    root.mkdir()
    (root / "pdpacket.yaml").write_text("firm:\n  name: Okafor & Reyes LLP\n", encoding="utf-8")
    (tmp_path / "elsewhere.yaml").write_text("firm:\n  name: Other LLP\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    pages = {}
    for given in ("cases/pdpacket.yaml", "elsewhere.yaml"):
        c = TestClient(create_app(Config(root, TOKEN, options=CommandOptions.of(given))), base_url=BASE,
                       follow_redirects=False)
        c.get(f"/?token={TOKEN}")
        pages[given] = c.get("/settings").text
    assert "was started with other firm settings" not in pages["cases/pdpacket.yaml"]
    assert "was started with other firm settings" in pages["elsewhere.yaml"]
