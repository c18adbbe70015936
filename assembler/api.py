"""The library's face: everything the CLI and the web app do, without printing anything.

Each function raises a PdpacketError subclass (with its exit code) for what a
user can fix, and returns plain data for the caller to show.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from assembler import batch as batch_mod
from assembler import drive, recorded
from assembler.batch import FAILED, BatchFailed, Outcome, summarize
from assembler.batch_ledger import after_batch
from assembler.casefile import firm_setup, law, rules
from assembler.casefile import offices as office_profiles
from assembler.casefile.case import Case, today
from assembler.casefile.firm_setup import Answers as InitAnswers
from assembler.casefile.firm_setup import LawCheck, UnknownOffice, find_office, office_directory, record_law_check
from assembler.casefile.firm_setup import read_answers as settings_answers
from assembler.casefile.offices import OfficeView
from assembler.casefile.read import LoadedFile
from assembler.casefile.settings import Settings, load_settings
from assembler.convert.cache import Summary as CacheSummary
from assembler.convert.cache import clear as cache_clear  # `pdpacket cache clear`: every converted PDF kept
from assembler.convert.cache import info as cache_info  # `pdpacket cache info`: where, how many, how many bytes
from assembler.convert.office import LibreOfficePool
from assembler.court import court_ground, court_motions, court_papers
from assembler.documents import choose
from assembler.documents.check import check_template
from assembler.documents.context import ROLE_ONLY, context_tree
from assembler.documents.signers import SIGNING_NOTE as SIGNATURES_NOTE
from assembler.documents.variables import FILTERS, Var, walk
from assembler.editing import StartedEdit, bring_back_edit, set_edit_aside, start_edit
from assembler.errors import (
    Finding,
    InputFileError,
    InvalidCaseError,
    OutputError,
    PdpacketError,
    TemplateError,
)
from assembler.options import NO_OPTIONS, BuildOptions, CommandOptions
from assembler.output import BuildResult
from assembler.pdf.check import FilingCheck, check_filing, images_saying
from assembler.pdf.fill import starter_fill
from assembler.pdf.forms import FormField, read_fields
from assembler.progress import Progress
from assembler.send import flow
from assembler.send.dated import dated
from assembler.send.firm import InitDone, init_settings
from assembler.send.flow import Drafts, Sent, send_case, write_drafts
from assembler.send.logged import log_response, log_sent
from assembler.send.passwords import NoPassword, keyring_ready
from assembler.send.passwords import Status as PasswordStatus
from assembler.send.passwords import remove as remove_smtp_password
from assembler.send.passwords import status as smtp_password_status
from assembler.send.passwords import store as store_smtp_password
from assembler.send.status import FIELDS as STATUS_FIELDS
from assembler.send.status import CaseStatus, StatusList
from assembler.send.status import status as case_statuses
from assembler.validate import check_case, filing_notes
from assembler.validate import validate_case as load_valid_case
from assembler.vocab import IMAGE_SUFFIXES, Role

if TYPE_CHECKING:
    from assembler.send.ledger import Event as LedgerEvent
    from assembler.sign.approve import Approved
    from assembler.sign.packet import Packet
    from assembler.sign.read import Reading
    from assembler.sign.view import SigningView

__all__ = ["build_said", "approve", "ApprovalView", "approval_view", "cache_clear", "cache_info", "keeper_status", "keeper_stop", "CacheSummary", "FAILED", "LibreOfficePool", "STATUS_FIELDS", "BatchFailed", "BuildOptions", "CommandOptions", "NO_OPTIONS", "Progress", "serve_conversions", "summarize", "BuildResult", "Case", "CaseStatus", "case_status", "case_history", "Drafts", "FilingCheck", "Outcome", "Sent", "StatusList", "build", "case_settings", "court_ground", "court_motions", "court_papers", "form_fields", "starter_fill", "check_case_data", "check_exhibit_file", "check_filing", "images_saying",
           "check_templates", "export_templates", "law_table", "law_entries", "record_law_check", "LawCheck", "SIGNATURES_NOTE", "sign_packet", "read_signed", "signing_view", "list_offices", "list_templates", "OfficeView", "log_response", "log_sent",
           "new_case", "new_spreadsheet", "init_settings", "InitDone", "InitAnswers", "office_directory", "find_office",
           "settings_answers", "today", "UnknownOffice", "keyring_ready", "NoPassword", "PasswordStatus",
           "remove_smtp_password", "smtp_password_status", "store_smtp_password", "run_batch", "send_case", "start_edit", "StartedEdit",
           "bring_back_edit", "set_edit_aside", "status", "template_filters",
           "template_variables", "validate_case", "filing_notes", "write_drafts"]


def build(case_path: Path, out: Path | None = None, options: BuildOptions | None = None,
          progress: Progress | None = None) -> BuildResult:
    """Build one case; record the build in the ledger; with `options.email`, write the e-mail drafts beside
    the filing. `options.lo`: a LibreOffice kept by a long-lived caller (the web app's pool) to convert with.

    When nothing the last build into the same folder came from or made has changed since (unchanged.py),
    its result, as recorded, without building (`unchanged_since` says when it was built); `no_cache` always
    builds."""
    options = options or BuildOptions()
    return recorded.build_or_recorded(Path(case_path), Path(out) if out else None, options,
                                      lambda: _build(case_path, out, options, progress))


build_said = recorded.said_lines


def _build(case_path: Path, out: Path | None, options: BuildOptions, progress: Progress | None) -> BuildResult:
    progress = progress or Progress(False)
    progress.step("validate")
    ctx = flow.Context.load(Path(case_path), options)
    if options.strict:
        _refuse_warnings(ctx.case, edit_findings(ctx.case, ctx.settings, options.templates_dir))
    out = Path(out) if out else ctx.case.dir / "out"
    if options.email:  # drafts are dated the day they are made, their filing too (send/dated.py)
        ctx.case = dated(ctx.case, today())
    result = drive.build_filing(ctx.case, ctx.settings, out, options, progress)
    try:
        flow.record_build(ctx, result.filing, options.templates_dir)
        if options.email:
            result.drafts = flow.drafts_for(ctx, out, templates_dir=options.templates_dir).files
    except PdpacketError as exc:
        exc.message = f"{result.filing} was built, but {exc.message}"
        raise
    result.notes = ctx.notes
    return result


def keeper_status() -> str:
    """`pdpacket keeper status`: whether the LibreOffice kept between commands runs, in one line."""
    from assembler.convert import keeper

    return keeper.status_line()


def keeper_stop() -> str:
    """`pdpacket keeper stop`: stop it now, LibreOffice with it; what was done, in one line."""
    from assembler.convert import keeper

    return keeper.stop_line()


def sign_packet(case: Path, out: Path | None = None, target: Path | None = None,
                options: BuildOptions | None = None) -> Packet:
    """`pdpacket sign`: the pages each signer signs in ink, with their covers and page codes (assembler/sign/).
    Its module is imported here, when asked: the QR code library it loads is not for every command."""
    from assembler.sign.packet import sign

    return sign(Path(case), out, target, options)


def approve(case: Path, name: str, out: Path | None = None, options: CommandOptions = NO_OPTIONS) -> Approved:
    """`pdpacket approve`: the attorney approves the filing built now (assembler/sign/approve.py); the next
    build prints the "/s/" signatures and drops the DRAFT mark."""
    from assembler.sign.approve import approve as approve_case

    return approve_case(Path(case), name, out, options, getattr(options, "templates_dir", None))


@dataclass(frozen=True)
class ApprovalView:
    """Where a case's approval stands, and what stands between its built filing and its sending."""

    approved: bool  # an approval holds for the case's inputs as they are
    line: str  # "approved by NAME on DAY", or why the filing is a draft
    attorneys: list[str]  # who may approve (the settings' approval.attorneys; []: anyone)
    not_ready: list[str]  # why `send` would refuse the built filing now ([] also when nothing is built)


def approval_view(case: Path, options: CommandOptions = NO_OPTIONS) -> ApprovalView:
    """For the web app's Approve and Send buttons: the approval and the send gate of the filing in CASE/out."""
    from assembler.pdf import approval
    from assembler.send import gate
    from assembler.send.built import load_built

    ctx = flow.Context.load(Path(case), options)
    state = approval.state(ctx.case, ctx.settings, getattr(options, "templates_dir", None))
    try:
        built = load_built(ctx.case, ctx.settings, ctx.case.dir / "out")
        not_ready = gate.readiness(ctx.case, ctx.settings, built).problems()
    except PdpacketError:
        not_ready = []  # nothing built, or a damaged manifest: the Build page says so
    return ApprovalView(state.current, state.line(), list(ctx.settings.attorneys), not_ready)


def signing_view(case: Path, options: BuildOptions | None = None) -> SigningView:
    """For the web app's Signatures page: who signs what in the current build, each ink signature signed,
    missing or outdated (assembler/sign/view.py); `problem` says why no packet can be printed now."""
    from assembler.sign.view import signing_view as view

    return view(Path(case), options)


def read_signed(case: Path, scans: list[Path], out: Path | None = None, dry_run: bool = False,
                options: BuildOptions | None = None) -> Reading:
    """`pdpacket signed`: the signed pages of scans and photos, found by their page codes, checked against the
    case's current build and (unless `dry_run`) put into CASE/signed/ (assembler/sign/read.py)."""
    from assembler.sign.read import read_signed as read

    return read(Path(case), [Path(s) for s in scans], out, dry_run, options)


def validate_case(case: Path, options: CommandOptions = NO_OPTIONS, strict: bool = False,
                  settings: Settings | None = None) -> Case:
    """Load and check a case, its hand-edited copies included: a copy made before the case changed
    is a warning (an error with `strict`). Raises InvalidCaseError listing every problem."""
    settings = settings or case_settings(Path(case), options)
    loaded = load_valid_case(Path(case), options, settings=settings)
    found = edit_findings(loaded, settings)
    if strict:
        _refuse_warnings(loaded, found)
    loaded.problems += found
    return loaded


def edit_findings(case: Case, settings: Settings, templates_dir: Path | None = None) -> list[Finding]:
    """Warnings about the case's edited copies (CASE/edits/): made before the case changed, or without
    a record of what they were made from."""
    from assembler.documents.edits import findings

    return findings(case, settings, templates_dir)


def _refuse_warnings(case: Case, found: list[Finding]) -> None:
    """--strict: the case's warnings and those about its edited copies are errors (as validate_case's)."""
    warnings = case.warnings + found
    if warnings:
        raise InvalidCaseError(case.problems + found, f"{case.shown}: 0 error(s), {len(warnings)} warning(s) "
                                                      "(--strict treats warnings as errors)")


def run_batch(source: Path, out: Path, options: BuildOptions | None = None, jobs: int | None = None,
              force: bool = False, validate_only: bool = False, exhibits_dir: Path | None = None,
              quiet: bool = False, notes: list[str] | None = None) -> list[Outcome]:
    """Build many cases; record their builds, write drafts (`options.email`), add the status columns to the
    report. What the ledger and the drafts had to say is appended to `notes`."""
    options = options or BuildOptions()
    outcomes = batch_mod.run_batch(source, out, options, jobs=jobs, force=force, validate_only=validate_only,
                                   exhibits_dir=exhibits_dir, quiet=quiet)
    if not validate_only:
        said = after_batch(Path(source), Path(out), outcomes, options, exhibits_dir)
        if notes is not None:
            notes += said
    return outcomes


def status(folder: Path, options: CommandOptions = NO_OPTIONS) -> StatusList:
    """Every case of a cases folder: built, sent, answered, and what is due, the most urgent first. In a
    batch's output folder: that batch's cases."""
    from assembler import batch_ledger

    if batch_ledger.is_batch_output(Path(folder)):
        return batch_ledger.batch_status(Path(folder), options)
    return case_statuses(Path(folder), options)


def case_status(case_dir: Path, options: CommandOptions = NO_OPTIONS) -> CaseStatus:
    """One case's line of `status` (for a page about one case); the ledger is read, never started."""
    from assembler.send import status as status_mod
    from assembler.send.ledger import Ledger, ledger_path

    case_dir = Path(case_dir)
    ledger = Ledger.open(ledger_path(load_settings(options.settings_file, case_dir), case_dir.resolve().parent),
                         create=False)
    try:
        return status_mod.status_of(case_dir, options, ledger)
    finally:
        if ledger is not None:
            ledger.close()


def case_history(case_dir: Path, options: CommandOptions = NO_OPTIONS) -> list[LedgerEvent]:
    """The ledger's rows of one case (its A-number and its folder: a copy has its own), oldest first; [] when
    there is no ledger yet (it is read, never started). An invalid case raises InvalidCaseError."""
    from assembler.send.ledger import Ledger, ledger_path

    case_dir = Path(case_dir)
    case = validate_case(case_dir, options)
    ledger = Ledger.open(ledger_path(load_settings(options.settings_file, case_dir), case_dir.resolve().parent),
                         create=False)
    if ledger is None:
        return []
    try:
        return ledger.case_events(case.respondent.a_number, case.dir).own
    finally:
        ledger.close()


def check_case_data(case_dir: Path, data: dict, options: CommandOptions = NO_OPTIONS,
                    file_name: str = "case.yaml") -> list[Finding]:
    """Every problem `validate` would report if `data` (text values, as read from a case file) were the
    case file of `case_dir`; the web form checks what is typed before it is saved."""
    case_dir = Path(case_dir).resolve()
    settings = load_settings(options.settings_file, case_dir)
    case = check_case(Case(case_dir, case_dir / file_name), LoadedFile(case_dir / file_name, data), settings)
    return case.problems


def check_exhibit_file(case_dir: Path, name: str) -> str | None:
    """What `validate` says about a file a case names as an exhibit (inside the folder, not empty, a
    supported kind whose content matches its name), or None when it may be used."""
    return rules.exhibit_file_problem(Path(case_dir), name, today())


def list_templates(options: CommandOptions = NO_OPTIONS, templates_dir: Path | None = None,
                   case: Path | None = None) -> dict[Role, choose.Choice]:
    """For each role, the template that would be used (for `case`, with its template_set)."""
    if case is None:
        return choose.choose(load_settings(options.settings_file, None), None, templates_dir)
    loaded = load_valid_case(case, options)
    return choose.choose(load_settings(options.settings_file, loaded.dir), loaded.data, templates_dir)


def export_templates(dest: Path, force: bool = False, roles: list[Role] | None = None) -> list[Path]:
    """Copy the default templates (of `roles`, or all) into `dest`, to start a firm's own set."""
    return choose.export_defaults(Path(dest), overwrite=force, roles=roles)


def check_templates(folder: Path | None = None, options: CommandOptions = NO_OPTIONS,
                    case: Path | None = None) -> list[Finding]:
    """Every finding about a folder of templates, or about the set the settings (and `case`) choose.
    With `case`, the custom fields the templates use are checked against that case's."""
    loaded = load_valid_case(Path(case), options) if case is not None else None
    custom = loaded.data.get("custom") or {} if loaded is not None else None
    if folder is None:
        settings = load_settings(options.settings_file, loaded.dir if loaded else None)
        choices = choose.choose(settings, loaded.data if loaded else None)
        if custom is None:
            return choose.check_set(choices)
        return [f for c in choices.values() for f in check_template(c.path, c.role, custom)]
    files = sorted(p for p in Path(folder).glob("*.docx") if not p.name.startswith("~$"))
    if not files:
        raise TemplateError(f"{folder}: no .docx templates in it")
    return [f for path in files for f in check_template(path, custom=custom)]


@dataclass(frozen=True)
class TemplateVariable:
    path: str  # respondent.full_name, declarations[].declarant
    var: Var
    role: str | None  # the only role (or roles, comma-separated) whose template sees it, if any


def template_variables(role: Role | None = None) -> Iterator[TemplateVariable]:
    """Every variable a template (of `role`, or of any role) may use."""
    for path, var in walk(context_tree()):
        if not path:
            continue
        owners = ROLE_ONLY.get(path.split(".")[0].split("[")[0])
        if role and owners and role not in owners:
            continue
        yield TemplateVariable(path, var, ", ".join(sorted(owners)) if owners else None)


def template_filters() -> dict[str, str]:
    return dict(FILTERS)


def new_case(folder: Path, options: CommandOptions = NO_OPTIONS) -> list[Path]:
    """A case folder ready to fill: a commented case.yaml made from the schema, exhibits/, a README."""
    from assembler.casefile import scaffold

    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise OutputError(f"{folder} already exists and is not empty: choose a new folder name")
    settings = load_settings(options.settings_file, folder)
    try:
        return scaffold.new_case(folder, attorney_in_settings=bool(settings.attorney),
                                 office=firm_setup.firm_office(settings.path))
    except OSError as exc:
        raise OutputError(f"cannot create {folder}: {exc.strerror}") from exc


def new_spreadsheet(path: Path, force: bool = False, options: CommandOptions = NO_OPTIONS) -> list[Path]:
    """A spreadsheet to fill, with a consistent example case (it validates clean): .xlsx, a workbook with a
    sheet per list (Cases, Exhibits, Declarations, Factors, ...), drop-down lists and a Read me sheet; .csv,
    one row a case with every field's column. Then the example's exhibit files beside it, those missing.
    Returns the paths written, the spreadsheet first."""
    from assembler.casefile import workbook_template

    path = Path(path)
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise InputFileError(f"{path}: name the spreadsheet .xlsx (a sheet per list) or .csv (one row a case)")
    if path.exists() and not force:
        raise OutputError(f"{path} already exists: choose another name, or pass --force to replace it")
    try:
        if path.suffix.lower() == ".csv":
            return workbook_template.write_csv(path)
        return workbook_template.write(path, load_settings(options.settings_file, path.parent).offices)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror}") from exc


def list_offices(options: CommandOptions = NO_OPTIONS, case: Path | None = None,
                 court: str | None = None) -> list[OfficeView]:
    """The Offices of the Chief Counsel a case can name (the shipped directory and the firm's
    additions), each main office followed by its sub-offices; with `court`, only the offices
    covering that court, the most specific first."""
    known = load_settings(options.settings_file, case).offices
    if court is not None:
        found = office_profiles.for_court(known, court)
        if not found:
            raise InvalidCaseError([], f"no office covers '{court}': see `pdpacket offices`, or record the court "
                                       "under offices.<key>.courts in the settings")
        return [OfficeView(o, False) for o in found]
    views = []
    for key in sorted(k for k, o in known.items() if not o["parent"] or o["parent"] not in known):
        views.append(OfficeView(known[key], False))
        views += [OfficeView(known[sub], True) for sub in sorted(known) if known[sub]["parent"] == key]
    return views


def law_table(options: CommandOptions = NO_OPTIONS, case: Path | None = None) -> list[list[str]]:
    """`pdpacket law`: every legal rule pdpacket uses (assembler/data/law.yaml with the firm's
    entries over it), each as lines: text, authority, source, the date checked, notes."""
    s = load_settings(options.settings_file, case)
    return [law.describe(key, entry, s.law_changed.get(key), today(), s.law_stale_after_months)
            for key, entry in sorted(s.law.items())]


def law_entries(options: CommandOptions = NO_OPTIONS) -> list[dict]:
    """The law table as data for the web app's Law page: each entry's fields, whether it is stale (and
    why), and what the firm changed."""
    s = load_settings(options.settings_file)
    return [{"key": key, **entry, "stale": law.staleness(entry, today(), s.law_stale_after_months),
             "changed": s.law_changed.get(key) or []} for key, entry in sorted(s.law.items())]


def case_settings(case: Path, options: CommandOptions = NO_OPTIONS) -> Settings:
    """The settings a case folder uses (the firm's attorney, offices, template sets...)."""
    return load_settings(options.settings_file, Path(case))


# --- forms (G-28, EOIR-28, EOIR-27...) -----------------------------------------------------------

def form_fields(form: Path) -> list[FormField]:
    """The fillable fields of a PDF form: name, kind, allowed values, page (none for a picture of a form)."""
    form = Path(form)
    if not form.is_file():
        raise InputFileError(f"{form}: no such file: check the path")
    if form.suffix.lower() in IMAGE_SUFFIXES:  # a form signed on paper and scanned: nothing to fill
        return []
    return read_fields(form, str(form))


def serve_conversions(port: int, jobs: int | None, options: CommandOptions,
                      ready: Callable[[str, str], None]) -> None:
    """`pdpacket convert-server`: keep `jobs` LibreOffices (default: one per CPU) converting for the builds
    on this machine until Ctrl-C; `ready(address, what to say)` once it listens."""
    import os

    from assembler.convert import server, soffice

    settings = load_settings(options.settings_file, None)
    jobs = jobs or os.cpu_count() or 1
    server.serve(port, jobs, soffice.find_soffice(settings.soffice_path), settings.soffice_timeout,
                 lambda address, token_file: ready(address, server.main_loop_message(address, token_file, jobs)))
