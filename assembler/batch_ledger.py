"""After a batch: record its builds in the ledger, write drafts (--email), and give the
report the status columns of `pdpacket status`. Above both batch.py and send/: it joins them."""
from __future__ import annotations

import json
from pathlib import Path

from assembler.batch import CaseSpec, Outcome, discover, load_spec, write_report
from assembler.casefile.case import today
from assembler.casefile.read import find_case_file
from assembler.errors import InputFileError, PdpacketError, command
from assembler.options import BuildOptions, CommandOptions
from assembler.send.flow import Context, drafts_for, record_build
from assembler.send.ledger import CaseEvents, Ledger, ledger_path
from assembler.send.status import NOW, CaseStatus, StatusList, case_status, sort_key
from assembler.vocab import BatchStatus

REPORT = "batch-report.json"


def after_batch(source: Path, out: Path, outcomes: list[Outcome], options: BuildOptions,
                exhibits_dir: Path | None) -> list[str]:
    """Returns notes for stderr (a new ledger, a case whose row could not be written)."""
    source, out = Path(source), Path(out)
    cases_folder = source if source.is_dir() else source.parent
    specs = {s.name: s for s in discover(source, out, exhibits_dir)}
    notes: list[str] = []
    for o in outcomes:
        if o.status in (BatchStatus.built, BatchStatus.skipped) and o.case in specs and not specs[o.case].skip:
            try:
                _one(specs[o.case], o, out / o.case, cases_folder, options, notes)
            except PdpacketError as exc:
                notes.append(f"{o.case}: {exc.message}")
            except Exception as exc:  # noqa: BLE001 - the cases are built; their report must still be written
                notes.append(f"{o.case}: not recorded in the ledger (internal error, a bug: {type(exc).__name__}: {exc})")
    write_report(out, outcomes, source, exhibits_dir)
    return list(dict.fromkeys(notes))


def _one(spec: CaseSpec, o: Outcome, case_out: Path, cases_folder: Path, options: BuildOptions,
         notes: list[str]) -> None:
    case, settings = load_spec(spec, options)
    ctx = Context(case, settings, cases_folder=cases_folder)
    if o.status == BatchStatus.built:
        record_build(ctx, Path(o.output), options.templates_dir)
    if options.email:
        try:
            # A batch's drafts carry the filings it built, dated as their case files say: dating each anew
            # would build every case twice (`pdpacket email CASE` dates one on the day it is drafted).
            made = drafts_for(ctx, case_out, templates_dir=options.templates_dir, redate=False)
            o.email = " ".join(p.name for p in made.files)
        except PdpacketError as exc:
            o.email = f"no draft: {exc.message}"
    with ctx.ledger(announce=options.email) as ledger:
        found = ledger.case_events(ctx.a_number, case.dir)
    st = case_status(o.case, case, settings, found, case_out)
    o.detained, o.sent, o.method, o.response = st.detained, st.sent, st.method, st.response
    o.next_hearing, o.due = st.next_hearing, "; ".join(st.due)
    notes += ctx.notes


def is_batch_output(folder: Path) -> bool:
    """A batch's output folder (its report inside, no case folder in it): `pdpacket status` shows its cases."""
    folder = Path(folder)
    if not (folder / REPORT).is_file() or find_case_file(folder) is not None:
        return False
    return not any(p.is_dir() and find_case_file(p) for p in folder.iterdir())


def batch_status(out: Path, options: CommandOptions) -> StatusList:
    """`pdpacket status` in a batch's output folder: the cases of the folder or spreadsheet the batch was run
    on (its report says which), with their builds in OUT/<case>/ and the ledger of their cases folder."""
    out = Path(out)
    try:
        report = json.loads((out / REPORT).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputFileError(f"{out / REPORT}: cannot be read ({exc}): run the batch again") from exc
    if not report.get("source"):
        raise InputFileError(f"{out / REPORT} does not say where the batch's cases are (an earlier pdpacket wrote "
                             f"it): run {command('status', 'CASES-FOLDER')} there, or run the batch again")
    source = Path(report["source"])
    if not source.exists():
        raise InputFileError(f"{out}: this batch was run on {source}, which is no longer there: run "
                             f"{command('status')} in the folder where the cases are now")
    exhibits = Path(report["exhibits_dir"]) if report.get("exhibits_dir") else None
    cases_folder = source if source.is_dir() else source.parent
    rows: list[CaseStatus] = []
    where, ledger = None, None
    try:
        for spec in (s for s in discover(source, out, exhibits) if not s.skip):
            try:
                case, settings = load_spec(spec, options)
            except PdpacketError as exc:
                rows.append(CaseStatus(spec.name, due=[f"fix: {exc.message}"], due_on=today().isoformat(), group=NOW))
                continue
            if case.errors:
                rows.append(CaseStatus(spec.name, due=[f"fix the case data ({len(case.errors)} error(s): "
                                                       "pdpacket validate)"], due_on=today().isoformat(), group=NOW))
                continue
            if where is None:  # the batch's cases share one cases folder, so one ledger
                where = ledger_path(settings, cases_folder)
                ledger = Ledger.open(where, create=False)
            ctx = Context(case, settings, cases_folder=cases_folder)
            found = ledger.case_events(ctx.a_number, case.dir) if ledger else CaseEvents([], [])
            rows.append(case_status(spec.name, case, settings, found, out / spec.name))
    finally:
        if ledger is not None:
            ledger.close()
    rows.sort(key=sort_key)
    return StatusList(out, where or cases_folder, ledger is not None, rows)
