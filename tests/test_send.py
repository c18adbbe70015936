"""`pdpacket email` and `pdpacket send` on a built filing: the drafts read back with the `email`
parser, and the messages received by a real SMTP server the tests start on 127.0.0.1."""
from __future__ import annotations

import email
import email.policy
import getpass
import io
import json
import os
import random
import shutil
import socket
import sys
import threading
import types
from pathlib import Path

import pytest
import yaml
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from PIL import Image
from pypdf import PdfReader
from reportlab.lib.pagesizes import letter
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from assembler.errors import ExitCode
from assembler.output import filing_title
from assembler.pdf import split
from assembler.send.draft import raw_limit
from assembler.send.ledger import Ledger
from assembler.vocab import MB
from helpers import SAMPLES, TODAY, approve_case, minimal, page_texts, write_case

pytestmark = pytest.mark.libreoffice

LIMIT_MB = 0.45  # the office's limit: the case below needs three messages under it (PDF/A: each part carries its fonts and colour profile)
OFFICE = {"name": "Office of the Chief Counsel, Chicago", "address": ["55 E Monroe St", "Chicago, IL 60603"],
          "email": "pd-requests@occ-chicago.example", "rules": {"max_attachment_mb": LIMIT_MB}}


def _noise_pdf(path, seed: int):
    """A one-page PDF of about 120 KB that does not compress (a scan, as far as size goes)."""
    image = Image.frombytes("RGB", (200, 200), random.Random(seed).randbytes(120000))
    c = canvas.Canvas(str(path), pagesize=letter, invariant=1)
    c.drawImage(ImageReader(image), 72, 300, 400, 400)
    c.drawString(72, 720, f"Scanned exhibit {seed}")
    c.showPage()
    c.save()


def _settings(folder, port: int, **more):
    doc = {"offices": {"chicago": OFFICE}, "email": {"cc": ["docket@firm.example"]},
           "smtp": {"host": "127.0.0.1", "port": port, "security": "none", "timeout": 2}, **more}
    (folder / "pdpacket.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def built_cases(tmp_path_factory):
    """A cases folder with one e-mailed case whose filing needs three messages, built once."""
    from assembler.api import build
    root = tmp_path_factory.mktemp("send") / "cases"
    root.mkdir()
    _settings(root, _free_port())
    # Served today as built: sending does not date it anew (test_service_date.py tests that).
    data = minimal(**{"service.method": "email", "service.date": TODAY})
    data["exhibits"] = [{"id": f"scan{n}", "file": f"scan{n}.pdf", "title": f"Scan {n}"} for n in range(1, 4)]
    case = write_case(root / "big", data)
    for n in range(1, 4):
        _noise_pdf(case / f"scan{n}.pdf", n)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PDPACKET_TODAY", TODAY)
        mp.delenv("PDPACKET_LEDGER", raising=False)
        mp.delenv("PDPACKET_SETTINGS", raising=False)
        mp.setenv("XDG_CONFIG_HOME", str(root.parent / "xdg"))
        approve_case(case)  # no signature in ink in this case: approved, it may go
        build(case)
    return root


@pytest.fixture
def cases(built_cases, tmp_path, pinned_today, monkeypatch):
    """A fresh copy of the built cases folder (its ledger included), on a fresh port."""
    monkeypatch.delenv("PDPACKET_LEDGER")
    monkeypatch.delenv("PDPACKET_SMTP_PASSWORD", raising=False)
    folder = tmp_path / "cases"
    shutil.copytree(built_cases, folder)
    _settings(folder, _free_port())
    return folder


def _port(folder) -> int:
    return yaml.safe_load((folder / "pdpacket.yaml").read_text())["smtp"]["port"]


def _parse(data: bytes):
    return email.message_from_bytes(data, policy=email.policy.default)


def _pdfs(message) -> list[tuple[str, bytes]]:
    return [(p.get_filename(), p.get_content()) for p in message.iter_attachments()]


def _ledger(folder):
    with Ledger.open(folder / "pdpacket.db", create=False) as ledger:
        return ledger.events()


class Inbox:
    """An aiosmtpd handler keeping what arrives; `answer` replaces the 250 (a refusing server)."""

    def __init__(self, answer: str = "250 OK"):
        self.received: list[tuple[list[str], bytes]] = []
        self.answer = answer

    async def handle_DATA(self, server, session, envelope):
        if self.answer.startswith("250"):
            self.received.append((list(envelope.rcpt_tos), envelope.original_content))
        return self.answer


@pytest.fixture
def smtp_server(cases):
    servers = []

    def start(handler=None, **kwargs):
        controller = Controller(handler or Inbox(), hostname="127.0.0.1", port=_port(cases), **kwargs)
        controller.start()
        servers.append(controller)
        return controller.handler
    yield start
    for c in servers:
        c.stop()


@pytest.fixture
def bad_server(cases):
    """A TCP server on the SMTP port that closes each connection at once ("drop") or never answers ("mute")."""
    listener = socket.socket()
    held = []

    def serve(kind):
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", _port(cases)))
        listener.listen()

        def loop():
            while True:
                try:
                    conn, _ = listener.accept()
                except OSError:
                    return
                if kind == "drop":
                    conn.close()
                else:
                    held.append(conn)
        threading.Thread(target=loop, daemon=True).start()
    yield serve
    listener.close()
    for conn in held:
        conn.close()


# --- drafts ------------------------------------------------------------------------------

def test_drafts_split_at_exhibits_under_the_office_limit(run, cases):
    out = cases / "big" / "out"
    result = run("email", cases / "big")
    assert result.code == 0, result.err
    filing = out / "TENZIN_A087654321_PD-request.pdf"
    total = len(result.out.split())
    assert total >= 3  # three exhibits of 120 KB, 0.35 MB a message: a scan or two each
    names = [f"TENZIN_A087654321_PD-request_{n}of{total}.eml" for n in range(1, total + 1)]
    assert result.out.split() == [str(out / n) for n in names]
    messages = [_parse((out / n).read_bytes()) for n in names]
    # The same parts `--split` would cut at the size the office's limit leaves for a PDF.
    copy = cases / "split" / filing.name
    copy.parent.mkdir()
    shutil.copy(filing, copy)
    expected = split.split(copy, split.units_from_manifest(json.loads((out / "manifest.json").read_text())),
                           raw_limit(int(LIMIT_MB * MB)), filing_title(minimal()))
    assert len(expected) == total
    for n, (m, part) in enumerate(zip(messages, expected), 1):
        assert len((out / names[n - 1]).read_bytes()) < LIMIT_MB * MB
        assert m["X-Unsent"] == "1"
        assert m["Subject"] == f"Request for prosecutorial discretion: Tenzin, A087-654-321, Chicago Immigration Court ({n} of {total})"
        assert m["To"].addresses[0].addr_spec == "pd-requests@occ-chicago.example"
        assert [a.addr_spec for a in m["Cc"].addresses] == ["docket@firm.example"]
        assert m["From"].addresses[0].addr_spec == "d@example.org"
        [(name, data)] = _pdfs(m)
        assert name == f"TENZIN_A087654321_PD-request_Part{n}.pdf"
        assert data[:5] == b"%PDF-"
        assert data == part.read_bytes()
        assert f"this is message {n} of {total}" in m.get_body(("plain",)).get_content()
        assert "<p>" in m.get_body(("html",)).get_content()
    first = page_texts(io.BytesIO(_pdfs(messages[0])[0][1]))
    assert any("INDEX OF EXHIBITS" in t for t in first)  # the letter and index travel in message 1
    manifest = json.loads((out / "manifest.json").read_text())
    assert [d["file"] for d in manifest["drafts"]] == names


def test_drafts_are_byte_identical_when_written_again(run, cases):
    out = cases / "big" / "out"
    assert run("email", cases / "big").code == 0
    first = {p.name: p.read_bytes() for p in out.glob("*.eml")}
    assert run("email", cases / "big").code == 0
    assert {p.name: p.read_bytes() for p in out.glob("*.eml")} == first
    assert _parse(first[min(first)])["Date"] == "Sat, 28 Nov 2026 12:00:00 +0000"  # the day it is drafted
    assert [e.kind for e in _ledger(cases)] == ["build", "draft", "draft"]


def test_one_draft_when_the_filing_fits_and_old_drafts_go(run, cases):
    out = cases / "big" / "out"
    assert run("email", cases / "big").code == 0
    settings = yaml.safe_load((cases / "pdpacket.yaml").read_text())
    settings["offices"]["chicago"]["rules"]["max_attachment_mb"] = 5
    (cases / "pdpacket.yaml").write_text(yaml.safe_dump(settings))
    result = run("email", cases / "big", "--date", "2026-11-28T09:30:00+00:00")
    assert result.code == 0, result.err
    assert sorted(p.name for p in out.glob("*.eml")) == ["TENZIN_A087654321_PD-request.eml"]
    m = _parse((out / "TENZIN_A087654321_PD-request.eml").read_bytes())
    assert _pdfs(m) == [("TENZIN_A087654321_PD-request.pdf", (out / "TENZIN_A087654321_PD-request.pdf").read_bytes())]
    assert m["Date"] == "Sat, 28 Nov 2026 09:30:00 +0000"


def test_sample_one_makes_a_draft_to_its_fictional_office_address(run, sample1_build, tmp_path):
    """Sample 1 as built is an unapproved draft with signatures in ink missing (test_approval.py): only its
    marked internal draft can be written."""
    out = tmp_path / "out"
    shutil.copytree(sample1_build.result.filing.parent, out)
    result = run("email", SAMPLES / "1-garcia-lopez", "-o", out, "--unsigned-draft")
    assert result.code == 0, result.err
    m = _parse((out / "GARCIA-LOPEZ_A201234567_PD-request_UNSIGNED-DRAFT.eml").read_bytes())
    assert m["To"].addresses[0].addr_spec == "pd-requests@occ-nyc.example"
    assert m["Subject"].startswith("UNSIGNED DRAFT - internal review only: Request for prosecutorial discretion: "
                                   "María José García López, A201-234-567")
    tab_a = next(s for s in json.loads((out / "manifest.json").read_text())["sections"] if s["tab"] == "A")
    assert (f"Tab A: Declaration of María José García López, respondent, pages {tab_a['first_page']}–"
            f"{tab_a['last_page']}") in m.get_body(("plain",)).get_content()
    assert _pdfs(m)[0][1] == sample1_build.result.filing.read_bytes()
    assert not (SAMPLES / "pdpacket.db").exists()


# --- sending -----------------------------------------------------------------------------

def test_send_delivers_every_message_whole_and_records_it(run, cases, smtp_server):
    inbox = smtp_server()
    result = run("send", cases / "big")
    assert result.code == 0, result.err
    drafts = run("email", cases / "big").out.split()  # the drafts carry the same parts
    total = len(drafts)
    assert len(inbox.received) == total >= 3
    for n, ((rcpt, data), path) in enumerate(zip(inbox.received, drafts), 1):
        assert sorted(rcpt) == ["docket@firm.example", "pd-requests@occ-chicago.example"]
        m = _parse(data)
        assert m["X-Unsent"] is None and m["Subject"].endswith(f"({n} of {total})")
        assert _pdfs(m) == _pdfs(_parse(open(path, "rb").read()))
        assert len(PdfReader(io.BytesIO(_pdfs(m)[0][1])).pages) >= 2
    sends = [e for e in _ledger(cases) if e.kind == "send"]  # one row a message, written as it was accepted
    assert [e.kind for e in _ledger(cases)] == ["build"] + ["send"] * total + ["draft"]
    assert [e.message_ids for e in sends] == [[str(_parse(d)["Message-ID"]).strip()] for _, d in inbox.received]
    assert [(e.message_number, e.message_total, e.delivery) for e in sends] == [
        (n, total, "accepted") for n in range(1, total + 1)]
    assert len({e.send_round for e in sends}) == 1
    for send in sends:
        assert send.recipients == ["pd-requests@occ-chicago.example", "docket@firm.example"]
        assert len(send.filing_sha256) == 64 and send.method == "email"
    again = run("send", cases / "big")
    assert again.code == ExitCode.not_sent
    assert "was already sent on 2026-11-28 by email to pd-requests@occ-chicago.example" in again.err
    assert "--again" in again.err and len(inbox.received) == total
    assert run("send", cases / "big", "--again").code == 0
    assert len(inbox.received) == 2 * total
    assert {str(_parse(d)["Message-ID"]).strip() for _, d in inbox.received[total:]}.isdisjoint(
        i for e in sends for i in e.message_ids)


def test_dry_run_sends_and_records_nothing(run, cases, smtp_server):
    inbox = smtp_server()
    result = run("send", cases / "big", "--dry-run")
    assert result.code == 0, result.err
    assert result.out.count("would send") >= 3 and "to pd-requests@occ-chicago.example" in result.out
    assert " from " in result.out.splitlines()[0]  # who it goes from, before a first real sending (CLI walk)
    assert inbox.received == [] and [e.kind for e in _ledger(cases)] == ["build"]


@pytest.mark.parametrize("kind", ["refuse", "drop", "mute"])
def test_a_failing_server_gives_one_error_and_nothing_is_recorded(run, cases, smtp_server, bad_server, kind):
    if kind == "refuse":
        smtp_server(Inbox("554 5.7.1 Message rejected by policy"))
    else:
        bad_server("drop" if kind == "drop" else "mute")
    result = run("send", cases / "big")
    assert result.code == ExitCode.send_failed
    why = {"refuse": "the server refused the message (554 5.7.1 Message rejected by policy)",
           "drop": "the server closed the connection", "mute": "the server did not answer within 2 s"}[kind]
    assert why in result.err and "nothing was recorded as sent" in result.err
    assert len(result.err.strip().splitlines()) == 1 and "Traceback" not in result.err
    assert [e.kind for e in _ledger(cases)] == ["build"]


def _without_consent(case_file) -> None:
    data = yaml.safe_load(case_file.read_text(encoding="utf-8"))
    del data["consent"]
    case_file.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_a_case_without_the_clients_consent_is_not_sent(run, cases, smtp_server):
    inbox = smtp_server()
    _without_consent(cases / "big" / "case.yaml")
    result = run("send", cases / "big")
    assert result.code == ExitCode.not_sent
    assert "not sent: consent: the case records no informed consent of the client" in result.err
    assert "risks: [arrest_after_dismissal, expedited_removal, losing_cancellation]" in result.err
    assert "send: {require_consent: false}" in result.err
    assert inbox.received == [] and [e.kind for e in _ledger(cases)] == ["build"]
    assert len(result.err.strip().splitlines()) == 1 and "Traceback" not in result.err


def test_a_firm_can_send_without_a_recorded_consent(run, cases, smtp_server):
    smtp_server()
    _without_consent(cases / "big" / "case.yaml")
    _settings(cases, _port(cases), send={"require_consent": False})
    result = run("send", cases / "big", "--dry-run")
    assert "consent" not in result.err
    # Past the consent check, the next one speaks: the case file changed since the build.
    assert result.code == ExitCode.not_sent and "changed since it was built" in result.err


def test_inputs_changed_since_the_build_are_not_sent(run, cases, smtp_server):
    inbox = smtp_server()
    case_file = cases / "big" / "case.yaml"
    case_file.write_text(case_file.read_text().replace("summary: S.", "summary: S. Changed."))
    result = run("send", cases / "big")
    assert result.code == ExitCode.not_sent
    assert "the case file case.yaml changed since it was built" in result.err
    assert inbox.received == []


def test_the_smtp_settings_do_not_make_the_filing_stale(run, cases, smtp_server):
    inbox = smtp_server()
    settings = yaml.safe_load((cases / "pdpacket.yaml").read_text())
    settings["email"]["cc"] = ["docket@firm.example", "paralegal@firm.example"]
    (cases / "pdpacket.yaml").write_text(yaml.safe_dump(settings))
    assert run("send", cases / "big").code == 0
    assert "paralegal@firm.example" in inbox.received[0][0]


def test_a_filing_failing_its_check_is_not_sent(run, cases, smtp_server):
    inbox = smtp_server()
    manifest_path = cases / "big" / "out" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["filing"]["pages"] += 1
    manifest_path.write_text(json.dumps(manifest))
    result = run("send", cases / "big")
    assert result.code == ExitCode.filing_check_failed
    assert "it fails its check: the manifest says" in result.err and inbox.received == []


def _auth(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"dokafor", b"s3cret")
    return AuthResult(success=ok)


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # a test server on 127.0.0.1
@pytest.mark.parametrize("source", ["environment", "keyring", "none"])
def test_the_password_comes_from_the_environment_or_the_keyring(run, cases, smtp_server, monkeypatch, source):
    settings = yaml.safe_load((cases / "pdpacket.yaml").read_text())
    settings["smtp"]["user"] = "dokafor"
    (cases / "pdpacket.yaml").write_text(yaml.safe_dump(settings))
    inbox = smtp_server(authenticator=_auth, auth_require_tls=False, auth_required=True)
    if source == "environment":
        monkeypatch.setenv("PDPACKET_SMTP_PASSWORD", "s3cret")
    fake = types.ModuleType("keyring")
    fake.get_password = lambda service, user: "s3cret" if source == "keyring" and service == "pdpacket-smtp" else None
    monkeypatch.setitem(sys.modules, "keyring", fake)
    result = run("send", cases / "big")
    if source == "none":
        assert result.code == ExitCode.send_failed
        assert "no password for the SMTP user dokafor: set it with `pdpacket smtp-password`" in result.err
        assert "or set the environment variable PDPACKET_SMTP_PASSWORD" in result.err
        assert inbox.received == []
    else:
        assert result.code == 0, result.err
        assert len(inbox.received) >= 3


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # a test server on 127.0.0.1
def test_smtp_password_keeps_it_in_a_file_only_this_user_reads_without_a_keyring(run, cases, smtp_server,
                                                                                  monkeypatch):
    monkeypatch.setitem(sys.modules, "keyring", None)  # no keyring package, as on a Debian server
    settings = yaml.safe_load((cases / "pdpacket.yaml").read_text())
    settings["smtp"]["user"] = "dokafor"
    (cases / "pdpacket.yaml").write_text(yaml.safe_dump(settings))
    inbox = smtp_server(authenticator=_auth, auth_require_tls=False, auth_required=True)
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret\n"))
    result = run("smtp-password", cases, "--stdin")
    assert result.code == 0, result.err
    kept = Path(os.environ["XDG_CONFIG_HOME"]) / "pdpacket" / "smtp-passwords.json"
    assert f"is kept in a file only {getpass.getuser()} can read ({kept})" in result.out
    assert kept.stat().st_mode & 0o777 == 0o600 and kept.parent.stat().st_mode & 0o777 == 0o700
    assert "s3cret" not in (cases / "pdpacket.yaml").read_text()
    result = run("send", cases / "big")
    assert result.code == 0, result.err
    assert len(inbox.received) >= 3
    assert run("smtp-password", cases, "--remove").code == 0
    assert "No SMTP password is kept for dokafor" in run("smtp-password", cases, "--show-status").out
    assert not kept.exists()


def test_a_password_in_the_settings_file_is_refused(run, cases):
    settings = yaml.safe_load((cases / "pdpacket.yaml").read_text())
    settings["smtp"]["password"] = "s3cret"
    (cases / "pdpacket.yaml").write_text(yaml.safe_dump(settings))
    result = run("send", cases / "big", "--dry-run")
    assert result.code == ExitCode.invalid_settings
    assert "smtp.password: a password is never read from the settings file" in result.err


# --- batch -------------------------------------------------------------------------------

def test_batch_report_gains_the_status_columns_and_drafts(run, cases):
    out = cases.parent / "batch-out"
    result = run("batch", cases, "-o", out, "--email", "-q")
    assert result.code == 0, result.err
    report = json.loads((out / "batch-report.json").read_text())["cases"]
    [row] = report
    assert row["status"] == "built"  # the settings changed (the port): the batch builds it again
    assert [e.kind for e in _ledger(cases)] == ["build", "build", "draft"]
    assert row["email"].split() == sorted(p.name for p in (out / "big").glob("*.eml"))
    assert row["email"].startswith("TENZIN_A087654321_PD-request_1of")
    assert (row["detained"], row["sent"], row["due"]) == (False, "", "send the request")
    header = (out / "batch-report.csv").read_text().splitlines()[0]
    assert header.endswith("detained,sent,method,response,next_hearing,due,email")


# --- a secure connection: STARTTLS and TLS, the certificate checked ------------------------------

@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A certificate authority of the test's own, and a certificate it signed for 127.0.0.1."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder = tmp_path_factory.mktemp("tls")
    now = datetime.datetime.now(datetime.UTC)

    def made(subject, issuer, key, signer, ca: bool, san=None):
        builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
                   .not_valid_after(now + datetime.timedelta(days=2))
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        if san:
            builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
        return builder.sign(signer, hashes.SHA256())

    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test firm CA")])
    ca = made(ca_name, ca_name, ca_key, ca_key, True)
    cert = made(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]), ca_name, key, ca_key, False,
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
    (folder / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (folder / "server.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "server.key").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                          serialization.PrivateFormat.PKCS8,
                                                          serialization.NoEncryption()))
    return folder


def _server_context(certificate):
    import ssl
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificate / "server.pem", certificate / "server.key")
    return context


@pytest.mark.libreoffice
@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_send_over_starttls_and_tls_trusting_the_firms_own_authority(run, cases, smtp_server, certificate,
                                                                      security, monkeypatch):
    port = _port(cases)
    shutil.copy(certificate / "ca.pem", cases / "firm-ca.pem")
    _settings(cases, port, smtp={"host": "127.0.0.1", "port": port, "security": security, "timeout": 5,
                                 "user": "dokafor", "ca_file": "firm-ca.pem"})
    monkeypatch.setenv("PDPACKET_SMTP_PASSWORD", "secret")
    logins = []

    def authenticate(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password, session.ssl is not None))
        return AuthResult(success=auth_data == LoginPassword(b"dokafor", b"secret"))

    if security == "starttls":  # the server refuses to go on in clear
        inbox = smtp_server(tls_context=_server_context(certificate), require_starttls=True,
                            authenticator=authenticate, auth_require_tls=True)
    else:
        inbox = smtp_server(ssl_context=_server_context(certificate), authenticator=authenticate,
                            auth_require_tls=False)  # aiosmtpd counts only STARTTLS as TLS when offering AUTH
    result = run("send", cases / "big")
    assert result.code == 0, result.err
    total = len(inbox.received)
    assert total >= 3 and _parse(inbox.received[-1][1])["Subject"].endswith(f"({total} of {total})")
    assert [e.kind for e in _ledger(cases)].count("send") == total
    # The password crossed an encrypted connection only: after STARTTLS, or on a port that speaks only TLS.
    assert logins == [(b"dokafor", b"secret", security == "starttls")]


@pytest.mark.libreoffice
def test_a_server_certificate_nobody_vouches_for_is_refused_and_nothing_sent(run, cases, smtp_server, certificate):
    port = _port(cases)
    _settings(cases, port, smtp={"host": "127.0.0.1", "port": port, "security": "starttls", "timeout": 5})
    inbox = smtp_server(tls_context=_server_context(certificate), require_starttls=True)
    result = run("send", cases / "big")
    assert result.code == ExitCode.send_failed
    assert "the server's certificate could not be trusted" in result.err and "smtp.ca_file" in result.err
    assert "nothing was sent" in result.err and "Traceback" not in result.err
    assert inbox.received == [] and [e.kind for e in _ledger(cases)].count("send") == 0
