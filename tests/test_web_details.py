"""The web app's smaller frictions a new paralegal met walking it end to end (issue 26): how the case list writes
an A-number, how the Build page lists why a filing is not ready and names the mail server, who recorded a sending,
how the office pickers tell two offices of one city apart."""
from __future__ import annotations

import html
import re
from types import SimpleNamespace

from assembler import api
from assembler.web import build_pages, editor
from helpers import TODAY, cases_folder, minimal
from test_web_http import client


def test_the_case_list_writes_the_a_number_with_hyphens_as_the_rest_of_the_app(tmp_path):
    root = cases_folder(tmp_path, okoro=minimal(**{"respondent.a_number": "A123456789"}))
    c = client(root)
    page = c.get("/").text
    assert "A123-456-789" in page and "A123456789<" not in page
    assert c.get("/cases.json").json()["cases"][0]["a_number"] == "A123-456-789"
    assert "A123-456-789" in c.get("/case/okoro/build").text  # the case's own pages' heads, the same
    search = re.search(r'data-search="([^"]*)"', page)
    assert search and "123456789" in search[1]  # typed without hyphens, it is still found


def _build_page_with(monkeypatch, tmp_path, not_ready):
    root = cases_folder(tmp_path, okoro=minimal())
    view = SimpleNamespace(not_ready=not_ready, approved=False, line="draft: not approved", stale=(), ok=False)
    monkeypatch.setattr(build_pages, "last_build", lambda folder: {"filing": "x.pdf", "pages": 3, "size_mb": 0.1,
                                                                    "built": "2026-12-07 10:00", "sections": [],
                                                                    "docx": [], "parts": []})
    monkeypatch.setattr(build_pages, "_approval", lambda folder, options: view)
    monkeypatch.setattr(build_pages.cases, "send_available", lambda folder, options: None)
    return html.unescape(client(root).get("/case/okoro/build").text)


def test_the_build_pages_not_ready_reasons_are_a_list_not_one_run_on_sentence(monkeypatch, tmp_path):
    reasons = ["draft: not approved: the attorney reads it, then approves it with `pdpacket approve 'okoro'`",
               "the signature in ink of Sofía García (declarant) is missing: `pdpacket signed 'okoro'`"]
    page = _build_page_with(monkeypatch, tmp_path, reasons)
    shown = page[page.index('id="send-blocked"'):]
    shown = shown[: shown.index("</div>")]
    assert "Not ready to send:" in shown and "; and" not in shown
    items = re.findall(r"<li>(.*?)</li>", shown, re.S)
    assert len(items) == 2
    assert items[0].startswith("draft: not approved") and "Sofía García" in items[1]
    button = re.search(r'id="send-button" disabled title="([^"]*)"', page)
    assert button and "Not ready to send" in button[1]


def test_the_mail_server_is_named_with_its_security_in_words(monkeypatch, tmp_path):
    result = SimpleNamespace(server="127.0.0.1:2525 (none)", notes=[],
                             messages=[SimpleNamespace(number=1, total=1, message_id="<a@b>", recipients=["x@y.example"])])
    monkeypatch.setattr(api, "send_case", lambda folder, options, again: result)
    sent = build_pages._send(tmp_path, api.NO_OPTIONS, False)
    assert sent["server"] == "127.0.0.1:2525, without encryption (no TLS)"
    result.server = "smtp.firm.example:587 (starttls)"
    assert build_pages._send(tmp_path, api.NO_OPTIONS, False)["server"] == "smtp.firm.example:587, encrypted (STARTTLS)"
    result.server = "smtp.firm.example:465 (tls)"
    assert build_pages._send(tmp_path, api.NO_OPTIONS, False)["server"] == "smtp.firm.example:465, encrypted (TLS)"


def test_a_sending_recorded_by_a_system_account_says_on_this_computer(tmp_path, monkeypatch):
    from datetime import date, timedelta

    day = date.fromisoformat(TODAY)
    root = cases_folder(tmp_path, okoro=minimal(**{"service.method": "mail"}))
    monkeypatch.setenv("PDPACKET_USER", "root")
    api.log_sent(root / "okoro", day - timedelta(days=2), "mail")
    monkeypatch.setenv("PDPACKET_USER", "lucia")
    api.log_sent(root / "okoro", day - timedelta(days=1), "hand")
    page = html.unescape(client(root).get("/case/okoro/record").text)
    recorded = page[page.index('id="recorded"'): page.index("</section>", page.index('id="recorded"'))]
    assert "by root" not in recorded and "on this computer)" in recorded
    assert "by lucia)" in recorded  # a person's account is named as before
    assert len(re.findall(r"\(recorded ", recorded)) == 2


def test_the_office_pickers_tell_two_offices_of_one_city_apart():
    offices = {o.key: o.office for o in api.list_offices()}
    assert offices["miami"]["city"] == offices["miami_krome"]["city"] == "Miami"  # the case this test is about
    labels = editor.office_choices(offices)
    assert labels["miami"] == "Miami" and labels["miami_krome"] == "Miami, Krome detained docket"
    assert len(set(labels.values())) == len(labels)
    assert editor.office_label(offices["miami_krome"]) == "Miami, Krome detained docket"


def test_the_settings_pages_office_list_labels_each_office_apart(tmp_path):
    page = client(tmp_path).get("/settings").text
    options = re.findall(r'<option value="([^"]*)">([^<]*)</option>', page[page.index('id="office-list"'):])
    assert len(options) > 20
    labels = [label for _, label in options]
    assert len(set(labels)) == len(labels), sorted(label for label in labels if labels.count(label) > 1)


def test_a_file_uploaded_but_never_saved_in_an_exhibit_is_offered_as_one(tmp_path):
    from helpers import make_pdf

    data = minimal()
    data["exhibits"] = [{"id": "lease", "file": "exhibits/lease.pdf", "title": "Lease",
                         "translation": None}]
    root = cases_folder(tmp_path, okoro=data)
    make_pdf(root / "okoro" / "exhibits" / "lease.pdf")
    make_pdf(root / "okoro" / "exhibits" / "left-behind.pdf")  # dropped on the upload zone, the form never saved
    c = client(root)
    page = html.unescape(c.get("/case/okoro").text)
    assert "The file left-behind.pdf is among the case's files but not in the filing:" in page
    assert '<button type="button" class="small" data-add-exhibit="exhibits/left-behind.pdf">Add it as an exhibit' in page
    assert 'data-add-exhibit="exhibits/lease.pdf"' not in page  # the file an exhibit names is not offered
    assert len(re.findall(r"data-add-exhibit=", page)) == 1


def test_a_case_served_electronically_is_said_so_in_words_not_by_its_key(tmp_path):
    root = cases_folder(tmp_path, okoro=minimal(**{"service.method": "eservice", "service.system": "ECAS"}))
    page = html.unescape(client(root).get("/case/okoro/build").text)
    assert "served by electronic service, not e-mail" in page and "eservice" not in page
