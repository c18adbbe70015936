"""A filing sent in 7 messages when the connection fails part-way: the ledger keeps each message the
server accepted, marks the one it took without confirming as possibly sent, and a retry sends only
what is missing. Against aiosmtpd and against a small SMTP server of the test's own that drops the
connection at each point of the conversation (both on 127.0.0.1)."""
from __future__ import annotations

import email
import email.policy
import json
import random
import shutil
import socket

import pytest
import yaml
from aiosmtpd.controller import Controller
from PIL import Image
from reportlab.lib.pagesizes import letter
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

import fake_smtp
from assembler.errors import ExitCode
from assembler.send.ledger import Ledger
from helpers import TODAY, approve_case, minimal, write_case

pytestmark = pytest.mark.libreoffice

TOTAL = 7  # six scans of 120 KB, 0.45 MB a message (PDF/A: each part carries its fonts and colour profile): the letter and index, then a scan a message
OFFICE = {"name": "Office of the Chief Counsel, Chicago", "address": ["55 E Monroe St", "Chicago, IL 60603"],
          "email": "pd-requests@occ-chicago.example", "rules": {"max_attachment_mb": 0.45}}


def _settings(folder, port: int):
    doc = {"offices": {"chicago": OFFICE}, "email": {"cc": ["docket@firm.example"]},
           "smtp": {"host": "127.0.0.1", "port": port, "security": "none", "timeout": 2}}
    (folder / "pdpacket.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _scan(path, seed: int):
    """A one-page PDF of about 120 KB that does not compress."""
    image = Image.frombytes("RGB", (200, 200), random.Random(seed).randbytes(120000))
    c = canvas.Canvas(str(path), pagesize=letter, invariant=1)
    c.drawImage(ImageReader(image), 72, 300, 400, 400)
    c.drawString(72, 720, f"Scanned exhibit {seed}")
    c.showPage()
    c.save()


@pytest.fixture(scope="module")
def built_seven(tmp_path_factory):
    from assembler.api import build
    root = tmp_path_factory.mktemp("partial") / "cases"
    root.mkdir()
    _settings(root, _free_port())
    data = minimal(**{"service.method": "email"})
    data["exhibits"] = [{"id": f"scan{n}", "file": f"scan{n}.pdf", "title": f"Scan {n}"} for n in range(1, 7)]
    case = write_case(root / "big", data)
    for n in range(1, 7):
        _scan(case / f"scan{n}.pdf", n)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PDPACKET_TODAY", TODAY)
        mp.delenv("PDPACKET_LEDGER", raising=False)
        mp.delenv("PDPACKET_SETTINGS", raising=False)
        mp.setenv("XDG_CONFIG_HOME", str(root.parent / "xdg"))
        approve_case(case)  # no signature in ink in this case: approved, it may go
        build(case)
    return root


@pytest.fixture
def cases(built_seven, tmp_path, monkeypatch):
    monkeypatch.delenv("PDPACKET_LEDGER")
    folder = tmp_path / "cases"
    shutil.copytree(built_seven, folder)
    _settings(folder, _free_port())
    return folder


def _port(folder) -> int:
    return yaml.safe_load((folder / "pdpacket.yaml").read_text())["smtp"]["port"]


def _rows(folder) -> list[tuple[int | None, str | None]]:
    """(message number, delivery) of each send row."""
    with Ledger.open(folder / "pdpacket.db", create=False) as ledger:
        return [(e.message_number, e.delivery) for e in ledger.events() if e.kind == "send"]


def _numbers(received: list[bytes]) -> list[int]:
    """The message numbers, from the subjects ("... (2 of 7)")."""
    out = []
    for data in received:
        subject = email.message_from_bytes(data, policy=email.policy.default)["Subject"]
        number, total = subject.rsplit("(", 1)[1].rstrip(")").split(" of ")
        assert int(total) == TOTAL
        out.append(int(number))
    return out


def _one_line(result):
    assert "Traceback" not in result.err
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    return lines[0]


@pytest.fixture
def fake_server():
    started = []

    def start(port, point=None, at=2):
        started.append(fake_smtp.serve(port, point, at))
        return started[-1]
    yield start
    for server in started:
        fake_smtp.stop(server)


# --- the two defects, against aiosmtpd ------------------------------------------------------------

class DropAt:
    """An aiosmtpd handler that closes the connection at message `at`: at its MAIL FROM, or once it has
    taken the message whole (final "." included), before answering 250."""

    def __init__(self, at: int, when: str):
        self.at, self.when, self.mails, self.received = at, when, 0, []

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        self.mails += 1
        if self.when == "mail" and self.mails == self.at:
            server.transport.close()
        envelope.mail_from = address
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.when == "dot" and self.mails == self.at:
            server.transport.close()
            return "250 OK"  # never reaches the client: the connection is closed
        self.received.append(envelope.original_content)
        return "250 OK"


@pytest.fixture
def aiosmtpd_server(cases):
    servers = []

    def start(handler):
        controller = Controller(handler, hostname="127.0.0.1", port=_port(cases))
        controller.start()
        servers.append(controller)
        return handler
    yield start
    for c in servers:
        c.stop()


def test_a_drop_at_message_two_keeps_message_one_and_the_retry_sends_the_rest(run, cases, aiosmtpd_server):
    handler = aiosmtpd_server(DropAt(2, "mail"))
    result = run("send", cases / "big")
    assert result.code == ExitCode.send_failed
    assert _rows(cases) == [(1, "accepted")]
    line = _one_line(result)
    assert "the server closed the connection" in line and "at message 2 of 7" in line
    assert "message 1 of 7 went out and is recorded in the ledger; messages 2-7 of 7 did not go" in line
    assert _numbers(handler.received) == [1]
    handler.when = None  # the server works again
    retry = run("send", cases / "big")
    assert retry.code == 0, retry.err
    assert "sending messages 2-7 of 7; 1 was sent on 2026-11-28" in retry.err
    assert _numbers(handler.received) == [1, 2, 3, 4, 5, 6, 7]  # message 1 once
    assert _rows(cases) == [(n, "accepted") for n in range(1, 8)]
    assert run("send", cases / "big").code == ExitCode.not_sent  # all 7 went: already sent


def test_a_message_taken_whole_without_a_250_is_possibly_sent(run, cases, aiosmtpd_server):
    handler = aiosmtpd_server(DropAt(2, "dot"))
    result = run("send", cases / "big")
    assert result.code == ExitCode.send_failed
    line = _one_line(result)
    assert "nothing was sent" not in line
    assert _rows(cases) == [(1, "accepted"), (2, "uncertain")]
    assert "after it had taken message 2 of 7 whole, before confirming it" in line
    assert ("message 2 is recorded as possibly sent: check the mailbox (docket@firm.example gets a copy), then run "
            f"`pdpacket send {cases / 'big'} --possibly-sent arrived` if it arrived, or `--possibly-sent resend` "
            "if not") in line
    status = json.loads(run("status", cases, "--json").out)["cases"][0]
    assert "message 2 of 7 is possibly sent on 2026-11-28" in status["delivery"]
    assert "check the mailbox" in status["delivery"] and status["sent"] == ""
    assert status["due"].startswith("possibly sent: check the mailbox")
    assert "sent in part: message 1 of 7 was sent" in run("status", cases).out
    handler.when = None
    retry = run("send", cases / "big")  # never sends message 2 again unasked
    assert retry.code == ExitCode.not_sent
    assert "message 2 of 7 is possibly sent" in _one_line(retry) and "--possibly-sent arrived" in retry.err
    assert len(handler.received) == 1
    resend = run("send", cases / "big", "--possibly-sent", "resend")
    assert resend.code == 0, resend.err
    assert "sending messages 2-7 of 7; 1 was sent on 2026-11-28" in resend.err
    assert _numbers(handler.received) == [1, 2, 3, 4, 5, 6, 7]
    assert json.loads(run("status", cases, "--json").out)["cases"][0]["sent"] == "2026-11-28"


def test_a_possibly_sent_message_that_arrived_is_recorded_and_skipped(run, cases, aiosmtpd_server):
    handler = aiosmtpd_server(DropAt(2, "dot"))
    assert run("send", cases / "big").code == ExitCode.send_failed
    handler.when = None
    dry = run("send", cases / "big", "--possibly-sent", "arrived", "--dry-run")
    assert dry.code == 0 and dry.out.count("would send") == 5 and "would send 3 of 7" in dry.out
    assert "would send messages 3-7 of 7; 1 was sent on 2026-11-28; 2 arrived, as you say" in dry.err
    assert _rows(cases) == [(1, "accepted"), (2, "uncertain")]  # a dry run records nothing
    result = run("send", cases / "big", "--possibly-sent", "arrived")
    assert result.code == 0, result.err
    assert "sending messages 3-7 of 7; 1 was sent on 2026-11-28; 2 arrived, as you say" in result.err
    assert _numbers(handler.received) == [1, 3, 4, 5, 6, 7]
    assert _rows(cases)[2] == (2, "confirmed") and len(_rows(cases)) == 8


def test_again_sends_every_message_of_a_partial_sending(run, cases, aiosmtpd_server):
    handler = aiosmtpd_server(DropAt(3, "mail"))
    assert run("send", cases / "big").code == ExitCode.send_failed
    handler.when = None
    assert run("send", cases / "big", "--again").code == 0
    assert _numbers(handler.received) == [1, 2, 1, 2, 3, 4, 5, 6, 7]
    with Ledger.open(cases / "pdpacket.db", create=False) as ledger:
        rounds = [e.send_round for e in ledger.events() if e.kind == "send"]
    assert len(set(rounds[:2])) == 1 and set(rounds[:2]).isdisjoint(rounds[2:]) and len(set(rounds[2:])) == 1


def test_a_rebuilt_filing_is_not_completed_from_an_older_one(run, cases, aiosmtpd_server):
    handler = aiosmtpd_server(DropAt(2, "mail"))
    assert run("send", cases / "big").code == ExitCode.send_failed
    handler.when = None
    with Ledger.open(cases / "pdpacket.db", create=False) as ledger:  # as if the round carried another build
        ledger.conn.execute("UPDATE events SET filing_sha256 = 'other' WHERE kind = 'send'")
    result = run("send", cases / "big")
    assert result.code == ExitCode.not_sent
    assert "message 1 of 7 was sent on 2026-11-28 of an earlier build" in result.err and "--again" in result.err
    assert len(handler.received) == 1


# --- every point of the conversation ---------------------------------------------------------

# point, message -> (the send's exit code, what its error says, the ledger's rows, what a retry sends)
POINTS = {
    ("connect", 1): (12, "the server closed the connection", [], [1, 2, 3, 4, 5, 6, 7]),
    ("ehlo", 1): (12, "the server closed the connection", [], [1, 2, 3, 4, 5, 6, 7]),
    ("mail", 2): (12, "at message 2 of 7", [1], [2, 3, 4, 5, 6, 7]),
    ("rcpt", 2): (12, "at message 2 of 7", [1], [2, 3, 4, 5, 6, 7]),
    ("data", 2): (12, "at message 2 of 7", [1], [2, 3, 4, 5, 6, 7]),
    ("dot", 2): (12, "the server closed the connection", [1], None),
    ("dot-mute", 2): (12, "the server did not answer within 2 s", [1], None),
    ("after-250", 2): (12, "at message 3 of 7", [1, 2], [3, 4, 5, 6, 7]),
    ("after-250", 7): (0, "", [1, 2, 3, 4, 5, 6, 7], []),  # the QUIT that follows fails
}


@pytest.mark.parametrize(("point", "at"), list(POINTS), ids=[f"{p}-{n}" for p, n in POINTS])
def test_a_drop_at_each_point_is_recorded_as_it_happened(run, cases, fake_server, point, at):
    code, says, accepted, retried = POINTS[point, at]
    server = fake_server(_port(cases), point, at)
    result = run("send", cases / "big")
    assert result.code == code, result.err
    assert _numbers(server.received) == accepted
    possibly = [(at, "uncertain")] if point.startswith("dot") else []
    assert _rows(cases) == [(n, "accepted") for n in accepted] + possibly
    if code:
        line = _one_line(result)
        assert line.startswith(f"error: not sent through 127.0.0.1:{_port(cases)} (none): ") and says in line
        if not accepted:
            assert line.endswith("nothing was sent; nothing was recorded as sent")
        elif possibly:
            assert f"after it had taken message {at} of 7 whole, before confirming it" in line
            assert f"message {at} is recorded as possibly sent: check the mailbox" in line
        else:
            assert f"{'message 1 of 7' if len(accepted) == 1 else 'messages 1-2 of 7'} went out and" in line
            assert f"`pdpacket send {cases / 'big'}` sends them" in line
    else:
        assert result.out.count("sent ") == TOTAL
    retry = run("send", cases / "big")
    if retried is None:  # possibly sent: refused until the user says what the mailbox showed
        assert retry.code == ExitCode.not_sent and "--possibly-sent" in _one_line(retry)
        assert len(server.received) == len(accepted)
    elif not retried:
        assert retry.code == ExitCode.not_sent and "already sent" in retry.err
    else:
        assert retry.code == 0, retry.err
        assert _numbers(server.received) == accepted + retried
        assert ("sending messages" in retry.err) == bool(accepted)
        assert sorted(n for n, _ in _rows(cases)) == list(range(1, 8))
