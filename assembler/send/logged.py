"""`pdpacket log`: what happened outside pdpacket, in the ledger: a request sent by other means (its
certificate of service dated the day it was served by mail or by hand, send/dated.py), the office's answer
with its decision kept in the case folder."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from assembler import atomic
from assembler.casefile.case import today
from assembler.errors import InputFileError, OutputError, UsageError, command
from assembler.files import sha256
from assembler.options import NO_OPTIONS, CommandOptions
from assembler.send import dated
from assembler.send.built import Built, load_built
from assembler.send.flow import Context, served_on, shown
from assembler.send.ledger import Event, Kind

RESPONSES_DIR = "responses"


# --- what happened outside pdpacket ---------------------------------------------------

def log_sent(case_path: Path, day: date | None, method: str, options: CommandOptions = NO_OPTIONS,
             note: str | None = None, out: Path | None = None) -> tuple[Event, list[str]]:
    """Record a request sent by other means on `day` (today by default). Served by mail or by hand, the
    built filing's certificate of service is dated that day: the filing is built again with it (dated.py)."""
    ctx = Context.load(case_path, options)
    built: Built | None = None
    try:
        built = load_built(ctx.case, ctx.settings, Path(out) if out else ctx.case.dir / "out")
    except InputFileError:
        pass  # a request prepared elsewhere can be recorded too
    served = day or today()
    dated.require_servable(ctx.case, served, f"--date {served.isoformat()}", built,
                           dated.first_built(ctx.own_events(), built) if built else None)
    if built is not None and method in dated.LOGGED_SERVICE:
        built = _date_served_filing(ctx, built, served, method)
    event = ctx.record(ctx.event(Kind.sent_other, day=served.isoformat(), method=method, note=note,
                                 filing_sha256=built.sha256 if built else None,
                                 **(ctx.approval_fields() if built else {})))
    return event, ctx.notes


def _date_served_filing(ctx: Context, built: Built, day: date, method: str) -> Built:
    """The filing served by mail or hand, its certificate of service dated `day`, when a rebuild gives the
    filing that was served: the same inputs, the same method of service."""
    planned = ctx.case.service.method
    if built.changed:
        ctx.notes.append(f"warning: {built.filing}: its certificate of service was not dated {day.isoformat()}: "
                         f"{', '.join(built.changed)} changed since it was built, and a filing built now would not be "
                         "the one served; the filing on file keeps its date")
    elif dated.hand_edited(built) and dated.needs_dating(built, day):
        ctx.notes.append(f"warning: {built.filing}: its certificate of service was not dated {day.isoformat()}: "
                         f"{dated.hand_edited_refusal(built, ctx.case, day)}")
    elif planned != method:
        ctx.notes.append(f"warning: {built.filing}: its certificate of service was not dated {day.isoformat()}: it "
                         f"certifies service by {planned} (service.method in {ctx.case.file.name}), not by {method}: "
                         f"correct service.method, build again (`{command('build', ctx.case.dir)}`) and log it again")
    else:
        where = f"the filing on file, its certificate of service dated {day.isoformat()}: {built.filing}"
        dated_before = not dated.needs_dating(built, day)
        built = served_on(ctx, built, day, note=where)
        if dated_before:  # not built again: still say where it is
            ctx.notes.append(where)
    return built


def log_response(case_path: Path, outcome: str, day: date | None, note: str | None = None, file: Path | None = None,
                 options: CommandOptions = NO_OPTIONS) -> tuple[Event, list[str]]:
    when = _day(day, "the day the answer is dated")
    ctx = Context.load(case_path, options)
    copied = _keep_decision(ctx.case.dir, Path(file), when, outcome) if file else None
    event = ctx.record(ctx.event(Kind.response, day=when, outcome=outcome, note=note,
                                 file=shown(copied, ctx.case.dir) if copied else None))
    return event, ctx.notes


def _day(value: date | None, what: str) -> str:
    """The event's day: today by default; never a day still to come (a typo that would make `status`
    count from it), before anything is read or written."""
    now = today()
    if value and value > now:
        raise UsageError(f"--date {value.isoformat()} is in the future (today is {now.isoformat()}): "
                         f"give {what}, or leave --date out for today")
    return (value or now).isoformat()


def _keep_decision(case_dir: Path, file: Path, day: str, outcome: str) -> Path:
    """Copy the office's decision into CASE/responses/ (never over another file)."""
    if not file.is_file():
        raise InputFileError(f"{file}: no such file: check the path of the decision")
    folder = case_dir / RESPONSES_DIR
    target = folder / f"{day}_{outcome}_{file.name}"
    n = 1
    while target.exists() and sha256(target) != sha256(file):
        n += 1
        target = folder / f"{day}_{outcome}_{file.stem}-{n}{file.suffix}"
    if target.exists():
        return target
    try:
        folder.mkdir(exist_ok=True)
        atomic.copy(file, target)
    except OSError as exc:
        raise OutputError(f"cannot copy {file} into {folder}: {exc.strerror}: check the folder's permissions") from exc
    return target
