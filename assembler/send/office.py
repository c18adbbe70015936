"""Every property of an office (and of the firm's e-mail settings) the sending code reads.

The office profiles live in casefile/offices.py; what sending needs of them is
read here and nowhere else.
"""
from __future__ import annotations

from assembler.casefile import offices
from assembler.casefile.case import Case
from assembler.casefile.settings import Settings
from assembler.errors import Finding, InvalidCaseError, InvalidSettingsError

DEFAULT_LIMIT_MB = 20.0  # the encoded message, attachments included (base64 adds a third)


def office_key(case: Case) -> str:
    return case.data["office"]


def office_name(case: Case) -> str:
    return (case.office or {}).get("name") or office_key(case)


def request_email(case: Case) -> str | None:
    """Where the request goes: the address the certificate of service names (the case's
    service.email, else the office's request address; see casefile/offices.py)."""
    if case.office is None:
        return None
    found = offices.service_destination(case.service.section, case.office)
    return found.email if isinstance(found, offices.Destination) else None


def attachment_limit_mb(case: Case, settings: Settings) -> float:
    own = ((case.office or {}).get("rules") or {}).get("max_attachment_mb")
    return float(own or settings.email.get("max_attachment_mb") or DEFAULT_LIMIT_MB)


def cc(settings: Settings) -> list[str]:
    return list(settings.email.get("cc") or [])


def service_method(case: Case) -> str:
    return case.service.method


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
                                            "instructions), or put the address in the case's service.email")],
                                   f"no e-mail address for the office '{key}'")
    return address
