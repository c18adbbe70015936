"""Office profiles: where a request goes, by which court or facility, and with what address.

The shipped directory (assembler/data/offices.yaml) holds only sourced values;
a firm adds and corrects entries in its settings. Nothing here fills a gap with
a guess: a value that is not known stays empty, and whoever needs it says so
(see `service_destination`).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assembler.casefile.case import Case

from dataclasses import dataclass

from assembler.casefile.normalize import format_a_number
from assembler.errors import Finding
from assembler.vocab import Severity

FIELDS = ("name", "city", "parent", "address", "email", "courts", "facilities", "detained_docket", "rules",
          "note", "source", "source_date", "verified_on")
RENAMED = {"as_of": "source_date (the date of the source the values come from; verified_on is the date "
                    "your firm checked them)",
           "verified": "verified_on: the date your firm checked the address and e-mail, YYYY-MM-DD"}
FIRM_SOURCE = "firm settings"


def profile(key: str, entry: dict) -> dict:
    """Every field present, with empty values where nothing is known."""
    rules = entry.get("rules") or {}
    return {
        "key": key, "name": entry.get("name"), "city": entry.get("city"), "parent": entry.get("parent"),
        "address": list(entry.get("address") or []), "email": entry.get("email") or None,
        "courts": list(entry.get("courts") or []), "facilities": list(entry.get("facilities") or []),
        "detained_docket": bool(entry.get("detained_docket")),
        "rules": {"subject": rules.get("subject"), "max_attachment_mb": rules.get("max_attachment_mb"),
                  "requires": list(rules.get("requires") or [])},
        "note": entry.get("note"), "source": entry.get("source"), "source_date": entry.get("source_date"),
        "verified_on": entry.get("verified_on"),
        # Where the address and the e-mail each come from: a firm may correct one and keep the other.
        "provenance": {name: (entry.get("provenance") or {}).get(name)
                       or {"source": entry.get("source"), "source_date": entry.get("source_date")}
                       for name in ("address", "email")},
    }


def merge(shipped: dict, firm: dict) -> dict:
    """The shipped directory with a firm's entries laid over it, field by field."""
    merged = {key: profile(key, entry) for key, entry in shipped.items()}
    for key, entry in firm.items():
        given = {k: v for k, v in entry.items() if v is not None}
        base = merged.get(key, {})
        source = {"source": given.get("source") or FIRM_SOURCE, "source_date": given.get("source_date")}
        provenance = dict(base.get("provenance") or {})
        for name in ("address", "email"):
            if name in given or key not in merged:
                provenance[name] = source
        if key not in merged:
            base = {**base, **source}
        given["provenance"] = provenance
        if "rules" in given:
            given["rules"] = {**(base.get("rules") or {}), **{k: v for k, v in given["rules"].items()
                                                               if v is not None}}
        merged[key] = {**base, **given}
    return {key: profile(key, entry) for key, entry in merged.items()}


def problems(offices: dict, file: str) -> list[Finding]:
    """What makes a merged directory unusable: an office without a name, a parent that does not exist."""
    found = []
    for key, o in offices.items():
        if not o["name"]:
            found.append(Finding(file, f"offices.{key}.name", "a new office needs a name, e.g. "
                                 "\"Office of the Chief Counsel, Harlingen\""))
        if o["parent"] and o["parent"] not in offices:
            found.append(Finding(file, f"offices.{key}.parent", f"'{o['parent']}' is not an office key: "
                                 "see `pdpacket offices`"))
    return found


def renamed_fields(data: dict, file: str, lines: dict) -> list[Finding]:
    """Settings written for an older pdpacket: say what the renamed fields are called now."""
    found = []
    for section in ("offices", "courts"):  # the court directory's entries use the offices' names too
        entries = data.get(section)
        for key, entry in (entries.items() if isinstance(entries, dict) else []):
            for old, new in RENAMED.items():
                if isinstance(entry, dict) and old in entry:
                    path = f"{section}.{key}.{old}"
                    found.append(Finding(file, path, f"'{old}' was renamed: write {new}", line=lines.get(path)))
    return found


def _matches(names: list[str], value: str | None) -> int:
    """The length of the longest entry of `names` found in `value` (0: none)."""
    text = (value or "").casefold()
    return max((len(n) for n in names if n and n.casefold() in text), default=0)


def for_court(offices: dict, court: str) -> list[dict]:
    """The offices covering `court`, the most specific first (a sub-office before its parent)."""
    scored = [(_matches(o["courts"], court), bool(o["parent"]), o) for o in offices.values()]
    found = [(score, sub, o) for score, sub, o in scored if score]
    found.sort(key=lambda t: (-t[1], -t[0], t[2]["key"]))
    return [o for _, _, o in found]


def for_facility(offices: dict, facility: str | None) -> list[dict]:
    return [o for o in offices.values() if o["detained_docket"] and _matches(o["facilities"], facility)]


def covers(office: dict, court: str) -> bool:
    return bool(_matches(office["courts"], court))


@dataclass(frozen=True)
class Destination:
    """Where service went: an e-mail address, a street address, or a system's name."""

    method: str
    email: str | None = None
    address: tuple[str, ...] = ()
    system: str | None = None


def service_destination(service: Mapping[str, Any], office: dict) -> Destination | tuple[str, str]:
    """The address of the kind the method needs, or (field, message) saying which field must supply it."""
    method = service["method"]
    key = office["key"]
    if method == "email":
        email = service.get("email") or office["email"]
        if not email:
            return ("service.email", f"service by e-mail needs an e-mail address, and none is known for the office "
                    f"'{key}': write it as service.email, or set offices.{key}.email in the firm's settings file "
                    "once it is verified")
        return Destination(method, email=email)
    if method in ("mail", "hand"):
        address = service.get("address") or office["address"]
        if not address:
            how = "by mail" if method == "mail" else "by hand"
            return ("service.address", f"service {how} needs a street address, and none is known for the office "
                    f"'{key}': write it as service.address, or set offices.{key}.address in the firm's "
                    "settings file once it is verified")
        return Destination(method, address=tuple(address))
    system = service.get("system")
    if not system:
        return ("service.system", "electronic service needs the name of the system used: write it as "
                "service.system")
    return Destination(method, system=system)


def unverified(office: dict, destination: Destination | None, file: str = "settings") -> Finding | None:
    """The warning every build gives while the address it prints has not been checked by the firm."""
    if office.get("verified_on"):
        return None
    printed = []
    if office["address"]:
        printed.append(("address", ", ".join(office["address"]), office["provenance"]["address"]))
    if destination is not None and destination.email and destination.email == office["email"]:
        printed.append(("e-mail", destination.email, office["provenance"]["email"]))
    if not printed:
        return None
    # Plain words (issue 26): what was printed, what to check, where to record it. The shipped file's
    # `source` stays in the manifest (manifest_record); quoted here it read as jargon to a paralegal.
    kinds = " and the ".join(kind for kind, _, _ in printed)
    values = "; ".join(value for _, value, _ in printed)
    many = len(printed) > 1
    return Finding(file, "office", f"the {kinds} of the {office['name'] or office['key']} printed in the filing "
                                   f"({values}) {'have' if many else 'has'} not been checked by your firm: check "
                                   f"{'them' if many else 'it'} on ice.gov, then set the day you checked it with "
                                   "`pdpacket init` or in the firm's settings file (pdpacket.yaml) under "
                                   f"offices.{office['key']}.verified_on",
                   Severity.warning)


def size_limit_mb(settings_limit: float, office: dict | None) -> float:
    """The office's own attachment limit, when the firm recorded a smaller one."""
    own = ((office or {}).get("rules") or {}).get("max_attachment_mb")
    return min(settings_limit, own) if own else settings_limit


def subject_line(office: dict, name: str, a_number: str) -> str | None:
    """The e-mail subject the office's rules prescribe, filled in (None when it prescribes none)."""
    pattern = office["rules"]["subject"]
    if not pattern:
        return None
    return pattern.replace("{name}", name).replace("{a_number}", a_number)


def office_warnings(case: Case) -> list[Finding]:
    """What every build of `case` (a validated casefile.case.Case) says about its office."""
    if case.office is None:
        return []
    found = service_destination(case.data["service"], case.office)
    warning = unverified(case.office, found if isinstance(found, Destination) else None, case.shown)
    return [warning] if warning else []


def manifest_record(case: Case) -> dict:
    """The office a filing went to, as the manifest records it: which entry, what was printed, from where."""
    office = case.office or {}
    found = service_destination(case.data["service"], office) if office else None
    destination = found if isinstance(found, Destination) else None
    provenance = office.get("provenance") or {}
    return {"key": office.get("key"), "name": office.get("name"),
            "address": office.get("address") or [], "address_source": provenance.get("address"),
            "email": office.get("email"), "email_source": provenance.get("email"),
            "verified_on": office.get("verified_on"),
            "service": {"method": case.data["service"]["method"],
                        "email": destination.email if destination else None,
                        "address": list(destination.address) if destination else [],
                        "system": destination.system if destination else None},
            "email_subject": subject_line(office, _name(case.data), format_a_number(case.data["respondent"]["a_number"]))
            if office else None}


def _name(data: dict) -> str:
    r = data["respondent"]
    return " ".join(p for p in (r.get("given_names"), r["family_names"]) if p)


@dataclass(frozen=True)
class OfficeView:
    """One office as `pdpacket offices` shows it."""

    office: dict
    sub: bool  # a sub-office, shown under its main office

    @property
    def key(self) -> str:
        return self.office["key"]

    def lines(self) -> list[str]:
        """What is known of the office, one fact a line; empty values say where to set them."""
        o, key = self.office, self.office["key"]
        unset = f"not set (set offices.{key}.%s in the settings file)"
        rules = o["rules"]
        said = [f"subject '{rules['subject']}'" if rules["subject"] else "",
                f"attachments up to {rules['max_attachment_mb']:g} MB" if rules["max_attachment_mb"] else "",
                f"requires {', '.join(rules['requires'])}" if rules["requires"] else ""]
        out = [o["name"]]
        if o["parent"]:
            out.append(f"sub-office of {o['parent']}" + (", detained docket" if o["detained_docket"] else ""))
        out += ["address: " + ("; ".join(o["address"]) if o["address"] else unset % "address"),
               "e-mail: " + (o["email"] or unset % "email"),
                "courts: " + (", ".join(o["courts"]) or "none recorded")]
        if o["facilities"]:
            out.append("facilities: " + ", ".join(o["facilities"]))
        out.append("rules: " + ("; ".join(x for x in said if x) or "none recorded"))
        if o["note"]:
            out.append(f"note: {o['note']}")
        # An undated source's date is the day it was copied (offices.yaml): "undated ..., dated X" read as a contradiction
        dated = "" if not o["source_date"] else f", copied on {o['source_date']}" if "undated" in (o["source"] or "") \
            else f", dated {o['source_date']}"
        checked = f"verified on {o['verified_on']}" if o["verified_on"] else "unverified"
        out.append(f"source: {o['source'] or 'none recorded'}{dated}; {checked}")
        return out
