"""The legal rules as data (assembler/data/law.yaml): what each says, its authority, its source,
the date it was last checked, and which of them a filing uses.

The code prints and applies only what the data holds; a firm corrects or adds
entries in its settings (law: entries:), field by field, and the manifest of
every filing records which entries it used and where each came from. An entry
checked longer ago than the firm's `law.stale_after_months` (or never) is named
in a warning by every build that uses it.
"""
from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from datetime import date

from assembler import resources
from assembler.errors import Finding
from assembler.vocab import Severity

FIELDS = ("kind", "text", "authority", "source", "quote", "checked_on", "checked_by", "verified", "note", "applies_to",
          "remaining", "applies", "contested", "refuses")
REQUIRED = ("text", "authority", "source")  # an entry a firm adds must say what, by what, and from where
STALE_AFTER_MONTHS = 6
SHIPPED = "pdpacket's law data (assembler/data/law.yaml)"
_CHECKED = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
MANNERS = ("admitted", "paroled", "without_inspection", "unknown")


def shipped() -> dict[str, dict]:
    return resources.data("law")["entries"]


def merge(own: dict | None, origin: str | None) -> tuple[dict[str, dict], dict[str, list[str]], list[Finding]]:
    """The shipped entries with the firm's (`own`, from the settings file `origin`) laid over them,
    field by field. Returns the entries, what the firm changed (key -> fields, or ["added"]) and
    the problems of the firm's entries."""
    entries = copy.deepcopy(shipped())
    for entry in entries.values():
        entry["origin"] = SHIPPED
    changed: dict[str, list[str]] = {}
    problems: list[Finding] = []
    for key, fields in (own or {}).items():
        fields = {k: v for k, v in (fields or {}).items() if v is not None}
        if key in entries:
            changed[key] = sorted(fields)
        else:
            missing = [f for f in REQUIRED if not fields.get(f)]
            if missing:
                problems.append(Finding(str(origin), f"law.entries.{key}",
                                        f"is not in pdpacket's law data, so it needs {', '.join(missing)}: give "
                                        "its text, its authority and where it was read (`pdpacket law` lists the "
                                        "shipped entries; check the key's spelling)"))
                continue
            changed[key] = ["added"]
        firm_check = {"verified": True} if "checked_on" in fields else {}  # the firm's day of its check against the source
        entries[key] = {**entries.get(key, {"verified": False, "checked_on": None}), **firm_check, **fields,
                        "origin": str(origin)}
    for key, fields in (own or {}).items():
        checked = (fields or {}).get("checked_on")
        if checked is not None and not _CHECKED.fullmatch(str(checked)):
            problems.append(Finding(str(origin), f"law.entries.{key}.checked_on",
                                    f"'{checked}' is not a date: write YYYY-MM-DD (the day you checked the entry)"))
    return entries, changed, problems


def checked_date(value: object) -> date | None:
    """The earliest day `checked_on` can mean ("2025" -> 2025-01-01): a date known only by its
    year counts as checked at its start, so it is never taken for fresher than it is."""
    if value is None or value == "":
        return None
    text = str(value)
    parts = [int(p) for p in text.split("-")]
    return date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the last day of a shorter month: 08-31 + 6 -> 02-28)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    for last in (31, 30, 29, 28):
        try:
            return date(year, month + 1, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def staleness(entry: dict, today: date, months: int) -> str | None:
    """Why `entry` needs checking again, or None when it was checked within `months`."""
    checked = checked_date(entry.get("checked_on"))
    if checked is None:
        return "has never been checked against its source"
    if entry.get("verified") is False:  # shipped unverified: checked_on is its source's date, not a check's
        return f"has never been checked against its source (its source is dated {entry['checked_on']})"
    if add_months(checked, months) < today:
        return f"was last checked {entry['checked_on']}, more than {months} months ago"
    return None


def citation_key(relief: str, stage: str, final_order_by: str | None = None) -> str:
    if relief == "join_motion_to_reopen":
        return f"citation.join_motion_to_reopen.{final_order_by or ''}"
    return f"citation.{relief}.{stage}"


def manner_of_entry(data: dict) -> str:
    return ((data["respondent"].get("entry") or {}).get("manner")) or "unknown"


def bond_key(manner: str, entries: Mapping[str, dict]) -> str | None:
    """The bond entry that decides a bond stipulation for a respondent who entered this way."""
    for key, entry in entries.items():
        if entry.get("kind") == "bond" and manner in (entry.get("applies_to") or []):
            return key
    return {"unknown": "bond.entry_unknown", "paroled": "bond.paroled"}.get(manner)


def used_keys(data: dict, entries: Mapping[str, dict], stage: str) -> list[str]:
    """The entries a filing of this case prints or applies (`stage`: the case's Stage value)."""
    req, p = data["request"], data["proceedings"]
    keys = [citation_key(relief, stage, p.get("final_order_by")) for relief in req["relief"]]
    if "stipulate_to_bond" in req["relief"]:
        keys.append(bond_key(manner_of_entry(data), entries) or "")
    return [k for k in dict.fromkeys(keys) if k in entries]


def warnings(shown: str, used: list[str], entries: dict, today: date, months: int) -> list[Finding]:
    """One warning per entry the filing uses that was not checked within `months`."""
    found = []
    for key in used:
        why = staleness(entries[key], today, months)
        if why:
            found.append(Finding(shown, "", f"the law entry '{key}' ({entries[key]['text']}) {why}: the attorney "
                                            f"verifies it against its source ({entries[key]['source']}), then records "
                                            f"the day in the settings (law: entries: {key}: checked_on: YYYY-MM-DD, "
                                            "or on the web app's Law page); `pdpacket law` lists every entry", Severity.warning))
    return found


def manifest_record(used: list[str], entries: dict, changed: dict[str, list[str]], months: int) -> dict:
    """What the manifest says about the law a filing relied on."""
    return {"stale_after_months": months,
            "entries": {key: {"text": entries[key]["text"], "checked_on": entries[key].get("checked_on"),
                              "verified": bool(entries[key].get("verified")), "origin": entries[key]["origin"],
                              **({"overridden": changed[key]} if key in changed else {})} for key in used},
            "overridden": {key: fields for key, fields in sorted(changed.items())}}


def describe(key: str, entry: dict, changed: list[str] | None, today: date, months: int) -> list[str]:
    """One entry as `pdpacket law` shows it: its text, authority, source, check date, status."""
    checked = entry.get("checked_on") or "never"
    status = "verified" if entry.get("verified") else "unverified"
    stale = staleness(entry, today, months)
    out = [key, f"  {entry['text']}", f"  authority: {entry['authority']}", f"  source: {entry['source']}"]
    if entry.get("quote"):  # the words read at the source, so a reader can check them without the page
        out.append(f"  quote: \"{entry['quote']}\"")
    by = f" by {entry['checked_by']}" if entry.get("checked_by") else ""
    out.append(f"  checked: {checked}{by} ({status}{'; STALE: ' + stale if stale else ''})")
    if entry.get("note"):
        out.append(f"  note: {entry['note']}")
    if entry.get("contested"):
        out.append(f"  contested: {entry['contested']}")
    if entry.get("refuses") is False:
        out.append("  refuses: no (a warning only, as the firm's settings say)")
    if entry.get("remaining"):
        out.append(f"  what remains: {entry['remaining']}")
    if changed:
        what = "added by" if changed == ["added"] else f"{', '.join(changed)} set by"
        out.append(f"  {what} {entry['origin']}")
    return out
