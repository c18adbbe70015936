"""Handing messages to the firm's SMTP server: the only network pdpacket uses, to the host the user names.

The password comes from the environment variable named by smtp.password_env
(default PDPACKET_SMTP_PASSWORD) or from the system keyring (the optional
`keyring` package, service "pdpacket-smtp", the user's name), never from the
settings file.
"""
from __future__ import annotations

import importlib
import ipaddress
import os
import smtplib
import ssl
from dataclasses import dataclass
from pathlib import Path

from assembler.casefile.settings import Settings
from assembler.errors import ExitCode, Finding, InvalidSettingsError, PdpacketError
from assembler.send.draft import Message

KEYRING_SERVICE = "pdpacket-smtp"
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}


class SendError(PdpacketError):
    """The server refused the messages, dropped the connection or did not answer: nothing recorded as sent."""

    exit_code = ExitCode.send_failed


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
    env = settings.smtp.get("password_env") or "PDPACKET_SMTP_PASSWORD"
    if os.environ.get(env):
        return os.environ[env]
    try:
        keyring = importlib.import_module("keyring")
        stored = keyring.get_password(KEYRING_SERVICE, user)
    except ImportError:
        stored = None
    except Exception as exc:  # noqa: BLE001 - keyring backends raise their own kinds
        raise SendError(f"the system keyring could not be read ({exc}): put the password in {env} instead") from exc
    if stored:
        return stored
    raise SendError(f"no password for the SMTP user {user}: set the environment variable {env}, or store it in "
                    f"the system keyring (`pip install keyring`, then `keyring set {KEYRING_SERVICE} {user}`)")


def send_all(settings: Settings, messages: list[Message]) -> None:
    """Send every message over one connection; raise SendError (naming what went out) on any failure."""
    srv = server(settings)
    secret = password(settings, srv.user) if srv.user else None
    accepted = 0
    try:
        with _connect(srv) as client:
            if srv.security == "starttls":
                client.starttls(context=srv.tls())
            if srv.user:
                client.login(srv.user, secret or "")
            for m in messages:
                refused = client.send_message(m.message)
                if refused:
                    raise SendError(_failed(srv, accepted, messages, "the server refused the recipient(s) "
                                            + ", ".join(f"{a} ({c[0]} {c[1].decode(errors='replace')})"
                                                        for a, c in refused.items())))
                accepted += 1
    except SendError:
        raise
    except smtplib.SMTPAuthenticationError as exc:
        raise SendError(_failed(srv, accepted, messages, f"the server refused the login of {srv.user} "
                                f"({_reply(exc)}): check the user and the password")) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        raise SendError(_failed(srv, accepted, messages, "the server refused the recipient(s) "
                                + ", ".join(f"{a} ({c[0]} {c[1].decode(errors='replace')})"
                                            for a, c in exc.recipients.items()))) from exc
    except smtplib.SMTPResponseException as exc:
        raise SendError(_failed(srv, accepted, messages, f"the server refused the message ({_reply(exc)})")) from exc
    except TimeoutError as exc:
        raise SendError(_failed(srv, accepted, messages, f"the server did not answer within {srv.timeout:g} s")) from exc
    except smtplib.SMTPServerDisconnected as exc:
        if "timed out" in str(exc):  # smtplib reports a read timeout as a disconnection
            raise SendError(_failed(srv, accepted, messages, f"the server did not answer within {srv.timeout:g} s")) from exc
        raise SendError(_failed(srv, accepted, messages, f"the server closed the connection ({exc})")) from exc
    except ssl.SSLCertVerificationError as exc:
        raise SendError(_failed(srv, accepted, messages, f"the server's certificate could not be trusted "
                                f"({exc.verify_message}): if the firm's server has a certificate of the firm's "
                                "own, name its certificate authority's PEM file in smtp.ca_file")) from exc
    except ssl.SSLError as exc:
        raise SendError(_failed(srv, accepted, messages, f"the secure connection failed ({exc.reason}): check "
                                "smtp.security and smtp.port")) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise SendError(_failed(srv, accepted, messages, f"{exc.strerror or exc}" if isinstance(exc, OSError)
                                else str(exc))) from exc


def _connect(srv: Server) -> smtplib.SMTP:
    if srv.security == "tls":
        return smtplib.SMTP_SSL(srv.host, srv.port, timeout=srv.timeout, context=srv.tls())
    return smtplib.SMTP(srv.host, srv.port, timeout=srv.timeout)


def _reply(exc: smtplib.SMTPResponseException) -> str:
    text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
    return f"{exc.smtp_code} {text}"


def _failed(srv: Server, accepted: int, messages: list[Message], why: str) -> str:
    total = len(messages)
    went = (f"; message(s) 1 to {accepted} of {total} had gone out before, the rest did not: send again to send "
            f"all {total}" if accepted else "; nothing was sent")
    return f"not sent through {srv}: {why}{went}; nothing was recorded as sent"
