"""After a batch: record its builds in the ledger, write drafts (--email), and give the
report the status columns of `pdpacket status`. Above both batch.py and send/: it joins them."""
from __future__ import annotations

from pathlib import Path

from assembler.batch import CaseSpec, Outcome, discover, load_spec, write_report
from assembler.errors import PdpacketError
from assembler.options import BuildOptions
from assembler.send.flow import Context, drafts_for, record_build
from assembler.send.status import case_status
from assembler.vocab import BatchStatus


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
    write_report(out, outcomes)
    return list(dict.fromkeys(notes))


def _one(spec: CaseSpec, o: Outcome, case_out: Path, cases_folder: Path, options: BuildOptions,
         notes: list[str]) -> None:
    case, settings = load_spec(spec, options)
    ctx = Context(case, settings, cases_folder=cases_folder)
    if o.status == BatchStatus.built:
        record_build(ctx, Path(o.output), options.templates_dir)
    if options.email:
        try:
            o.email = " ".join(p.name for p in drafts_for(ctx, case_out, templates_dir=options.templates_dir).files)
        except PdpacketError as exc:
            o.email = f"no draft: {exc.message}"
    with ctx.ledger(announce=options.email) as ledger:
        found = ledger.case_events(ctx.a_number, case.dir)
    st = case_status(o.case, case, settings, found, case_out)
    o.detained, o.sent, o.method, o.response = st.detained, st.sent, st.method, st.response
    o.next_hearing, o.due = st.next_hearing, "; ".join(st.due)
    notes += ctx.notes
