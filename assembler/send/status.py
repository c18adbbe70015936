"""`pdpacket status`: every case of a cases folder, what happened to it, and what is due.

What is due: build, rebuild (inputs changed), send; a follow-up when no answer
came `follow_up.after_days` (30) after sending; a warning when the hearing is
within `follow_up.hearing_days` (21) and no answer came. Order: what is due
now first (detained cases first among them, then the oldest due date), then
the cases waiting for an answer, then those answered.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from assembler.casefile.case import Case, today
from assembler.casefile.normalize import parse_date
from assembler.casefile.read import find_case_file
from assembler.casefile.settings import Settings, load_settings
from assembler.documents import signed as signed_pages
from assembler.documents import signers
from assembler.documents.edits import stale_in_manifest
from assembler.errors import InputFileError, PdpacketError, command
from assembler.options import NO_OPTIONS, CommandOptions
from assembler.pdf import approval
from assembler.send import built as built_mod
from assembler.send import delivery, gate
from assembler.send.ledger import CaseEvents, Kind, Ledger, ledger_path
from assembler.validate import load_case

FIELDS = ["case", "respondent", "a_number", "detained", "built", "changed", "sent", "method", "delivery", "response",
          "response_date", "next_hearing", "stale_edits", "signatures", "approval", "due", "due_on"]
NOW, WAITING, CLOSED = 0, 1, 2


@dataclass
class CaseStatus:
    case: str
    respondent: str = ""
    a_number: str = ""
    detained: bool = False
    built: str = ""  # the day of the last build, "" when never built
    changed: bool | None = None  # inputs changed since that build
    sent: str = ""  # the day the whole request went ("" while messages of it are missing or possibly sent)
    method: str = ""
    delivery: str = ""  # a request sent in part: which messages went, which are possibly sent, which did not
    possibly_sent: bool = False  # a message of it is possibly sent: the mailbox must be checked first
    response: str = ""
    response_date: str = ""
    next_hearing: str = ""
    stale_edits: list[str] = field(default_factory=list)  # hand-edited copies the build used, made before the case changed
    signatures: str = ""  # "awaiting signatures: 7 of 9: NAME (documents)...", from the build's manifest
    approval: str = ""  # "approved by NAME on DAY", or why the filing is a draft (pdf/approval.py)
    not_ready: list[str] = field(default_factory=list)  # what must happen before it can be sent (send/gate.py)
    due: list[str] = field(default_factory=list)
    due_on: str = ""
    group: int = CLOSED

    def row(self) -> dict:
        return {"case": self.case, "respondent": self.respondent, "a_number": self.a_number,
                "detained": self.detained, "built": self.built,
                "changed": "" if self.changed is None else self.changed, "sent": self.sent, "method": self.method,
                "delivery": self.delivery,
                "response": self.response, "response_date": self.response_date, "next_hearing": self.next_hearing,
                "stale_edits": ", ".join(self.stale_edits), "signatures": self.signatures, "approval": self.approval,
                "due": "; ".join(self.due), "due_on": self.due_on}


@dataclass
class StatusList:
    folder: Path
    ledger: Path
    ledger_found: bool
    cases: list[CaseStatus]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def case_folders(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise InputFileError(f"{folder}: no such folder: name the folder that holds the case folders")
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".") and find_case_file(p))


def case_status(name: str, case: Case, settings: Settings, of_case: CaseEvents, out: Path | None = None) -> CaseStatus:
    """The status of one valid case, from its events (oldest first) and its built output (a filing built from
    another folder, that came with a copy of it, is not this case's build)."""
    events = of_case.own
    r = case.respondent
    st = CaseStatus(name, r.full_name, r.a_number, bool(r.detained))
    hearing = (case.proceedings.next_hearing or {}).get("date")
    st.next_hearing = hearing or ""
    builds = [e for e in events if e.kind == Kind.build]
    sends = [e for e in events if e.kind in (Kind.send, Kind.sent_other)]
    answers = [e for e in events if e.kind == Kind.response]
    folder = Path(builds[-1].output) if builds and builds[-1].output else (out or case.dir / "out")
    manifest = built_mod.read_manifest(folder) if folder.is_dir() else None
    if manifest is not None and of_case.built_elsewhere((manifest.get("filing") or {}).get("sha256")):
        manifest = None
    if manifest is not None:
        st.built = builds[-1].day if builds else _mtime_day(folder / "manifest.json")
        st.changed = bool(built_mod.changes(case, settings, manifest))
        st.stale_edits = [e["file"] for e in stale_in_manifest(manifest)]
        signed = signers.summary(manifest.get("signatures"),
                                 signed_pages.signed_now(case.dir, manifest.get("signatures")))
        st.signatures = signed.line() if signed else "signatures not listed (built by an earlier pdpacket): build again"
        st.approval = approval.state(case, settings).line()
        ready = gate.readiness(case, settings, built_mod.Built(folder, manifest, folder / manifest["filing"]["file"]))
        st.not_ready = _steps(ready, case.dir)
    st.delivery = delivery.state(events)
    found = delivery.latest_round(events)
    st.possibly_sent = bool(found and found.uncertain)
    if sends and not st.delivery:
        st.sent, st.method = sends[-1].day, sends[-1].method or ""
    elif sends:
        st.method = sends[-1].method or ""
    if answers:
        st.response, st.response_date = answers[-1].outcome or "", answers[-1].day
    papers = folder / "court-manifest.json"  # `pdpacket court` writes it beside the filing
    _due(st, settings, today(), parse_date(hearing) if hearing else None, case.dir,
         (papers.parent, _mtime_day(papers)) if papers.is_file() else None)
    return st


def _due(st: CaseStatus, settings: Settings, now: date, hearing: date | None, case_dir: Path,
         court_papers: tuple[Path, str] | None = None) -> None:
    # Commands name the case folder by its path, as every other hint does (the CLI walk-through pasted
    # "pdpacket court ferreira", the folder's bare name, and got "no such case folder").
    items: list[tuple[date, str]] = []
    if st.sent:
        pass  # by pdpacket or by other means: what is due now depends on the answer
    elif st.possibly_sent:
        items.append((now, "possibly sent: check the mailbox, then `pdpacket send --possibly-sent arrived` (or "
                      "`resend`) sends the rest"))
    elif st.delivery:
        items.append((now, "send the rest: `pdpacket send` sends the messages not yet accepted"))
    elif not st.built:
        items.append((now, "build and send the request"))
    elif st.changed:
        items.append((now, "build again (inputs changed since the build), then send"))
    elif st.stale_edits:
        refresh = "; ".join(f"`{command('edit', case_dir, Path(f).name.removesuffix('.docx'), '--refresh')}`"
                            for f in st.stale_edits)
        items.append((now, f"bring {' and '.join(st.stale_edits)} up to date (edited by hand before the case "
                           f"changed: {refresh}), build again, then send"))
    elif st.not_ready:
        items.append((now, f"{'; '.join(st.not_ready)}, then send"))
    else:
        items.append((now, "send the request"))
    if not st.response:
        if st.sent:
            after = int(settings.follow_up.get("after_days", 30))
            follow = parse_date(st.sent) + timedelta(days=after)
            waited = (now - parse_date(st.sent)).days
            items.append((follow, f"follow up: no answer {waited} days after sending" if follow <= now
                          else f"no answer yet (follow up on {follow.isoformat()})"))
        if hearing is not None:
            days = (hearing - now).days
            if days < 0:
                items.append((hearing, "the hearing passed without an answer: record the outcome (pdpacket log)"))
            elif days <= int(settings.follow_up.get("hearing_days", 21)):
                items.append((now, f"hearing in {_count(days, 'day')} and no answer"))
    elif st.response == "granted" and hearing is not None and hearing >= now and court_papers:
        # Once made, the papers are not asked for again (the court-forms walk-through read "prepare" after `court`)
        items.append((now, f"the office agreed: the court papers were prepared on {court_papers[1]} (in "
                           f"{court_papers[0]}): the attorney files them with the court before the hearing on "
                           f"{hearing.isoformat()}"))
    elif st.response == "granted" and hearing is not None and hearing >= now:
        # The office agreed and the case is still before the court: the court papers are what is left to do
        # (the walk-throughs read "due: nothing" above a hearing still on the calendar).
        items.append((now, f"the office agreed: prepare the court papers for the hearing on {hearing.isoformat()} "
                           f"(`{command('court', case_dir)}`)"))
    items.sort()
    st.due = [text for _, text in items]
    st.due_on = items[0][0].isoformat() if items else ""
    st.group = CLOSED if not items else NOW if items[0][0] <= now else WAITING


def _steps(ready: gate.Readiness, case_dir: Path) -> list[str]:
    """What is due before sending, in short (`send` names every signature)."""
    steps = []
    if ready.missing or ready.outdated:
        steps.append(f"collect {_count(len(ready.missing) + len(ready.outdated), 'signature')} in ink "
                     f"(`{command('sign', case_dir)}`, then `{command('signed', case_dir, 'SCAN...')}`)")
    if ready.approval:  # approve --build makes the final filing too: one step, not two
        steps.append(f"the attorney approves the filing and builds it again "
                     f"(`{command('approve', case_dir, '--as', 'NAME', '--build')}`)")
    elif ready.not_in_filing:
        steps.append(f"build again (`{command('build', case_dir)}`)")
    return steps


def _mtime_day(path: Path) -> str:
    from datetime import datetime
    return datetime.fromtimestamp(path.stat().st_mtime).date().isoformat()


def sort_key(st: CaseStatus) -> tuple:
    return (st.group, not st.detained, st.due_on or "9999", st.next_hearing or "9999", st.case)


def status(folder: Path, options: CommandOptions = NO_OPTIONS) -> StatusList:
    """The cases of a cases folder; or, given a case folder, that case alone (its ledger is its parent's)."""
    folder = Path(folder)
    one = folder.is_dir() and find_case_file(folder) is not None
    folders = [folder] if one else case_folders(folder)
    settings = load_settings(options.settings_file, folders[0] if folders else folder / "case")
    where = ledger_path(settings, folder.resolve().parent if one else folder)
    ledger = Ledger.open(where, create=False)
    rows = []
    try:
        for sub in folders:
            rows.append(status_of(sub, options, ledger))
    finally:
        if ledger is not None:
            ledger.close()
    rows.sort(key=sort_key)
    return StatusList(folder, where, ledger is not None, rows)


def status_of(sub: Path, options: CommandOptions, ledger: Ledger | None) -> CaseStatus:
    try:
        settings = load_settings(options.settings_file, sub)
        case = load_case(sub, settings)
    except PdpacketError as exc:
        return CaseStatus(sub.name, due=[f"fix: {exc.message}"], due_on=today().isoformat(), group=NOW)
    if case.errors:
        return CaseStatus(sub.name, due=[f"fix the case data ({len(case.errors)} error(s): pdpacket validate)"],
                          due_on=today().isoformat(), group=NOW)
    found = ledger.case_events(case.respondent.a_number, case.dir) if ledger else CaseEvents([], [])
    return case_status(sub.name, case, settings, found)
