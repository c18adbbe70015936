"""Recording a sending by mail or hand, and the office's answer with its decision, from the web app
(issue 26 point 3): the same ledger rows as `pdpacket log`, in a case folder whose name has spaces."""
from __future__ import annotations

import html
from datetime import date, timedelta

import pytest

from assembler import api
from assembler.send.ledger import Kind, Ledger
from assembler.web.security import csrf_token
from helpers import TODAY, make_pdf, minimal, write_case
from test_web_send import TOKEN, client, unbuilt  # noqa: F401  (the `unbuilt` fixture)

NAME = "Pineda Castro Lucia"


@pytest.fixture
def mailed(unbuilt):  # noqa: F811
    write_case(unbuilt / NAME, minimal(**{"service.method": "mail", "respondent.family_names": "Pineda Castro"}))
    return unbuilt


def events(root, kind):
    with Ledger.open(root / "pdpacket.db", create=False) as ledger:
        return [e for e in ledger.events() if e.kind == kind]


def test_a_request_mailed_is_recorded_and_the_case_says_sent(mailed):
    c = client(mailed)
    page = c.get(f"/case/{NAME}/record")
    assert page.status_code == 200 and "By mail" in page.text
    r = c.post(f"/case/{NAME}/record/sent", data={"csrf": csrf_token(TOKEN), "method": "mail", "date": TODAY,
                                                  "note": "USPS certified 9407"})
    assert r.status_code == 303
    [event] = events(mailed, Kind.sent_other)
    assert (event.method, event.day, event.note) == ("mail", TODAY, "USPS certified 9407")
    assert event.case_path == NAME
    shown = c.get(r.headers["location"]).text
    assert f"Recorded: sent by mail on {TODAY}" in shown
    listed = {row["name"]: row for row in c.get("/cases.json").json()["cases"]}
    assert (listed[NAME]["status"], listed[NAME]["sent"], listed[NAME]["method"]) == ("sent", TODAY, "mail")


def test_the_answer_is_recorded_with_its_decision_kept_in_the_case(mailed, tmp_path):
    api.log_sent(mailed / NAME, None, "hand")
    decision = make_pdf(tmp_path / "decision letter.pdf", text="Prosecutorial discretion granted").read_bytes()
    c = client(mailed)
    r = c.post(f"/case/{NAME}/record/answer", data={"csrf": csrf_token(TOKEN), "outcome": "granted", "date": TODAY},
               files={"decision": ("decision letter.pdf", decision, "application/pdf")})
    assert r.status_code == 303
    [event] = events(mailed, Kind.response)
    assert (event.outcome, event.day) == ("granted", TODAY)
    kept = mailed / NAME / event.file
    assert kept.parent.name == "responses" and kept.read_bytes() == decision
    assert not [p for p in (mailed / NAME).iterdir() if p.name.startswith(".decision-")]  # nothing left behind
    listed = {row["name"]: row for row in c.get("/cases.json").json()["cases"]}
    assert listed[NAME]["status"] == "answered" and listed[NAME]["response"] == "granted"
    # the final web walk: after "Recorded: granted" the page said nothing of what comes next
    page = c.get(r.headers["location"]).text
    assert 'href="/case/' + NAME + '/court" id="record-next-court"' in page and "what is next is the court papers" in page


def test_what_cannot_be_recorded_says_why_in_plain_words_and_records_nothing(mailed):
    c = client(mailed)
    tomorrow = (date.fromisoformat(TODAY) + timedelta(days=1)).isoformat()
    token = csrf_token(TOKEN)
    cases = [
        ("sent", {"method": "mail", "date": tomorrow}, f"the date {tomorrow} is in the future"),
        ("sent", {"method": "pigeon", "date": TODAY}, "choose how the request was sent"),
        ("answer", {"outcome": "maybe", "date": TODAY}, "choose the office's answer"),
        ("sent", {"method": "mail", "date": "2027-02-30"}, "'2027-02-30' is not a date"),
    ]
    for what, data, message in cases:
        r = c.post(f"/case/{NAME}/record/{what}", data={"csrf": token, **data})
        assert r.status_code == 400, data
        page = html.unescape(r.text)
        assert message in page, page[-800:]
        assert "--date" not in page and "`" not in page
    assert c.post(f"/case/{NAME}/record/sent", data={"method": "mail", "date": TODAY}).status_code == 403
    assert c.post(f"/case/{NAME}/record/other", data={"csrf": token}).status_code == 404
    assert not (mailed / "pdpacket.db").exists()


def test_a_decision_over_the_limit_is_refused_and_leaves_nothing(mailed, tmp_path, monkeypatch):
    from assembler.web import record
    monkeypatch.setattr(record, "DECISION_LIMIT_MB", 0)
    c = client(mailed)
    r = c.post(f"/case/{NAME}/record/answer", data={"csrf": csrf_token(TOKEN), "outcome": "granted", "date": TODAY},
               files={"decision": ("decision.pdf", b"%PDF-1.4 x" * 10, "application/pdf")})
    assert r.status_code == 400 and "the decision is over 0 MB" in r.text
    assert not (mailed / "pdpacket.db").exists()
    assert not [p for p in (mailed / NAME).iterdir() if p.name.startswith(".decision-")]


def test_the_record_page_lists_the_sendings_and_answers_already_recorded_for_this_case_only(mailed, tmp_path):
    c = client(mailed)
    assert "Nothing yet: no sending and no answer recorded for this case." in c.get(f"/case/{NAME}/record").text
    api.log_sent(mailed / NAME, date.fromisoformat(TODAY) - timedelta(days=3), "mail", note="USPS certified 9407")
    decision = make_pdf(tmp_path / "decision.pdf", text="Granted")
    api.log_response(mailed / NAME, "partial", date.fromisoformat(TODAY), None, decision)
    # a copy of the folder (a new client's case started from this one) has its own history
    write_case(mailed / "copy", minimal(**{"service.method": "mail", "respondent.family_names": "Pineda Castro"}))
    page = html.unescape(c.get(f"/case/{NAME}/record").text)
    recorded = page[page.index('id="recorded"'): page.index("</section>", page.index('id="recorded"'))]
    sent_day = (date.fromisoformat(TODAY) - timedelta(days=3)).isoformat()
    assert f"<strong>{sent_day}</strong>: Sent by mail · USPS certified 9407" in recorded
    assert f"<strong>{TODAY}</strong>: Answer: Granted in part · <a href=" in recorded
    assert recorded.index(sent_day) < recorded.index("Answer:")  # oldest first
    assert "responses/" in recorded
    assert "Nothing yet" in c.get("/case/copy/record").text


@pytest.mark.libreoffice
def test_a_filing_that_does_not_say_the_service_recorded_is_a_warning_not_a_success(mailed):
    # Walking through the web app: recorded by hand while the certificate says mail, the warning showed in the
    # green "Recorded" banner, run into it, with the filing's whole path on the disk
    api.build(mailed / NAME)
    c = client(mailed)
    r = c.post(f"/case/{NAME}/record/sent", data={"csrf": csrf_token(TOKEN), "method": "hand", "date": TODAY})
    assert r.status_code == 303
    assert len(events(mailed, Kind.sent_other)) == 1  # recorded all the same: the sending happened
    page = c.get(r.headers["location"]).text
    done = page[page.index('id="record-done"'):].split("</p>", 1)[0]
    warn = html.unescape(page[page.index('id="record-warn"'):].split("</div>", 1)[0])
    assert f"Recorded: sent by hand on {TODAY}" in done and "certificate" not in done
    assert "The filing's certificate of service was not dated" in warn and "certifies service by mail" in warn
    assert str(mailed) not in page and "`" not in warn and "pdpacket build" not in warn and ".pdf" not in warn, warn
