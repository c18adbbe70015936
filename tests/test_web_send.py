"""The web app's case list from the ledger (`pdpacket status`), and its Send button, in process
(Starlette's TestClient), with a real SMTP server the tests start on 127.0.0.1."""
from __future__ import annotations

import email
import email.policy
import html
import os
import shutil
import socket
import sys
from pathlib import Path

import pytest
import yaml
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from starlette.testclient import TestClient

from assembler import api
from assembler.send.ledger import Kind, Ledger
from assembler.web.app import Config, create_app
from assembler.web.security import csrf_token
from helpers import TODAY, approve_case, minimal, settings_form, write_case

TOKEN = "test-token-456"
OFFICE = {"name": "Office of the Chief Counsel, Chicago", "address": ["55 E Monroe St", "Chicago, IL 60603"],
          "email": "pd-requests@occ-chicago.example"}
TO = "pd-requests@occ-chicago.example"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _settings(folder: Path, port: int | None) -> None:
    doc: dict = {"offices": {"chicago": OFFICE}, "email": {"cc": ["docket@firm.example"]}}
    if port is not None:
        doc["smtp"] = {"host": "127.0.0.1", "port": port, "security": "none", "timeout": 2}
    (folder / "pdpacket.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")


def client(root: Path) -> TestClient:
    c = TestClient(create_app(Config(root, TOKEN)), base_url="http://127.0.0.1:8765", follow_redirects=False)
    c.get(f"/?token={TOKEN}")
    return c


def rows(c: TestClient) -> dict[str, dict]:
    return {r["name"]: r for r in c.get("/cases.json").json()["cases"]}


def send_events(root: Path) -> list:
    with Ledger.open(root / "pdpacket.db", create=False) as ledger:
        return [e for e in ledger.events() if e.kind == Kind.send]


@pytest.fixture
def unbuilt(tmp_path, monkeypatch) -> Path:
    """Cases e-mailed to the office, never built; the ledger beside them (none yet)."""
    monkeypatch.delenv("PDPACKET_LEDGER")
    root = tmp_path / "cases"
    write_case(root / "tenzin", minimal(**{"service.method": "email"}))
    write_case(root / "okoro", minimal(**{"service.method": "email", "respondent.detained": "true",
                                          "respondent.detention_facility": "Broadview",
                                          "respondent.detained_since": "2026-10-08",
                                          "respondent.family_names": "Okoro", "respondent.a_number": "A123456789"}))
    _settings(root, _free_port())
    return root


# --- the list from the ledger (no build) ---------------------------------------------------------

def test_looking_at_the_list_starts_no_ledger(unbuilt):
    c = client(unbuilt)
    listed = rows(c)
    assert listed["tenzin"]["status"] == "ready" and listed["tenzin"]["due"] == "build and send the request"
    c.get("/")
    c.get("/case/tenzin/build")
    assert not (unbuilt / "pdpacket.db").exists()


def test_the_list_says_sent_and_answered_from_the_ledger_detained_first(unbuilt, monkeypatch):
    calls = []
    status = api.status
    monkeypatch.setattr(api, "status", lambda *a, **k: calls.append(a) or status(*a, **k))
    api.log_sent(unbuilt / "tenzin", None, "mail")
    api.log_sent(unbuilt / "okoro", None, "email")
    api.log_response(unbuilt / "okoro", "granted", None)
    c = client(unbuilt)
    listed = c.get("/cases.json").json()["cases"]
    assert len(calls) == 1  # one look at the ledger for the whole list
    assert [(r["name"], r["status"]) for r in listed] == [("okoro", "answered"), ("tenzin", "sent")]
    tenzin = listed[1]
    assert (tenzin["sent"], tenzin["method"]) == (TODAY, "mail")
    assert tenzin["due"].startswith("no answer yet (follow up on ")
    page = c.get("/").text
    assert "answered" in page and "Due: no answer yet" in page


def send(c, name: str, **data):
    """Press Send as a browser does: the POST answers with a redirect to the page that says what happened."""
    r = c.post(f"/case/{name}/send", data={"csrf": csrf_token(TOKEN), **data})
    assert r.status_code == 303 and r.headers["location"] == f"/case/{name}/build", r.text
    return c.get(r.headers["location"])


def test_send_is_not_offered_before_a_build_nor_without_a_mail_server(unbuilt):
    c = client(unbuilt)
    page = c.get("/case/tenzin/build").text
    assert 'id="send-button" disabled' in page and "Build the filing first." in page
    r = send(c, "tenzin")
    assert r.status_code == 409 and "Not sent:" in r.text and "Build the filing first." in r.text
    _settings(unbuilt, None)
    page = html.unescape(c.get("/case/tenzin/build").text)
    assert 'No outgoing mail server in the settings: fill in "Outgoing mail server" on the Settings page' in page
    write_case(unbuilt / "paper", minimal(**{"service.method": "mail"}))
    assert "This case is served by mail, not e-mail" in c.get("/case/paper/build").text
    assert not (unbuilt / "pdpacket.db").exists()


# --- sending a built case ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def built_cases(tmp_path_factory) -> Path:
    """One e-mailed case, built once for the module (its ledger beside it)."""
    root = tmp_path_factory.mktemp("web-send") / "cases"
    write_case(root / "tenzin", minimal(**{"service.method": "email"}))
    _settings(root, _free_port())
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PDPACKET_TODAY", TODAY)
        mp.delenv("PDPACKET_LEDGER", raising=False)
        mp.delenv("PDPACKET_SETTINGS", raising=False)
        mp.setenv("XDG_CONFIG_HOME", str(root.parent / "xdg"))
        approve_case(root / "tenzin")  # no signature in ink: approved, it may go
        api.build(root / "tenzin")
        write_case(root / "draft", minimal(**{"service.method": "email", "respondent.family_names": "Draft",
                                              "respondent.a_number": "A123456780"}))
        api.build(root / "draft")  # never approved
    return root


class Inbox:
    def __init__(self):
        self.received: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append((list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"


@pytest.fixture
def cases(built_cases, tmp_path, monkeypatch) -> Path:
    """A fresh copy of the built cases folder (its ledger included)."""
    monkeypatch.delenv("PDPACKET_LEDGER")
    monkeypatch.delenv("PDPACKET_SMTP_PASSWORD", raising=False)
    root = tmp_path / "cases"
    shutil.copytree(built_cases, root)
    return root


@pytest.fixture
def inbox(cases):
    """An SMTP server on 127.0.0.1 at the port the settings name, keeping what arrives."""
    port = _free_port()
    _settings(cases, port)
    controller = Controller(Inbox(), hostname="127.0.0.1", port=port)
    controller.start()
    yield controller.handler
    controller.stop()


@pytest.mark.libreoffice
def test_send_delivers_the_filing_and_the_list_says_sent(cases, inbox):
    c = client(cases)
    assert rows(c)["tenzin"]["status"] == "built"
    page = c.get("/case/tenzin/build").text
    assert 'id="send-button" disabled' not in page
    assert 'name="again"' not in page  # "send again if already sent" waits for a first sending
    r = send(c, "tenzin")
    assert r.status_code == 200, r.text
    assert len(inbox.received) == 1
    to, data = inbox.received[0]
    assert sorted(to) == ["docket@firm.example", TO]
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert [p.get_filename() for p in message.iter_attachments()] == ["TENZIN_A087654321_PD-request.pdf"]
    assert "Sent</strong>" in r.text and TO in r.text
    assert str(message["Message-ID"]).strip() in r.text.replace("&lt;", "<").replace("&gt;", ">")
    row = rows(c)["tenzin"]
    assert (row["status"], row["sent"], row["method"]) == ("sent", TODAY, "email")
    assert "sent" in c.get("/").text
    assert [e.recipients for e in send_events(cases)] == [[TO, "docket@firm.example"]]
    assert 'name="again"' in c.get("/case/tenzin/build").text  # sent once: sending again is offered


@pytest.mark.libreoffice
def test_a_second_send_needs_again(cases, inbox):
    c = client(cases)
    assert send(c, "tenzin").status_code == 200
    r = send(c, "tenzin")
    assert r.status_code == 409
    assert "Not sent:" in r.text and f"was already sent on {TODAY}" in r.text and "pass --again" in r.text
    assert len(inbox.received) == 1
    r = send(c, "tenzin", again="on")
    assert r.status_code == 200, r.text
    assert len(inbox.received) == 2 and len(send_events(cases)) == 2
    # The answer to the POST was a redirect: reloading the page shows it again, and sends nothing.
    reloaded = c.get("/case/tenzin/build")
    assert reloaded.status_code == 200 and "Sent</strong>" not in reloaded.text
    assert len(inbox.received) == 2 and len(send_events(cases)) == 2


@pytest.mark.libreoffice
def test_send_without_the_csrf_token_is_refused(cases, inbox):
    c = client(cases)
    assert c.post("/case/tenzin/send", data={}).status_code == 403
    assert c.post("/case/tenzin/send", data={"csrf": "forged", "again": "on"}).status_code == 403
    assert inbox.received == [] and send_events(cases) == []
    assert rows(c)["tenzin"]["status"] == "built"


def test_a_case_served_by_mail_is_pointed_to_the_record_page_not_to_a_command(unbuilt):
    """Issue 26: the page printed `pdpacket log ...` for the user to copy; a web user records it on a page."""
    write_case(unbuilt / "Pineda Castro Lucia", minimal(**{"service.method": "mail"}))
    page = html.unescape(client(unbuilt).get("/case/Pineda Castro Lucia/build").text)
    assert 'served by mail, not e-mail: send it that way, then record it on the page "3. Record a sending' in page
    assert "pdpacket log" not in page and "`" not in page
    assert 'href="/case/Pineda Castro Lucia/record"' in page


# --- the Approve button ------------------------------------------------------------------------------

def approve(c: TestClient, name: str, **fields):
    return c.post(f"/case/{name}/approve", data={"csrf": csrf_token(TOKEN), **fields}, follow_redirects=True)


@pytest.mark.libreoffice
def test_a_draft_is_not_offered_for_sending_and_a_press_of_send_is_refused(cases, inbox):
    c = client(cases)
    page = c.get("/case/draft/build").text
    assert 'id="send-button" disabled' in page and "Not ready to send: draft: not approved" in page
    assert 'id="approve-button"' in page and 'data-confirm="Approve this filing?' in page
    r = send(c, "draft")
    assert r.status_code == 409 and "not approved" in r.text and "pdpacket approve" not in r.text
    assert '<a href="#approval">Approve button on this page</a>' in r.text  # the Build page links its own button
    assert inbox.received == [] and send_events(cases) == []


@pytest.mark.libreoffice
def test_approve_needs_the_attorneys_confirmation_and_the_csrf_token(cases):
    c = client(cases)
    assert c.post("/case/draft/approve", data={"as": "Daniel Okafor", "confirm": "on"}).status_code == 403
    r = approve(c, "draft", **{"as": "Daniel Okafor"})
    assert r.status_code == 409 and "Not approved:" in r.text and "tick" in r.text
    r = approve(c, "draft", **{"as": "  ", "confirm": "on"})
    assert r.status_code == 409 and "give the name of the attorney" in r.text
    assert not (cases / "draft" / "approval.json").exists()


@pytest.mark.libreoffice
def test_approve_records_the_approval_and_builds_the_final_filing(cases):
    import time
    c = client(cases)
    r = approve(c, "draft", **{"as": "Daniel Okafor", "confirm": "on"})
    assert r.status_code == 200, r.text
    assert "Approved</strong> by Daniel Okafor" in r.text
    assert (cases / "draft" / "approval.json").is_file()
    deadline = time.monotonic() + 120  # a hang, not a speed check
    while (job := c.get("/case/draft/build.json").json()["job"]) and job["state"] not in ("done", "failed"):
        assert time.monotonic() < deadline, job
        time.sleep(0.2)
    assert job["state"] == "done", job
    page = c.get("/case/draft/build").text
    assert 'id="approval-state" class="ok-line">Approved by Daniel Okafor' in page
    assert "(/s/ Daniel Okafor) typed by the build" in page  # names keep their capitals on the page
    twin = c.get("/case/draft/build.json").json()["approval"]
    assert twin["approved"] and twin["line"].startswith("approved by Daniel Okafor") and twin["not_ready"] == []
    assert 'id="approve-button"' not in page and 'id="send-button" disabled' not in page


def test_send_asks_before_it_sends(unbuilt):
    """Issue 26 (a walk-through): Send e-mailed the office at the first click, with no confirmation."""
    page = client(unbuilt).get("/case/tenzin/build").text
    form = page[page.index('id="send-form"'): page.index(">", page.index('id="send-form"'))]
    assert 'data-confirm="Send the filing now?' in form


def test_the_approve_form_warns_while_signatures_in_ink_are_awaited(unbuilt, monkeypatch):
    """A walk-through approved before the signed pages came back; reading them made the approval stale."""
    from assembler.web import build_pages, cases
    row = cases.CaseRow("tenzin", "built", signatures="awaiting signatures: 1 of 1: Tom Baker (declarant)")
    monkeypatch.setattr(cases, "case_status", lambda *a, **k: row)
    monkeypatch.setattr(build_pages, "last_build", lambda folder: {
        "filing": "T_PD-request.pdf", "pages": 5, "size_mb": 0.1, "built": "2026-12-07 10:00", "sections": [],
        "docx": [], "parts": []})
    monkeypatch.setattr(build_pages.api, "approval_view",
                        lambda *a, **k: api.ApprovalView(False, "draft: not approved", [], ["draft: not approved"]))
    page = client(unbuilt).get("/case/tenzin/build").text
    assert 'id="approve-early"' in page and "Tom Baker" in page
    row.signatures = "signatures: all 1 in the filing"
    assert 'id="approve-early"' not in client(unbuilt).get("/case/tenzin/build").text


# --- the SMTP password, set on the Settings page (issue 26, friction 1 of the web walk) ------------------------

def _login(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"paralegal", b"s3cret")
    return AuthResult(success=ok)


@pytest.mark.libreoffice
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # a test server on 127.0.0.1
def test_a_password_set_on_the_settings_page_sends_and_removed_there_is_asked_for(cases, monkeypatch):
    """A Debian server has no system keyring: the page could not take the password, and said only to set an
    environment variable for whoever starts pdpacket."""
    monkeypatch.setitem(sys.modules, "keyring", None)  # no keyring package at all, as on this machine
    port = _free_port()
    _settings(cases, port)
    doc = yaml.safe_load((cases / "pdpacket.yaml").read_text())
    doc["smtp"]["user"] = "paralegal"
    (cases / "pdpacket.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    controller = Controller(Inbox(), hostname="127.0.0.1", port=port, authenticator=_login, auth_require_tls=False,
                            auth_required=True)
    controller.start()
    try:
        c = client(cases)
        page = html.unescape(c.get("/settings").text)
        assert "No password is set for paralegal" in page and "PDPACKET_SMTP_PASSWORD" not in page
        r = c.post("/settings", data=settings_form(page) | {"smtp_password": "s3cret"})
        assert r.status_code == 303, r.text
        page = html.unescape(c.get("/settings").text)
        assert "A password is set for paralegal: kept on this computer for the user" in page and "s3cret" not in page
        kept = Path(os.environ["XDG_CONFIG_HOME"]) / "pdpacket" / "smtp-passwords.json"
        assert kept.stat().st_mode & 0o777 == 0o600 and "s3cret" not in (cases / "pdpacket.yaml").read_text()
        r = send(c, "tenzin")
        assert "Sent</strong>" in r.text, r.text
        assert len(controller.handler.received) == 1

        r = c.post("/settings", data=settings_form(page) | {"remove_password": "on"})
        assert r.status_code == 303, r.text
        page = html.unescape(c.get("/settings").text)
        assert "No password is set for paralegal" in page and not kept.exists()  # the only password kept: no file left
        r = send(c, "tenzin", again="on")
        text = html.unescape(r.text)
        assert "Not sent:" in text and "No password is set for the mail login paralegal: set it on the Settings page" in text
        assert "`" not in text and "environment variable" not in text
        assert len(controller.handler.received) == 1
    finally:
        controller.stop()
