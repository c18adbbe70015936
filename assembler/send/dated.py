"""Service dated when it happens (issue 23 point 6).

The certificate of service certifies the day the filing was served, and the letter is dated that
day too (documents/context.py: the letter's date is the service date). A plain `build` dates both
from the case file's `service.date`, so that it stays byte-identical on any day; the day the filing
is actually served is known only at the sending:
- `send` serves it today, `email` drafts it today (or on its `--date`);
- `log --sent --method mail|hand [--date D]` records a service by mail or by hand on D.
Each dates the filing anew when the built one says another day: it is built again from the case
with that service date, in memory (the case file is never written), into the same output folder,
and recorded like any build. The attorney's approval holds over that rebuild, its key leaves the
service date out (pdf/manifest.undated): the text is what was approved, the date is a fact of the
sending. The rebuild prints the approved "/s/" and is signed again with the firm's certificate
(pdf/pades.py) like every final build.

A day given at sending is refused when it is still to come, or before the day the filing served was
built: the manifest keeps no time (a rebuild gives the same manifest), so that day is the ledger's
first `build` row of the same filing, or of its text dated another day (the build rows keep its content key).
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from assembler.casefile.case import Case, today
from assembler.errors import InvalidCaseError, command
from assembler.pdf.manifest import service_date, with_service_date
from assembler.send.built import Built
from assembler.send.ledger import Event, Kind

# The methods whose service pdpacket does not see happen: `log --sent` dates the certificate with them.
LOGGED_SERVICE = ("mail", "hand")


def dated(case: Case, day: date) -> Case:
    """The case as it is, but served on `day`: a copy, the case file and `case.data` untouched."""
    return replace(case, data=with_service_date(case.data, day.isoformat()), problems=list(case.problems))


def built_date(built: Built) -> str | None:
    """The service date the built filing carries (None: built by a pdpacket that did not record it)."""
    return built.manifest.get("service_date")


def needs_dating(built: Built, day: date) -> bool:
    return built_date(built) != day.isoformat()


def hand_edited(built: Built) -> list[str]:
    """The copies edited by hand (CASE/edits/) the built filing used: their text is the user's, dates
    included, and a rebuild cannot date them anew."""
    return [e["file"] for e in built.manifest.get("edits") or [] if e.get("file")]


def hand_edited_refusal(built: Built, case: Case, day: date) -> str:
    """Why a filing with hand-edited copies is not dated anew, and the way to send it dated right."""
    files = hand_edited(built)
    return (f"{built.filing.name} uses the copies edited by hand {', '.join(files)}, whose text pdpacket cannot "
            f"date {day.isoformat()}: set service.date to {day.isoformat()} in {case.file.name}, bring the copies up "
            f"to date (`{command('edit', case.dir, Path(files[0]).stem, '--refresh')}`, then your edits again), "
            "build and send it that day")


def first_built(events: list[Event], built: Built) -> date | None:
    """The day the filing served was first built, from the case's ledger rows: a build of the same bytes,
    or of the same text dated another day (its content key, which leaves the service date out)."""
    key = built.manifest.get("content_key")
    days = [e.day for e in events if e.kind == Kind.build
            and (e.filing_sha256 == built.sha256 or (key is not None and e.content_key == key))]
    return date.fromisoformat(min(days)) if days else None


def require_servable(case: Case, day: date, given: str, built: Built | None, built_on: date | None) -> None:
    """Refuse a service date given at sending (`given`: how the user gave it, "--date 2026-12-09") that
    is still to come, or before the day the filing served was built."""
    now = today()
    where = f"{case.file}: service.date"
    if day > now:
        raise InvalidCaseError([], f"{where}: {given} is in the future (today is {now.isoformat()}): a filing is "
                                   "served on the day it goes: give the day it was served, or leave --date out "
                                   "for today")
    if built is not None and built_on is not None and day < built_on:
        raise InvalidCaseError([], f"{where}: {given} is before {built.filing.name} was built ({built_on.isoformat()}): "
                                   "a filing cannot be served before it exists: give the day it was served (on or "
                                   f"after {built_on.isoformat()})")


def rebuilt_note(built: Built, case: Case, day: date) -> str:
    """What a command that dated the filing anew says on stderr."""
    planned = service_date(case.data)
    return (f"{built.filing}: built again with the service date {day.isoformat()} (the certificate of service "
            f"and the letter say the day it is served; the case file says {planned}, and is not changed)")
