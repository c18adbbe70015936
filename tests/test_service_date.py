"""Service dated when it happens (issue 23 point 6): `send` and `email` date the certificate of service
and the letter the day the filing goes, `log --sent --method mail|hand` the day it was served; the case
file is never written; the approval holds over a change of the service date alone; a service date given
at sending that is still to come, or before the filing was built, is refused."""
from __future__ import annotations

import io
import json
import shutil

import pytest
import yaml
from aiosmtpd.controller import Controller

from assembler.errors import ExitCode
from assembler.pdf import pades
from assembler.send.ledger import Kind, Ledger
from helpers import approve_case, minimal, page_texts, write_case
from test_pades import APPROVED_AT, PASSWORD, make_pkcs12, validate_with_pyhanko
from test_send import Inbox, _free_port, _parse, _pdfs, _settings

pytestmark = pytest.mark.libreoffice

BUILT_ON = "2026-11-26"  # the fixture's builds; the tests run on TODAY, 2026-11-28 (conftest)
PLANNED = "2026-11-25"  # the service date the case files say
FILING = "TENZIN_A087654321_PD-request.pdf"


def _texts(pdf) -> list[str]:
    """The pages' text with its lines joined: a date may be broken across two lines of a page."""
    return [" ".join(t.split()) for t in page_texts(pdf)]


def _certificate(texts: list[str]) -> str:
    [page] = [t for t in texts if t.startswith("CERTIFICATE OF SERVICE")]
    return page


def _events(folder, kind=None):
    with Ledger.open(folder / "pdpacket.db", create=False) as ledger:
        return [e for e in ledger.events() if kind is None or e.kind == kind]


@pytest.fixture(scope="module")
def built_cases(tmp_path_factory):
    """A cases folder with two approved cases built on BUILT_ON: one served by e-mail, one by mail."""
    from assembler.api import build
    root = tmp_path_factory.mktemp("service-date") / "cases"
    root.mkdir()
    _settings(root, _free_port())
    for name, method in (("emailed", "email"), ("mailed", "mail")):
        write_case(root / name, minimal(**{"service.method": method, "service.date": PLANNED}))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PDPACKET_TODAY", BUILT_ON)
        mp.delenv("PDPACKET_LEDGER", raising=False)
        mp.delenv("PDPACKET_SETTINGS", raising=False)
        mp.setenv("XDG_CONFIG_HOME", str(root.parent / "xdg"))
        for name in ("emailed", "mailed"):
            approve_case(root / name)
            build(root / name)
    return root


@pytest.fixture
def cases(built_cases, tmp_path, pinned_today, monkeypatch):
    monkeypatch.delenv("PDPACKET_LEDGER")
    folder = tmp_path / "cases"
    shutil.copytree(built_cases, folder)
    _settings(folder, _free_port())
    return folder


@pytest.fixture
def inbox(cases):
    port = yaml.safe_load((cases / "pdpacket.yaml").read_text())["smtp"]["port"]
    controller = Controller(Inbox(), hostname="127.0.0.1", port=port)
    controller.start()
    yield controller.handler
    controller.stop()



def test_send_dates_the_certificate_and_the_letter_the_day_it_is_sent(run, cases, inbox):
    case_file = cases / "emailed" / "case.yaml"
    before = case_file.read_bytes()
    built = _texts(cases / "emailed" / "out" / FILING)
    assert "November 25, 2026" in _certificate(built)  # as the case file says, until it is sent
    result = run("send", cases / "emailed")
    assert result.code == 0, result.err
    assert "built again with the service date 2026-11-28" in result.err
    [(_, data)] = inbox.received
    [(name, pdf)] = _pdfs(_parse(data))
    texts = _texts(io.BytesIO(pdf))
    assert "November 28, 2026" in _certificate(texts) and "November 25, 2026" not in _certificate(texts)
    assert texts[0].count("November 28, 2026") >= 1 and "November 25, 2026" not in texts[0]  # the letter's date
    assert "/s/ Daniel Okafor" in texts[1] and "DRAFT" not in " ".join(texts)  # as approved: signed, final
    # the filing on file is the one sent, its manifest says the date; the case file is untouched
    out = cases / "emailed" / "out"
    assert (out / name).read_bytes() == pdf
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["service_date"] == "2026-11-28" and manifest["approval"]["state"] == "approved"
    assert case_file.read_bytes() == before
    [sent] = _events(cases, Kind.send)
    assert (sent.day, sent.filing_sha256) == ("2026-11-28", manifest["filing"]["sha256"])
    assert (sent.approved_by, sent.approved_at) == ("Daniel Okafor", "2026-12-01T12:00:00+00:00")
    assert sent.content_key == json.loads((cases / "emailed" / "approval.json").read_text())["content_key"]
    rebuilt = [e for e in _events(cases, Kind.build) if e.filing_sha256 == sent.filing_sha256]
    assert [e.day for e in rebuilt] == ["2026-11-28"]


def test_two_sendings_on_one_day_send_the_same_bytes_and_a_plain_build_keeps_the_case_files_date(run, cases, inbox):
    out = cases / "emailed" / "out"
    plain = (out / FILING).read_bytes()
    assert run("send", cases / "emailed").code == 0
    assert run("send", cases / "emailed", "--again").code == 0
    first, second = (_pdfs(_parse(data))[0][1] for _, data in inbox.received)
    assert first == second != plain
    assert run("build", cases / "emailed").code == 0
    assert (out / FILING).read_bytes() == plain  # a plain build: the case file's date, byte for byte
    assert json.loads((out / "manifest.json").read_text())["service_date"] == PLANNED


def test_email_dates_its_drafts_and_their_filing_the_day_they_are_made(run, cases):
    case_file = cases / "emailed" / "case.yaml"
    before = case_file.read_bytes()
    result = run("email", cases / "emailed")
    assert result.code == 0, result.err
    m = _parse((cases / "emailed" / "out" / "TENZIN_A087654321_PD-request.eml").read_bytes())
    assert m["Date"] == "Sat, 28 Nov 2026 12:00:00 +0000"
    [(_, pdf)] = _pdfs(m)
    assert "November 28, 2026" in _certificate(_texts(io.BytesIO(pdf)))
    assert case_file.read_bytes() == before
    [drafted] = _events(cases, Kind.draft)
    assert (drafted.approved_by, drafted.approved_at) == ("Daniel Okafor", "2026-12-01T12:00:00+00:00")
    # --date is the date, when given
    result = run("email", cases / "emailed", "--date", "2026-11-27")
    assert result.code == 0, result.err
    m = _parse((cases / "emailed" / "out" / "TENZIN_A087654321_PD-request.eml").read_bytes())
    assert m["Date"] == "Fri, 27 Nov 2026 12:00:00 +0000"
    assert "November 27, 2026" in _certificate(_texts(io.BytesIO(_pdfs(m)[0][1])))


@pytest.mark.parametrize("args, why", [
    (("email", "{case}", "--date", "2026-11-29"), "--date 2026-11-29 is in the future (today is 2026-11-28)"),
    (("email", "{case}", "--date", "2026-11-25"), f"--date 2026-11-25 is before {FILING} was built ({BUILT_ON})"),
    (("log", "{case}", "--sent", "--method", "mail", "--date", "2026-11-29"),
     "--date 2026-11-29 is in the future (today is 2026-11-28)"),
    (("log", "{case}", "--sent", "--method", "mail", "--date", "2026-11-25"),
     f"--date 2026-11-25 is before {FILING} was built ({BUILT_ON})"),
])
def test_a_service_date_still_to_come_or_before_the_build_is_refused(run, cases, args, why):
    case = cases / ("mailed" if "log" in args else "emailed")
    out = case / "out"
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    rows = len(_events(cases))
    result = run(*(a.format(case=case) for a in args))
    assert result.code == ExitCode.invalid_case
    assert result.err.startswith(f"error: {case / 'case.yaml'}: service.date: {why}")
    assert result.err.count("\n") == 1 and "Traceback" not in result.err
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before  # nothing built, no draft
    assert len(_events(cases)) == rows


def test_log_sent_by_mail_dates_the_certificate_and_builds_the_filing_again(run, cases):
    case = cases / "mailed"
    before = (case / "case.yaml").read_bytes()
    result = run("log", case, "--sent", "--method", "mail", "--date", "2026-11-27")
    assert result.code == 0, result.err
    filing = case / "out" / FILING
    assert f"its certificate of service dated 2026-11-27: {filing}" in result.err
    assert "sent by mail on 2026-11-27" in result.out
    texts = _texts(filing)
    assert "November 27, 2026" in _certificate(texts) and "November 25, 2026" not in _certificate(texts)
    assert "first-class mail" in _certificate(texts)
    manifest = json.loads((case / "out" / "manifest.json").read_text())
    assert manifest["service_date"] == "2026-11-27"
    [logged] = _events(cases, Kind.sent_other)
    assert (logged.day, logged.method, logged.filing_sha256) == ("2026-11-27", "mail", manifest["filing"]["sha256"])
    assert (case / "case.yaml").read_bytes() == before


def test_the_filing_dated_anew_is_signed_again_with_the_firms_certificate(run, cases, inbox, monkeypatch):
    ca, _ = make_pkcs12(cases / "attorney.p12")
    settings = yaml.safe_load((cases / "pdpacket.yaml").read_text())
    (cases / "pdpacket.yaml").write_text(yaml.safe_dump({**settings, "signing": {"pkcs12": "attorney.p12"}}))
    monkeypatch.setenv(pades.DEFAULT_PASSWORD_ENV, PASSWORD)
    result = run("send", cases / "emailed")
    assert result.code == 0, result.err
    [(_, data)] = inbox.received
    [(name, pdf)] = _pdfs(_parse(data))
    assert "November 28, 2026" in _certificate(_texts(io.BytesIO(pdf)))
    status = validate_with_pyhanko(cases / "emailed" / "out" / name, ca)
    assert (cases / "emailed" / "out" / name).read_bytes() == pdf
    assert status.intact and status.valid and status.trusted
    assert status.signer_reported_dt.isoformat() == APPROVED_AT  # signed as approved, dated as sent


def test_a_service_date_still_to_come_in_the_case_file_is_a_warning_at_build_not_an_error(run, cases):
    case = cases / "emailed"
    text = (case / "case.yaml").read_text(encoding="utf-8")
    (case / "case.yaml").write_text(text.replace(PLANNED, "2026-12-03"), encoding="utf-8")
    result = run("build", case)
    assert result.code == 0, result.err
    assert (f"{case / 'case.yaml'}: service.date: warning: 2026-12-03 is still to come (today is 2026-11-28)"
            in result.err)
    assert "the certificate will be dated when it is sent" in result.err
    assert "December 3, 2026" in _certificate(_texts(case / "out" / FILING))  # as the case file says


def test_log_sent_by_another_method_than_the_certificate_says_is_recorded_and_the_filing_kept(run, cases):
    case = cases / "mailed"
    before = (case / "out" / FILING).read_bytes()
    result = run("log", case, "--sent", "--method", "hand", "--date", "2026-11-27")
    assert result.code == 0, result.err
    assert ("its certificate of service was not dated 2026-11-27: it certifies service by mail (service.method in "
            "case.yaml), not by hand: correct service.method, build again") in result.err
    assert (case / "out" / FILING).read_bytes() == before
    [logged] = _events(cases, Kind.sent_other)
    assert (logged.method, logged.day) == ("hand", "2026-11-27")
