"""`pdpacket build`: from a case to a filing PDF, in stages with declared data.

    plan_build -> Planned -> render_documents -> Rendered -> convert_documents -> Converted
    -> settle_indexes -> Settled -> assemble_filing -> Assembled -> check_and_place -> BuildResult

Each stage takes what the one before returns, so the order cannot be got
wrong. The two LibreOffice stages take a list: a batch runs them once for
many cases (one LibreOffice start each), see batch.py. Work happens in a
private temporary folder; the output folder only ever receives complete files.
"""
from __future__ import annotations

import contextlib
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from jinja2.sandbox import SandboxedEnvironment
from pypdf import PdfReader

from assembler import output, stopping, workspace
from assembler.casefile.case import Case, case_settings, validate_case
from assembler.casefile.offices import office_warnings
from assembler.casefile.offices import size_limit_mb as office_size_limit
from assembler.casefile.rules import resolve_case_path
from assembler.casefile.settings import Settings
from assembler.convert import early, exhibits, server, soffice, warm
from assembler.convert.renders import Ahead, LibreOffice, Render, convert_renders
from assembler.documents import choose, confidential, edits, forms, signers
from assembler.documents.check import CUSTOM, check_template, template_names
from assembler.documents.citations import law_warnings
from assembler.documents.context import build_context
from assembler.documents.plan import Part, Section, index_entries, number_pages, plan
from assembler.documents.render import make_environment, render
from assembler.documents.roles import INDEX_NAME, INDEX_TITLE, RENDERED, RoleRender
from assembler.errors import (
    DeadlineError,
    FilingCheckError,
    Finding,
    InvalidCaseError,
    InvalidSettingsError,
    MissingDependencyError,
    OutputError,
    PdpacketError,
    TemplateError,
)
from assembler.output import BuildResult, filing_name, filing_title
from assembler.pdf import forms as pdf_forms
from assembler.pdf import preflight, split
from assembler.pdf.assemble import assemble
from assembler.pdf.manifest import build_manifest, sha256, write_manifest
from assembler.progress import Progress
from assembler.vocab import FILING_ROLES, MB, PartKind, Role, Severity

MAX_INDEX_ROUNDS = 6
INDEX_PLACEHOLDER_PAGE = 8888  # as wide as any real page number, so the draft index is as long
INDEX_GUESS_PAGES = 1  # a single build's index length until it is converted


@dataclass(frozen=True)
class Names:
    """What a build writes into the output folder: the filing's name and title, the Word copies' folder,
    the manifest. The court papers (court.py) use other names than the filing."""

    filing: str
    title: str
    docx: str = "docx"
    manifest: str = "manifest.json"

    @classmethod
    def of_filing(cls, data: dict) -> Names:
        return cls(filing_name(data), filing_title(data))


@dataclass
class Planned:
    """The filing's table of contents, the templates that make it, and the context they see."""

    case: Case
    settings: Settings
    choices: dict[Role, choose.Choice]
    template_warnings: list[Finding]
    sections: list[Section]
    context: dict
    env: SandboxedEnvironment
    signature: Path | None
    work: Path  # this case's private work folder
    staging: Path  # this build's private folder inside the output folder
    prefix: str  # makes file names unique in a LibreOffice run shared with other cases
    names: Names | None = None  # None: the filing's (Names.of_filing)

    def __post_init__(self):
        if self.names is None:
            self.names = Names.of_filing(self.case.data)

    @property
    def output(self) -> Names:
        assert self.names is not None
        return self.names

    @property
    def has_index(self) -> bool:
        return any(s.key == "index" for s in self.sections)

    def template(self, role: Role) -> Path:
        return self.choices[role].path

    @property
    def index_part(self) -> Part:
        return next(s for s in self.sections if s.key == "index").parts[0]

    def label(self, what: str, role: Role) -> str:
        return f"{what} (template {self.template(role).name})"

    def render(self, role: Role, name: str, extra: dict, title: str, compress: bool,
               signature: bool = False) -> Path:
        target = self.work / "render" / f"{self.prefix}{name}.docx"
        render(self.template(role), {**self.context, **extra}, self.env, target, title,
               self.context["attorney"]["name"], self.signature if signature else None, compress=compress)
        return target

    def render_index(self, name: str, final: bool) -> Render:
        doc = self.render(Role.index, f"index-{name}", {"index": index_entries(self.sections)}, INDEX_TITLE,
                          compress=final)
        return Render(doc, self.index_part, self.label("the index of exhibits", Role.index),
                      self.template(Role.index))


@dataclass
class Rendered:
    """Every template filled and every exhibit ready; the documents LibreOffice has to convert."""

    plan: Planned
    pending: list[Render]
    keep: dict[Path, str]  # rendered document -> its name in docx/
    inputs: list[Path]  # the case's own files that go into the filing
    notices: list[str]  # what had to be repaired or changed in the exhibits
    edits: list[edits.Edit] = field(default_factory=list)  # hand-edited copies used instead of renders


@dataclass
class Converted:
    """Every part has its PDF and its page count; the index has its draft length."""

    rendered: Rendered


@dataclass
class Settled:
    """The index printed with the page numbers it really has."""

    converted: Converted
    keep: dict[Path, str]


@dataclass
class Assembled:
    """The filing and its manifest, written in the staging folder."""

    settled: Settled
    filing: Path
    manifest: dict
    docx_dir: Path
    pages: int
    notices: list[str]

    @property
    def plan(self) -> Planned:
        return self.settled.converted.rendered.plan


# --- the stages -------------------------------------------------------------------------

def plan_build(case: Case, settings: Settings, out: Path, work: Path, progress: Progress,
               templates_dir: Path | None = None, prefix: str = "", sections: list[Section] | None = None,
               names: Names | None = None, roles: tuple[Role, ...] = FILING_ROLES) -> Planned:
    """Choose and check the templates, claim the output folder, plan the filing (or, given
    `sections` and `names`, another set of documents of the case: the court papers)."""
    progress.step("check templates")
    choices = choose.choose(settings, case.data, templates_dir, roles)
    template_warnings = choose.require_valid(choices)
    staging = output.prepare(out)
    filing_sections, tabs = plan(case.data, case.dir, forms.resolve_forms(case.data, case.dir, settings.forms,
                                                                          settings.path))
    assert case.office is not None, "plan_build needs a validated case"
    (work / "render").mkdir(parents=True)
    return Planned(case, settings, choices, template_warnings, filing_sections if sections is None else sections,
                   build_context(case.data, case.office, tabs, settings.decide_days, law=settings.law), make_environment(tabs),
                   _signature_path(case), work, staging, prefix, names)


def render_documents(planned: Planned, progress: Progress, ahead: Ahead | None = None,
                     draft_index: bool = True) -> Rendered:
    """Fill every template (the index as a draft), and make every exhibit a PDF or a LibreOffice job.

    A document with an edited copy in CASE/edits/ (same name as in docx/) is not rendered:
    the copy goes in its place, with a warning when the case data that fed it has changed.
    With `ahead`, each template's renders start converting once the last of them is filled.
    Without `draft_index`, the index is taken to be one page until settle_indexes knows."""
    rendered = Rendered(planned, [], {}, [], [])
    progress.step("render templates")
    _require_custom_fields(planned)
    copies = edits.edited_copies(planned.case.dir)
    to_render = [(s, part, how) for s in planned.sections for part in s.parts
                 if (how := RENDERED.get(part.kind)) is not None]
    left = Counter(how.role for s, part, how in to_render
                   if not (how.keep and f"{how.name(s, part)}.docx" in copies))
    groups: dict[Role, list[Render]] = {}
    for s, part, how in to_render:
        name = how.name(s, part)
        extra = how.extra(s, part, planned.context)
        edited = copies.pop(f"{name}.docx", None) if how.keep else None
        if edited is not None:
            edit = edits.examine(edited, f"{name}.docx", {**planned.context, **extra}, planned.template(how.role),
                                 s.key, part.kind)
            target = planned.work / "render" / f"{planned.prefix}{name}.docx"
            shutil.copyfile(edited, target)
            rendered.edits.append(edit)
            # Not combined with renders of the template (None): its styles may differ now.
            render = Render(target, part, f"the {part.label} (edited copy {edit.shown})", None)
        else:
            target = planned.render(how.role, name, extra, how.title(s, part), compress=how.keep,
                                    signature=how.signature)
            if how.keep:
                edits.record_input(target, _fed(planned, how, extra))
            part.template = how.role
            render = Render(target, part, planned.label(f"the {part.label}", how.role), planned.template(how.role))
        if how.keep:
            rendered.keep[target] = f"{name}.docx"
        rendered.pending.append(render)
        if ahead is not None:
            if render.template is None:
                ahead.send([render])
            else:
                groups.setdefault(how.role, []).append(render)
                left[how.role] -= 1
                if not left[how.role]:  # the template's last render: convert them together now
                    ahead.send(groups.pop(how.role))
    rendered.notices += edits.notices(rendered.edits, planned.case.dir)
    if planned.has_index:  # the filing: copies no document takes are worth a word; the court papers take theirs only
        rendered.notices += edits.unused(copies, f"{INDEX_NAME}.docx")
    progress.step("prepare exhibits")
    _prepare_forms(rendered)
    _prepare_exhibits(rendered)
    # After the exhibits and by name, as manifest.case_inputs lists them: a batch re-run compares the two.
    rendered.inputs += sorted((e.path for e in rendered.edits), key=lambda p: p.name)
    if not planned.has_index:
        return rendered
    planned.index_part.template = Role.index
    if not draft_index:
        # One build: its LibreOffice converts one document at a time, and an index almost
        # always fits on a page (every sample's does). A guess that is wrong costs one more
        # round in settle_indexes: the conversion the draft would have cost anyway.
        planned.index_part.pages = INDEX_GUESS_PAGES
        return rendered
    for s in planned.sections:
        s.first = s.last = INDEX_PLACEHOLDER_PAGE
    # A batch's draft indexes join the first LibreOffice run (one document for all the
    # cases of a chunk), so their lengths are known before the real page numbers are.
    rendered.pending.append(planned.render_index("draft", final=False))
    return rendered


def _require_custom_fields(planned: Planned) -> None:
    """The template check knows every field a case can have, but not which custom fields
    this case has: a template using one it lacks is this case's problem, said as such."""
    custom = planned.case.data.get("custom") or {}
    missing = [f for c in planned.choices.values() if "custom" in template_names(c.path)
               for f in check_template(c.path, c.role, custom) if f.kind == CUSTOM]
    if missing:
        raise TemplateError("this case lacks a field the templates use: "
                            + "; ".join(f.render() for f in missing))


def _fed(planned: Planned, how: RoleRender, extra: dict) -> edits.Record:
    """What fed a document, variable by variable (recorded in it, compared with its edited copy)."""
    return edits.fed({**planned.context, **extra}, planned.template(how.role))


def editable_documents(planned: Planned) -> dict[str, tuple[Section, Part, RoleRender]]:
    """The documents of a filing that can be edited by hand, by their names in docx/."""
    return {f"{how.name(s, p)}.docx": (s, p, how) for s in planned.sections for p in s.parts
            if (how := RENDERED.get(p.kind)) is not None and how.keep}


def render_for_edit(planned: Planned, name: str) -> Path:
    """Render one document as a build would, with its record of the case data that fed it."""
    s, part, how = editable_documents(planned)[name]
    extra = how.extra(s, part, planned.context)
    target = planned.render(how.role, name.removesuffix(".docx"), extra, how.title(s, part), compress=True,
                            signature=how.signature)
    edits.record_input(target, _fed(planned, how, extra))
    return target


def convert_documents(builds: list[Rendered], lo: LibreOffice, progress: Progress,
                      ahead: Ahead | None = None) -> list[Converted]:
    """Convert the documents of every build in one LibreOffice start (with `ahead`, what is
    left of one build's, after those sent while it rendered)."""
    pending = [r for b in builds for r in b.pending]
    if ahead is None:
        convert_renders(pending, lo, progress)
    else:
        progress.step(f"convert {len(pending)} documents with LibreOffice ({lo.how})")
        ahead.send(ahead.unsent(pending))
        ahead.finish(progress)
        left = ahead.unsent(pending)  # the kept-running LibreOffice failed: these in one start
        if left:
            convert_renders(left, lo, progress)
    for b in builds:
        for s in b.plan.sections:
            for part in s.parts:
                if part.pdf is not None and not part.pages:
                    part.pages = len(PdfReader(part.pdf).pages)
    return [Converted(b) for b in builds]


def settle_indexes(builds: list[Converted], lo: LibreOffice, progress: Progress) -> list[Settled]:
    """Render each index with real page numbers until its own length stops changing."""
    progress.step("settle the index")
    settled: dict[int, Settled] = {}
    pending = list(enumerate(builds))
    for round_number in range(1, MAX_INDEX_ROUNDS + 1):
        renders, expected = [], []
        for _, b in pending:
            planned = b.rendered.plan
            expected.append(planned.index_part.pages)  # the length the page numbers below assume
            number_pages(planned.sections)
            renders.append(planned.render_index(f"round{round_number}", final=True))
            planned.index_part.pages = 0
        convert_renders(renders, lo, progress)
        still = []
        for (i, b), r, pages in zip(pending, renders, expected, strict=True):
            if r.part.pages == pages:
                settled[i] = Settled(b, {**b.rendered.keep, r.doc: f"{INDEX_NAME}.docx"})
            else:
                still.append((i, b))
        pending = still
        if not pending:
            return [settled[i] for i in range(len(builds))]
    raise OutputError("the index of exhibits did not settle on a page count: report this as a bug")


def assemble_filing(settled: Settled, progress: Progress) -> Assembled:
    """Merge, stamp and bookmark the filing; copy the Word documents; write the manifest."""
    progress.step("assemble")
    planned = settled.converted.rendered.plan
    total = number_pages(planned.sections)
    filing = planned.staging / planned.output.filing
    legend = confidential.legend(planned.case.data, planned.settings.legend)
    labels, notices = assemble(planned.sections, filing, planned.settings.page_numbers, {
        "title": planned.output.title, "author": planned.context["attorney"]["name"],
        "subject": planned.context["office"]["name"], "pdfa": planned.settings.pdfa}, legend)
    docx_dir = planned.staging / planned.output.docx
    docx_dir.mkdir()
    for src, name_in_docx in settled.keep.items():
        shutil.copyfile(src, docx_dir / name_in_docx)
    manifest = build_manifest(case=planned.case, settings=planned.settings, inputs=settled.converted.rendered.inputs,
                              templates=planned.choices, sections=planned.sections, filing=filing, pages=total,
                              labels=labels)
    if legend:
        manifest["legend"] = legend
    found = signers.find_signatures(planned.sections, planned.context, signers.pdf_page_texts())
    manifest["signatures"] = found.record()
    return Assembled(settled, filing, manifest, docx_dir, total,
                     settled.converted.rendered.notices + notices + found.notices)


def check_and_place(assembled: Assembled, out: Path, split_parts: bool, progress: Progress) -> BuildResult:
    """Preflight the filing (split it when asked and too big), then move everything into `out`."""
    planned = assembled.plan
    notices = assembled.notices + _preflight(assembled, split_parts, progress)
    # What this build puts in the output folder: the next build removes these (output.move_into_place).
    assembled.manifest["outputs"] = [assembled.filing.name, *(p["file"] for p in assembled.manifest.get("parts", []))]
    used = assembled.settled.converted.rendered.edits
    edits.note_in_manifest(assembled.manifest, used)
    manifest_path = planned.staging / planned.output.manifest
    write_manifest(assembled.manifest, manifest_path)
    progress.step("write")
    warnings = planned.case.warnings + planned.template_warnings + [
        Finding(planned.case.shown, "", n, Severity.warning) for n in notices] + office_warnings(planned.case) + \
        law_warnings(planned.case, planned.settings)
    return output.move_into_place(planned.staging, out, BuildResult(
        assembled.filing, manifest_path, assembled.docx_dir, assembled.pages, warnings,
        edited=[e.shown for e in used]), planned.output.docx, planned.output.manifest)


def abandon(planned: Planned) -> None:
    """Remove what a build that did not finish left in the output folder."""
    shutil.rmtree(planned.staging, ignore_errors=True)


# --- one case, end to end ----------------------------------------------------------------

def build(case_path: Path, out: Path | None = None, settings_file: Path | None = None,
          strict: bool = False, progress: Progress | None = None, templates_dir: Path | None = None,
          split_parts: bool = False) -> BuildResult:
    """Build one case folder (the `pdpacket build` command)."""
    progress = progress or Progress(False)
    progress.step("validate")
    case_path = Path(case_path)
    with workspace.workdir() as work, contextlib.ExitStack() as own:
        own.callback(early.discard)  # one `pdpacket build` started and no build took over (it failed first)
        lo, settings = None, None
        try:  # LibreOffice first: it boots while the case is validated and the templates rendered
            settings = case_settings(case_path, settings_file)
            lo = own.enter_context(libreoffice(settings, work))
            lo.start()
        except (MissingDependencyError, InvalidSettingsError):
            pass  # said below, after what is wrong with the case: the more useful message first
        case = validate_case(case_path, settings_file, strict, settings)
        settings = settings or case_settings(case_path, settings_file)
        return build_case(case, settings, Path(out) if out else case.dir / "out", progress, templates_dir,
                          split_parts, lo, lo_is_ours=True)


def build_case(case: Case, settings: Settings, out: Path, progress: Progress | None = None,
               templates_dir: Path | None = None, split_parts: bool = False,
               lo: LibreOffice | None = None, lo_is_ours: bool = False) -> BuildResult:
    """Build an already validated case into `out`.

    With `lo` (a long-lived process: the web app, a worker), convert on that LibreOffice;
    without, start one first thing, so that it boots while the templates are
    checked and rendered, and stop it however the build ends. `lo_is_ours`: `lo` was
    started for this build alone (`build`), so a failure may stop it at once."""
    progress = progress or Progress(False)
    planned = None
    swept = workspace.sweep_stale()
    deadline = stopping.Deadline(settings.deadline)
    try:
        with workspace.workdir() as work, contextlib.ExitStack() as own:
            owned = lo is None or lo_is_ours
            if lo is None:
                lo = own.enter_context(libreoffice(settings, work))
                lo.start()
            elif not lo_is_ours:
                lo = lo.in_folder(work)  # a long-lived process's LibreOffice: this build's PDFs in this build's folder
            deadline = own.enter_context(stopping.limit(settings.deadline, lo.close))
            ahead = own.enter_context(Ahead(lo, progress, owned)) if Ahead.usable(lo) else None
            try:
                planned = plan_build(case, settings, out, work / "case", progress, templates_dir)
                rendered = render_documents(planned, progress, ahead, draft_index=False)
                [converted] = convert_documents([rendered], lo, progress, ahead)
                [settled] = settle_indexes([converted], lo, progress)
                result = check_and_place(assemble_filing(settled, progress), out, split_parts, progress)
            finally:
                if planned is not None:
                    abandon(planned)
    except stopping.DeadlinePassed:
        raise _deadline_error(settings) from None
    except OSError as exc:
        raise output.classify_os_error(exc, case.dir, out) from exc
    except PdpacketError:
        if deadline.passed:  # a build in another thread: its LibreOffice was stopped under it
            raise _deadline_error(settings) from None
        raise
    if swept:
        result.warnings.append(Finding(case.shown, "", f"removed what {swept} earlier pdpacket run(s), killed before "
                                       "they could clean up, left behind (work folders, LibreOffice)", Severity.warning))
    result.timings = progress.done()
    return result


def _deadline_error(settings: Settings) -> DeadlineError:
    return DeadlineError(f"the build did not finish within {settings.deadline} s and was stopped, LibreOffice with it: "
                         "look for a very long text or a document LibreOffice cannot open, or raise filing.deadline "
                         f"in the settings{f' ({settings.path})' if settings.path else ''}")


def libreoffice_key(settings: Settings) -> tuple:
    """What decides which LibreOffice libreoffice() gives: a kept one serves every build whose settings agree."""
    return settings.soffice_path, settings.soffice_timeout, settings.soffice_server, settings.soffice_token


def libreoffice(settings: Settings, work: Path) -> LibreOffice:
    """The LibreOffice a build converts with, its private folders in `work`: the convert-server the
    settings name, if it answers; else one of its own kept running over UNO, where a Python with
    `uno` is at hand; else one `soffice --convert-to` start per conversion."""
    binary = soffice.find_soffice(settings.soffice_path)
    kept: list[warm.Converter] = []
    if settings.soffice_server:
        kept.append(server.RemoteOffice(settings.soffice_server, settings.soffice_token))
    own = early.adopt(binary)  # `pdpacket build` started it before importing the library
    python = own.python if own else warm.uno_python(binary)
    if python:
        kept.append(own or warm.Office(binary, work / "lo-warm", python))
    return LibreOffice(binary, work / "lo-profile", settings.soffice_timeout, tuple(kept))


# --- helpers of the stages ----------------------------------------------------------------

def _prepare_exhibits(rendered: Rendered) -> None:
    planned = rendered.plan
    exhibit_dir = planned.work / "exhibits"
    exhibit_dir.mkdir()
    for s in planned.sections:
        for i, part in enumerate(s.parts):
            if part.source is None or part.kind == PartKind.form:  # forms: _prepare_forms
                continue
            rendered.inputs.append(part.source)
            suffix = part.source.suffix.lower()
            if suffix == ".pdf":
                reader = exhibits.open_pdf(part.source, part.label, rendered.notices)
                part.pages = len(reader.pages)
                # open_pdf decoded every content stream: the text check reads them now, not the filing's copies
                part.untexted = tuple(i for i, page in enumerate(reader.pages) if not preflight.has_text(page))
                part.pdf = part.source  # counted here: conversion need not open it again
            elif suffix in exhibits.IMAGE_SUFFIXES:
                part.pdf = exhibits.image_to_pdf(part.source, exhibit_dir / f"tab-{s.tab}-{i}.pdf", part.label)
            elif suffix in exhibits.OFFICE_SUFFIXES:
                # A copy with a unique name: soffice names its outputs by base name.
                copy = exhibit_dir / f"{planned.prefix}tab-{s.tab}-{i}{suffix}"
                shutil.copyfile(part.source, copy)
                rendered.pending.append(Render(copy, part, part.label, None))
    if planned.signature:
        rendered.inputs.append(planned.signature)


def _prepare_forms(rendered: Rendered) -> None:
    """Each form as it is, or filled from the case data and flattened (documents/forms.py)."""
    planned = rendered.plan
    env = None
    for s in planned.sections:
        for part in s.parts:
            spec = part.form
            if part.kind != PartKind.form or spec is None or spec.file is None:
                continue
            rendered.inputs.append(spec.file)
            if not spec.fill:
                part.pages = len(exhibits.open_pdf(spec.file, part.label, rendered.notices).pages)
                part.pdf = spec.file
                continue
            env = env or forms.fill_environment(planned.context["tabs"])
            fields = {f.name: f for f in pdf_forms.read_fields(spec.file, part.label)}
            values, errors = forms.render_fill(spec, fields, planned.context, env)
            if errors:  # validate reports these; here only if the form changed since
                raise InvalidCaseError([Finding(planned.case.shown, forms.fill_path(spec, e.field),
                                                forms.fill_error_text(spec, e)) for e in errors])
            target = planned.work / "forms" / f"form-{spec.index}.pdf"
            target.parent.mkdir(exist_ok=True)
            part.pdf = pdf_forms.fill_and_flatten(spec.file, values, target, part.label, rendered.notices)
            part.pages = len(PdfReader(part.pdf).pages)


def _preflight(assembled: Assembled, split_parts: bool, progress: Progress) -> list[str]:
    """Check the filing; split it when asked and it is too big. Returns warnings."""
    progress.step("check the filing")
    planned = assembled.plan
    # Scanned PDFs are worth an OCR hint; photos are pictures, not documents.
    exhibit_pages = {n: f"Tab {s.tab}, {p.label}" for s in planned.sections for p in s.parts
                     if p.source is not None and p.source.suffix.lower() == ".pdf"
                     for n in range(p.first, p.last + 1)}
    limit = office_size_limit(planned.settings.size_limit_mb, planned.case.office)  # the office's own, if smaller
    untexted = None
    if all(p.untexted is not None for s in planned.sections for p in s.parts
           if p.source is not None and p.source.suffix.lower() == ".pdf"):
        untexted = {p.first + i for s in planned.sections for p in s.parts if p.untexted for i in p.untexted}
    report = preflight.check_filing(assembled.filing, assembled.manifest, limit, text_pages=exhibit_pages,
                                    deep=False, untexted=untexted)
    too_big = [f for f in report.errors if f.kind == "size"]
    errors = [f for f in report.errors if f not in too_big]
    if errors:
        raise FilingCheckError(f"the filing failed its final check: {'; '.join(f.message for f in errors)}")
    warnings = [f.message for f in report.warnings]
    if too_big and split_parts:
        parts = split.split(assembled.filing, split.units_from_manifest(assembled.manifest), int(limit * MB),
                            planned.output.title)
        assembled.manifest["parts"] = [{"file": p.name, "sha256": sha256(p), "size_bytes": p.stat().st_size,
                                        "pages": len(PdfReader(p).pages)} for p in parts]
    elif too_big:
        warnings.append(too_big[0].message.replace("the file is", "the filing is"))
    return warnings


def _signature_path(case: Case) -> Path | None:
    image = (case.data["attorney"].get("signature") or {}).get("image")
    if not image:
        return None
    resolved = resolve_case_path(case.dir, image)
    return resolved if isinstance(resolved, Path) else None

