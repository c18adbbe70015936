"""`pdpacket batch`: many cases at once, for a clinic's night run.

Cases are split into chunks; each worker process takes a chunk and runs the
LibreOffice steps of all its cases at once, on a LibreOffice it keeps running
for its whole life (see convert/warm.py; restarted after RESTART_AFTER
conversions and after a crash or a hang). Without one (no `uno` here), each
LibreOffice step is one start, which costs about a second: then chunks are as
large as an even split allows. A case that fails never stops the others: when
a shared conversion fails, the chunk's cases are converted one by one (each on
a fresh LibreOffice if the last one died or hung) so that only the faulty case
fails. Workers get a picklable chunk and return small outcomes; only the
parent writes the report and moves the bar.
"""
from __future__ import annotations

import concurrent.futures as cf
import csv
import hashlib
import io
import json
import math
import os
import re
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TypeVar

from assembler import atomic, batch_page, build, drive, output, workspace
from assembler.casefile.case import Case
from assembler.casefile.read import LoadedFile, find_case_file
from assembler.casefile.settings import load_settings
from assembler.casefile.workbook import ItemRow, SheetCase, case_data, read_cases, relabel
from assembler.convert import soffice, warm
from assembler.convert.office import LibreOfficePool
from assembler.documents import choose, edits
from assembler.errors import ExitCode, Finding, InputFileError, InvalidCaseError, PdpacketError, said
from assembler.files import sha256
from assembler.options import BuildOptions, CommandOptions
from assembler.pdf import approval
from assembler.pdf.manifest import build_key, case_inputs
from assembler.progress import Progress
from assembler.validate import check_case, load_case
from assembler.vocab import FILING_ROLES, BatchStatus

REPORT_FIELDS = ["case", "status", "output", "pages", "size_bytes", "seconds", "exit_code", "message",
                 # filled in after the run from the ledger (assembler/batch_ledger.py)
                 "detained", "sent", "method", "response", "next_hearing", "due", "email"]
# With a LibreOffice kept running, a chunk costs no start: small chunks keep both
# workers busy to the end and the bar moving (measured: 40 cases, 2 jobs, chunks of 4).
WARM_CHUNK = 4
FAILED = (BatchStatus.failed, BatchStatus.invalid)
S = TypeVar("S")
T = TypeVar("T")


@dataclass
class CaseSpec:
    """One case of a batch, as a worker needs it (picklable)."""

    name: str
    folder: Path | None = None  # a case folder
    row: dict | None = None  # or a spreadsheet row
    row_label: str | None = None
    items: list[ItemRow] = field(default_factory=list)  # a workbook's rows of the case's lists
    base_dir: Path | None = None  # where a row's exhibit paths start
    source: Path | None = None  # the spreadsheet
    skip: str = ""  # why this folder is not built (not a case folder)


@dataclass
class Outcome:
    case: str
    status: BatchStatus
    output: str = ""
    pages: int = 0
    size_bytes: int = 0
    seconds: float = 0.0
    exit_code: int = 0
    message: str = ""
    problems: list[str] = field(default_factory=list)
    detained: bool | None = None
    sent: str = ""
    method: str = ""
    response: str = ""
    next_hearing: str = ""
    due: str = ""
    email: str = ""  # the drafts written (--email), or why none was


class BatchFailed(PdpacketError):
    exit_code = ExitCode.batch_partial_failure


# --- finding the cases ----------------------------------------------------------

NOT_A_CASE = "no case file (case.yaml, case.yml or case.json): not a case folder"


def discover(source: Path, out: Path, exhibits_dir: Path | None) -> list[CaseSpec]:
    """The cases of a folder of case folders, or of a spreadsheet. A subfolder without a
    case file (the firm's templates beside its cases) is listed as skipped, not built."""
    if source.is_dir():
        specs = []
        for sub in sorted(p for p in source.iterdir() if p.is_dir() and not p.name.startswith(".")):
            if sub.resolve() == out.resolve():
                continue
            specs.append(CaseSpec(sub.name, folder=sub, skip="" if find_case_file(sub) else NOT_A_CASE))
        if all(s.skip for s in specs):
            raise InputFileError(f"{source}: no case folders in it: each case is a subfolder holding case.yaml")
        return specs
    if not source.is_file():
        raise InputFileError(f"{source}: no such folder or spreadsheet: check the path")
    base = exhibits_dir or source.parent
    specs, seen = [], set()
    for found in read_cases(source):
        number, row = found.number, found.row
        family = row.get("respondent.family_names", "")
        name = _safe_name(found.name or f"row{number:04d}-{family}")
        if name in seen:
            name = f"{name}-row{number}"
        seen.add(name)
        specs.append(CaseSpec(name, row=row, row_label=found.label, base_dir=base, source=source,
                              items=found.items))
    if not specs:
        raise InputFileError(f"{source}: no rows with data: one row per case, below a row of field paths")
    return specs


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.")[:80] or "case"


# --- one worker's chunk -----------------------------------------------------------

def load_spec(spec: CaseSpec, options: CommandOptions):
    """The spec's case and settings; the case carries every problem found."""
    if spec.folder is not None:
        if find_case_file(spec.folder) is None:
            raise InputFileError(f"{spec.folder}: no case file: add case.yaml (or .yml/.json)")
        settings = load_settings(options.settings_file, spec.folder)
        return load_case(spec.folder, settings), settings
    assert spec.base_dir is not None and spec.row is not None and spec.row_label and spec.source
    settings = load_settings(options.settings_file, spec.base_dir / "case")
    data, problems, origins = case_data(SheetCase(0, spec.row_label, spec.row, spec.items))
    digest = hashlib.sha256(json.dumps([spec.row, [i.row for i in spec.items]], sort_keys=True).encode()).hexdigest()
    case = Case(spec.base_dir.resolve(), spec.source, label=spec.row_label, source_sha256=digest)
    loaded = LoadedFile(spec.source, data, problems=problems)
    checked = check_case(case, loaded, settings)
    # A row's file paths start in the spreadsheet's folder (or --exhibits-dir), not in a case folder;
    # an item's problem is named by the sheet and row that hold it.
    folder = f"the spreadsheet's folder ({spec.base_dir})" if spec.base_dir == spec.source.parent else \
        f"the exhibits folder ({spec.base_dir})"
    checked.problems = [_in_folder(relabel(p, origins), folder) for p in checked.problems]
    return checked, settings


def _in_folder(finding: Finding, folder: str) -> Finding:
    if "the case folder" not in finding.message:
        return finding
    return replace(finding, message=finding.message.replace("the case folder", folder))


def _failure(name: str, exc: BaseException, started: float) -> Outcome:
    told = said(exc)
    lines = traceback.format_exception(exc)[-3:] if told.bug else [p.render() for p in told.problems]
    status = BatchStatus.invalid if isinstance(exc, InvalidCaseError) else BatchStatus.failed
    return Outcome(name, status, exit_code=told.exit_code, message=told.message, problems=lines,
                   seconds=round(time.monotonic() - started, 2))


# This process's LibreOffices, kept for the chunks it builds (a worker's: stopped when it ends).
_POOL = LibreOfficePool()


def run_chunk(specs: list[CaseSpec], out_root: Path, options: BuildOptions, force: bool) -> list[Outcome]:
    """Build a chunk's cases, their LibreOffice stages run once for all of them (on the worker's LibreOffice)."""
    quiet = Progress(False)
    return drive.drive(lambda run: _chunk_stages(run, specs, out_root, force), options, quiet, out_root,
                       office=False)


def _chunk_stages(run: drive.Run, specs: list[CaseSpec], out_root: Path, force: bool) -> list[Outcome]:
    options, quiet = run.options, run.progress
    outcomes: dict[str, Outcome] = {}
    started: dict[str, float] = {}
    rendered: dict[str, build.Rendered] = {}
    for i, spec in enumerate(specs):
        started[spec.name] = time.monotonic()
        try:
            case, settings = load_spec(spec, options)
            if options.strict and spec.folder is not None and not case.errors:  # an out-of-date edited copy: an error
                case.problems += edits.findings(case, settings, options.templates_dir)
            failing = case.problems if options.strict else case.errors
            if failing:
                raise InvalidCaseError(case.problems, f"{len(case.errors)} error(s), "
                                                      f"{len(case.warnings)} warning(s) in the case data")
            out = out_root / spec.name
            output.clean_stale_staging(out)
            choices = choose.choose(settings, case.data, options.templates_dir, FILING_ROLES)
            key = build_key(case=case, settings=settings, inputs=case_inputs(case, settings), templates=choices)
            state = approval.state(case, settings, options.templates_dir).record()["state"]
            if not force and (done := _already_built(out, key, state)):
                outcomes[spec.name] = done
                continue
            if run.lo is None:
                kept = _POOL.take(settings)
                assert kept is not None, "a batch's pool is never closed for good"
                run.stack.callback(_POOL.give_back, settings, kept)
                run.borrow(kept, settings)  # boots while the chunk's cases are rendered
            planned = run.plan(case, settings, out, f"case{i}", prefix=f"c{i}-")
            rendered[spec.name] = build.render_documents(planned, quiet)
        except Exception as exc:  # noqa: BLE001 - one case's failure never stops the others
            outcomes[spec.name] = _failure(spec.name, exc, started[spec.name])
    settled: dict[str, build.Settled] = {}
    if run.lo is not None:
        office = run.lo
        converted = _shared_step(rendered, outcomes, started, lambda bs: build.convert_documents(bs, office, quiet))
        settled = _shared_step(converted, outcomes, started, lambda bs: build.settle_indexes(bs, office, quiet))
    for name, s in settled.items():
        try:
            result = build.check_and_place(build.assemble_filing(s, quiet), out_root / name, options.split_parts,
                                           quiet)
            outcomes[name] = Outcome(
                name, BatchStatus.built, str(result.filing), result.pages, result.filing.stat().st_size,
                round(time.monotonic() - started[name], 2), problems=[p.render() for p in result.warnings])
        except Exception as exc:  # noqa: BLE001
            outcomes[name] = _failure(name, exc, started[name])
    return [outcomes[s.name] for s in specs]


def _shared_step(items: dict[str, S], outcomes: dict[str, Outcome], started: dict[str, float],
                 step: Callable[[list[S]], list[T]]) -> dict[str, T]:
    """Run a LibreOffice stage for all cases at once; on failure, one by one to find the culprit.

    A case alone is tried again only when LibreOffice hung or died: then on a fresh one."""
    if not items:
        return {}
    try:
        return dict(zip(items, step(list(items.values())), strict=True))
    except Exception as exc:  # noqa: BLE001 - retried case by case below
        if len(items) == 1 and not isinstance(exc, soffice.Stopped):
            name = next(iter(items))
            outcomes[name] = _failure(name, exc, started[name])
            return {}
    survivors = {}
    for name, item in items.items():
        try:
            [survivors[name]] = step([item])
        except Exception as exc:  # noqa: BLE001
            outcomes[name] = _failure(name, exc, started[name])
    return survivors


def _already_built(out: Path, key: str, approval_state: str) -> Outcome | None:
    """The outcome of a case built before from the same inputs, and approved (or not) as it is now: the
    attorney's approval changes the filing (pdf/approval.py) without changing an input."""
    try:
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        filing = out / manifest["filing"]["file"]
        if manifest.get("build_key") != key or sha256(filing) != manifest["filing"]["sha256"] \
                or (manifest.get("approval") or {}).get("state") != approval_state:
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return Outcome(out.name, BatchStatus.skipped, str(filing), manifest["filing"]["pages"], filing.stat().st_size,
                   message="unchanged since its last build")


# --- the parent -------------------------------------------------------------------

def chunk(specs: list[CaseSpec], jobs: int, warm_workers: bool = False) -> list[list[CaseSpec]]:
    """Even chunks, one per worker, when each costs LibreOffice starts; small ones when workers keep theirs."""
    size = max(1, math.ceil(len(specs) / jobs))
    if warm_workers:
        size = min(size, WARM_CHUNK)
    return [specs[i:i + size] for i in range(0, len(specs), size)]


class Bar:
    """cases done of total, failures so far, time left; on stderr, only for a terminal."""

    def __init__(self, total: int, enabled: bool):
        self.total, self.enabled, self.done, self.failed, self.invalid = total, enabled, 0, 0, 0
        self.start = time.monotonic()

    def update(self, outcomes: list[Outcome]) -> None:
        self.done += len(outcomes)
        # The same words as the summary line: a case with invalid data is "invalid", not "failed".
        self.failed += sum(o.status == BatchStatus.failed for o in outcomes)
        self.invalid += sum(o.status == BatchStatus.invalid for o in outcomes)
        if not self.enabled:
            return
        elapsed = time.monotonic() - self.start
        left = elapsed / self.done * (self.total - self.done) if self.done else 0
        width = 30
        filled = int(width * self.done / self.total)
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} cases, "
                         f"{self.failed} failed{f', {self.invalid} invalid' if self.invalid else ''}, about {left:.0f} s left ")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")


def run_batch(source: Path, out: Path, options: BuildOptions, jobs: int | None = None, force: bool = False,
              validate_only: bool = False, exhibits_dir: Path | None = None, quiet: bool = False) -> list[Outcome]:
    source, out = Path(source), Path(out)
    every = discover(source, out, exhibits_dir)
    skipped = {s.name: Outcome(s.name, BatchStatus.skipped, message=s.skip) for s in every if s.skip}
    specs = [s for s in every if not s.skip]
    jobs = jobs or os.cpu_count() or 1
    bar = Bar(len(specs), enabled=not quiet and sys.stderr.isatty())
    if validate_only:
        checked = {spec.name: _validate_one(spec, options) for spec in specs}
        outcomes = [skipped.get(s.name) or checked[s.name] for s in every]
        write_report(out, outcomes, source, exhibits_dir)
        return outcomes
    workspace.sweep_stale()
    _prepare_out(out)
    results: dict[str, Outcome] = {}
    chunks = chunk(specs, jobs, warm_workers=warm.uno_python(None) is not None)
    try:
        if jobs == 1:
            try:
                for c in chunks:
                    done = run_chunk(c, out, options, force)
                    results.update({o.case: o for o in done})
                    bar.update(done)
            finally:
                _POOL.close(for_good=False)
        else:
            with cf.ProcessPoolExecutor(max_workers=jobs) as pool:
                futures = {pool.submit(run_chunk, c, out, options, force): c for c in chunks}
                try:
                    for future in cf.as_completed(futures):
                        try:
                            done = future.result()
                        except Exception as exc:  # noqa: BLE001 - a worker died (killed, out of memory)
                            done = [Outcome(s.name, BatchStatus.failed, exit_code=int(ExitCode.internal_error),
                                            message=f"the worker building this case died ({exc})")
                                    for s in futures[future]]
                        results.update({o.case: o for o in done})
                        bar.update(done)
                except KeyboardInterrupt:
                    pool.shutdown(wait=True, cancel_futures=True)
                    raise
    except KeyboardInterrupt:
        bar.close()
        outcomes = [skipped.get(s.name) or results.get(s.name)
                    or Outcome(s.name, BatchStatus.interrupted, message="not finished: run again") for s in every]
        write_report(out, outcomes, source, exhibits_dir)
        raise
    bar.close()
    outcomes = [skipped.get(s.name) or results[s.name] for s in every]
    write_report(out, outcomes, source, exhibits_dir)
    return outcomes


def _validate_one(spec: CaseSpec, options: BuildOptions) -> Outcome:
    started = time.monotonic()
    try:
        case, settings = load_spec(spec, options)
        if spec.folder is not None and not case.errors:
            case.problems += edits.findings(case, settings)
    except Exception as exc:  # noqa: BLE001
        return _failure(spec.name, exc, started)
    failing = case.problems if options.strict else case.errors
    return Outcome(spec.name, BatchStatus.invalid if failing else BatchStatus.valid, exit_code=int(ExitCode.invalid_case) if failing else 0,
                   message=f"{len(case.errors)} error(s), {len(case.warnings)} warning(s)",
                   problems=[p.render() for p in case.problems], seconds=round(time.monotonic() - started, 2))


def _prepare_out(out: Path) -> None:
    from assembler.errors import OutputError
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".pdpacket-probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise OutputError(f"cannot write to the output folder {out}: {exc.strerror}: choose another folder "
                          "with -o, or fix its permissions") from exc


def write_report(out: Path, outcomes: list[Outcome], source: Path | None = None,
                 exhibits_dir: Path | None = None) -> None:
    """batch-report.csv (one line a case, for spreadsheets and scripts), .json (everything) and .html
    (batch_page.py: for people), each written whole or not at all."""
    out.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=REPORT_FIELDS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for o in outcomes:
        writer.writerow({**asdict(o), "message": _csv_message(o)})
    summary = summarize(outcomes)
    cases = [asdict(o) for o in outcomes]
    atomic.write_text(out / "batch-report.csv", buffer.getvalue())
    # Where the cases came from: `pdpacket status` in this folder finds them, and their ledger, again.
    made = {"source": str(source.resolve()) if source else None,
            "exhibits_dir": str(exhibits_dir.resolve()) if exhibits_dir else None}
    atomic.write_text(out / "batch-report.json", json.dumps({"summary": summary, **made, "cases": cases},
                                                        indent=2, ensure_ascii=False) + "\n")
    atomic.write_text(out / "batch-report.html", batch_page.page(summary, cases, out))


def _csv_message(o: Outcome) -> str:
    """A count and the first problem, the rest in the HTML report: a cell of every warning joined ran to
    700 characters (issue 26), and line breaks inside a cell would break grep and cut on the CSV."""
    if not o.problems:
        return o.message
    more = f" ({len(o.problems) - 1} more in batch-report.html)" if len(o.problems) > 1 else ""
    if o.status in FAILED:
        return f"{o.message}: {o.problems[0]}{more}"
    return f"{len(o.problems)} warning(s), the first: {o.problems[0]}{more}"


def summarize(outcomes: list[Outcome]) -> dict:
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.status] = counts.get(o.status, 0) + 1
    return {"cases": len(outcomes), **counts}
