"""Handing messages to the firm's SMTP server: the only network pdpacket uses, to the host the user names.

The password comes from the environment variable named by smtp.password_env
(default PDPACKET_SMTP_PASSWORD) or from where pdpacket keeps it for this
computer's user (send/passwords.py), never from the settings file.
"""
from __future__ import annotations

import ipaddress
import re
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from assembler.casefile.settings import Settings
from assembler.errors import ExitCode, Finding, InvalidSettingsError, PdpacketError
from assembler.send import passwords
from assembler.send.draft import Message

DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}


class SendError(PdpacketError):
    """The server refused a message, dropped the connection or did not answer. `accepted`: the numbers of
    the messages it took before (each already handed to `on_accepted`); `uncertain`: the number of the
    message it took whole but never confirmed (handed to `on_uncertain`), if any."""

    exit_code = ExitCode.send_failed

    def __init__(self, message: str, accepted: list[int] | None = None, uncertain: int | None = None):
        super().__init__(message)
        self.accepted, self.uncertain = accepted or [], uncertain


def _nothing(_: Message) -> None:
    pass


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    security: str
    user: str | None
    timeout: float
    ca_file: Path | None = None  # trusted besides the system's certificate authorities

    def tls(self) -> ssl.SSLContext:
        """Certificates and host names checked, as for any mail client (Python's defaults)."""
        context = ssl.create_default_context()
        if self.ca_file is not None:
            context.load_verify_locations(cafile=str(self.ca_file))
        return context

    def __str__(self) -> str:
        return f"{self.host}:{self.port} ({self.security})"


def server(settings: Settings) -> Server:
    smtp = settings.smtp
    where = str(settings.path) if settings.path else "the settings file (pdpacket.yaml in the cases folder)"
    if not smtp.get("host"):
        raise InvalidSettingsError([Finding(where, "smtp.host", "the firm's outgoing mail server is not set: add "
                                            "smtp: {host: smtp.firm.example, user: ...} (ask whoever runs the "
                                            "firm's e-mail)")], "no SMTP server in the settings")
    security = smtp.get("security") or "starttls"
    user = smtp.get("user")
    if user and security == "none" and not _loopback(smtp["host"]):
        raise InvalidSettingsError([Finding(where, "smtp.security", "is none, so the password would cross the "
                                            "network in clear: use starttls or tls")], "unsafe SMTP settings")
    ca_file = None
    if smtp.get("ca_file"):
        ca_file = Path(smtp["ca_file"]).expanduser()
        if not ca_file.is_absolute() and settings.path is not None:
            ca_file = settings.path.parent / ca_file
        if not ca_file.is_file():
            raise InvalidSettingsError([Finding(where, "smtp.ca_file", f"{ca_file} does not exist: name the PEM file "
                                                "of the certificate authority that signed the server's certificate")],
                                       "the SMTP certificate authority file is missing")
    return Server(smtp["host"], int(smtp.get("port") or DEFAULT_PORTS[security]), security, user,
                  float(smtp.get("timeout") or 60), ca_file)


def _loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def password(settings: Settings, user: str) -> str:
    """The environment variable smtp.password_env when set, else what pdpacket keeps for this computer's user
    (send/passwords.py: the system keyring, or a file only this user can read)."""
    return passwords.read(user, settings.smtp.get("password_env") or passwords.DEFAULT_ENV)


class _Progress:
    """How far one sending got: what the error message and the ledger must tell."""

    def __init__(self, messages: list[Message]):
        self.messages = messages
        self.accepted: list[int] = []
        self.current: Message | None = None
        self.handed_over = False  # the whole of `current`, its final "." included, went to the server


def send_all(settings: Settings, messages: list[Message], on_accepted: Callable[[Message], None] = _nothing,
             on_uncertain: Callable[[Message], None] = _nothing) -> None:
    """Send the messages over one connection, calling `on_accepted` as the server accepts each (250 after
    DATA). On any failure raise SendError naming what went out; a message taken whole (final "." sent)
    without an answer goes to `on_uncertain` first: it may have been delivered."""
    srv = server(settings)
    secret = password(settings, srv.user) if srv.user else None
    progress = _Progress(messages)
    try:
        client = _connect(srv)
        try:
            if srv.security == "starttls":
                client.starttls(context=srv.tls())
            if srv.user:
                client.login(srv.user, secret or "")
            for m in messages:
                progress.current, progress.handed_over = m, False
                refused = _deliver(client, m, progress)
                progress.accepted.append(m.number)
                progress.current = None
                on_accepted(m)
                if refused:  # accepted for the other recipients: it went out, and the user must hear of these
                    raise SendError(_failed(srv, progress, "the server refused the recipient(s) " + _refused(refused)),
                                    progress.accepted)
            _quit(client)
        finally:
            client.close()
    except SendError:
        raise
    except smtplib.SMTPAuthenticationError as exc:
        raise _error(srv, progress, f"the server refused the login of {srv.user} ({_reply(exc)}): check the user "
                     "and the password") from exc
    except smtplib.SMTPRecipientsRefused as exc:
        raise _error(srv, progress, "the server refused the recipient(s) " + _refused(exc.recipients)) from exc
    except smtplib.SMTPResponseException as exc:
        raise _error(srv, progress, f"the server refused the message ({_reply(exc)})") from exc
    # Below, no answer came: a message handed over whole may have been delivered all the same.
    except TimeoutError as exc:
        raise _lost(srv, progress, f"the server did not answer within {srv.timeout:g} s", on_uncertain) from exc
    except smtplib.SMTPServerDisconnected as exc:
        if "timed out" in str(exc):  # smtplib reports a read timeout as a disconnection
            raise _lost(srv, progress, f"the server did not answer within {srv.timeout:g} s", on_uncertain) from exc
        raise _lost(srv, progress, f"the server closed the connection ({exc})", on_uncertain) from exc
    except ssl.SSLCertVerificationError as exc:
        raise _error(srv, progress, f"the server's certificate could not be trusted ({exc.verify_message}): if the "
                     "firm's server has a certificate of the firm's own, name its certificate authority's PEM file "
                     "in smtp.ca_file") from exc
    except ssl.SSLError as exc:
        raise _lost(srv, progress, f"the secure connection failed ({exc.reason}): check smtp.security and "
                    "smtp.port", on_uncertain) from exc
    except smtplib.SMTPException as exc:
        raise _error(srv, progress, str(exc)) from exc
    except OSError as exc:
        raise _lost(srv, progress, f"{exc.strerror or exc}", on_uncertain) from exc


def _deliver(client: smtplib.SMTP, m: Message, progress: _Progress) -> dict[str, tuple[int, bytes]]:
    """One message: what smtplib's sendmail does, with the moment the final "." is handed over marked,
    since a reply lost after it leaves the message's fate unknown. Returns the refused recipients."""
    client.ehlo_or_helo_if_needed()
    sender = m.message["From"].addresses[0].addr_spec
    code, reply = client.mail(sender)
    if code != 250:
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    refused = {}
    for rcpt in m.recipients:
        code, reply = client.rcpt(rcpt)
        if code not in (250, 251):
            refused[rcpt] = (code, reply)
    if len(refused) == len(m.recipients):
        raise smtplib.SMTPRecipientsRefused(refused)
    code, reply = client.docmd("DATA")
    if code != 354:
        raise smtplib.SMTPDataError(code, reply)
    client.send(_dot_stuffed(m.as_bytes()))
    progress.handed_over = True
    code, reply = client.getreply()
    if code != 250:
        raise smtplib.SMTPDataError(code, reply)
    return refused


def _dot_stuffed(data: bytes) -> bytes:
    """The message as DATA carries it: a line starting with "." gets another, and "." alone ends it (RFC 5321)."""
    data = re.sub(rb"(?m)^\.", b"..", data)
    return data + (b"" if data.endswith(b"\r\n") else b"\r\n") + b".\r\n"


def _quit(client: smtplib.SMTP) -> None:
    """Say goodbye; every message was accepted already, so a server that fails to answer QUIT changes nothing."""
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        pass


def _error(srv: Server, progress: _Progress, why: str) -> SendError:
    return SendError(_failed(srv, progress, why), progress.accepted)


def _lost(srv: Server, progress: _Progress, why: str, on_uncertain: Callable[[Message], None]) -> SendError:
    """The connection failed without an answer: certain for a message not yet handed over whole, unknown
    for one that was (the server may have queued it just before the line went)."""
    m = progress.current
    if m is None or not progress.handed_over:
        return _error(srv, progress, why)
    on_uncertain(m)
    return SendError(_failed(srv, progress, why, uncertain=m), progress.accepted, m.number)


def _refused(recipients: dict) -> str:
    return ", ".join(f"{a} ({c[0]} {c[1].decode(errors='replace')})" for a, c in recipients.items())


def _connect(srv: Server) -> smtplib.SMTP:
    if srv.security == "tls":
        return smtplib.SMTP_SSL(srv.host, srv.port, timeout=srv.timeout, context=srv.tls())
    return smtplib.SMTP(srv.host, srv.port, timeout=srv.timeout)


def _reply(exc: smtplib.SMTPResponseException) -> str:
    text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
    return f"{exc.smtp_code} {text}"


def _failed(srv: Server, progress: _Progress, why: str, uncertain: Message | None = None) -> str:
    """What failed and at which message; the caller tells what that leaves (it knows the ledger)."""
    m = progress.current
    at = f" at message {m.number} of {m.total}" if m is not None and m.total > 1 else ""
    if uncertain is not None:
        at = (f" after it had taken message {uncertain.number} of {uncertain.total} whole, before confirming it"
              if uncertain.total > 1 else " after it had taken the message whole, before confirming it")
    return f"not sent through {srv}: {why}{at}"
