"""Every property of an office (and of the firm's e-mail settings) the sending code reads.

The office directory is becoming a set of office profiles; the field names are
read here and nowhere else, so that only this module changes when they do.
"""
from __future__ import annotations

import re

from assembler.casefile.case import Case
from assembler.casefile.settings import Settings
from assembler.errors import Finding, InvalidCaseError, InvalidSettingsError

DEFAULT_LIMIT_MB = 20.0  # the encoded message, attachments included (base64 adds a third)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def office_key(case: Case) -> str:
    return case.data["office"]


def office_name(case: Case) -> str:
    return (case.office or {}).get("name") or office_key(case)


def request_email(case: Case) -> str | None:
    """Where the request goes: the case's own service address when it is an e-mail address
    (the certificate of service names it), else the office's request address."""
    served = (case.data.get("service") or {}).get("address")
    if served and _EMAIL.fullmatch(served.strip()):
        return served.strip()
    return (case.office or {}).get("email")


def subject_pattern(case: Case) -> str | None:
    return ((case.office or {}).get("rules") or {}).get("subject")


def attachment_limit_mb(case: Case, settings: Settings) -> float:
    own = ((case.office or {}).get("rules") or {}).get("max_attachment_mb")
    return float(own or settings.email.get("max_attachment_mb") or DEFAULT_LIMIT_MB)


def cc(settings: Settings) -> list[str]:
    return list(settings.email.get("cc") or [])


def service_method(case: Case) -> str:
    return case.data["service"]["method"]


def require_email_route(case: Case, settings: Settings) -> str:
    """The request address, or the error naming the setting to fill."""
    method = service_method(case)
    if method != "email":
        raise InvalidCaseError([Finding(case.shown, "service.method", f"is '{method}': a request goes by e-mail only "
                                        "when the case says so: set service.method to email (or send it by "
                                        f"{method} and record it with `pdpacket log CASE --sent --method {method}`)")],
                               f"{case.shown}: the case is not served by e-mail")
    address = request_email(case)
    if not address:
        key = office_key(case)
        where = str(settings.path) if settings.path else "the settings file (pdpacket.yaml in the cases folder)"
        raise InvalidSettingsError([Finding(where, f"offices.{key}.email", f"the office '{key}' has no e-mail "
                                            "address for requests: add it (from the office's own published "
                                            "instructions), or put the address in the case's service.address")],
                                   f"no e-mail address for the office '{key}'")
    return address
