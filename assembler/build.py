"""`pdpacket build`: from a case to a filing PDF, in stages with declared data.

    plan_build -> Planned -> render_documents -> Rendered -> convert_documents -> Converted
    -> settle_indexes -> Settled -> assemble_filing -> Assembled -> check_and_place -> BuildResult

Each stage takes what the one before returns, and returns a new record: the parts
of the plan are never changed, each stage gives new ones with what it added (a
template, a PDF and its page count, page numbers), so the order cannot be got
wrong. The two LibreOffice stages take a list: a batch runs them once for
many cases (one LibreOffice start each), see batch.py. Work happens in a
private temporary folder; the output folder only ever receives complete files.
"""
from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from jinja2.sandbox import SandboxedEnvironment
from pypdf import PdfReader

from assembler import output, prepare
from assembler.casefile.case import Case, future_service_date
from assembler.casefile.forms import resolve_forms
from assembler.casefile.offices import office_warnings
from assembler.casefile.rules import resolve_case_path
from assembler.casefile.settings import Settings
from assembler.convert.cache import Cache
from assembler.convert.ocr import Ocr
from assembler.convert.renders import Ahead, LibreOffice, PartPdf, Render, cache_saying, convert_renders, step_saying
from assembler.documents import choose, confidential, edits, signed, signers
from assembler.documents.citations import law_warnings
from assembler.documents.context import build_context
from assembler.documents.plan import (
    Part,
    PartKey,
    Section,
    index_entries,
    keyed,
    number_pages,
    part_at,
    plan,
    total_pages,
    with_parts,
)
from assembler.documents.render import make_environment, render
from assembler.documents.roles import INDEX_NAME, INDEX_TITLE, RENDERED, RoleRender
from assembler.errors import Finding, OutputError
from assembler.output import BuildResult, filing_name, filing_title
from assembler.pdf import approval, pades
from assembler.pdf.assemble import assemble
from assembler.pdf.manifest import build_manifest, write_manifest
from assembler.progress import Progress
from assembler.vocab import FILING_ROLES, Role, Severity

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
    ocr: Ocr | None = None  # reads the scanned exhibits while LibreOffice converts (None: OCR off)
    cache: Cache | None = None  # the cache of converted PDFs, for the PDF exhibits' downsampled copies (None: off)
    approval: approval.State | None = None  # the filing's: a draft has no "/s/" and a DRAFT mark; None: not asked

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
    def index_key(self) -> PartKey:
        return next((si, 0) for si, s in enumerate(self.sections) if s.key == "index")

    def label(self, what: str, role: Role) -> str:
        return f"{what} (template {self.template(role).name})"

    def render(self, role: Role, name: str, extra: dict, title: str, compress: bool,
               signature: bool = False) -> Path:
        target = self.work / "render" / f"{self.prefix}{name}.docx"
        context, image = approval.for_render(self.approval, {**self.context, **extra},
                                             self.signature if signature else None)
        render(self.template(role), context, self.env, target, title, self.context["attorney"]["name"], image,
               compress=compress)
        return target

    def render_index(self, name: str, final: bool, sections: list[Section]) -> Render:
        """The index of `sections` (numbered, or with placeholder numbers for a draft)."""
        doc = self.render(Role.index, f"index-{name}", {"index": index_entries(sections)}, INDEX_TITLE,
                          compress=final)
        return Render(doc, part_at(sections, self.index_key), self.label("the index of exhibits", Role.index),
                      self.template(Role.index))


@dataclass
class Rendered:
    """Every template filled and every exhibit ready; the documents LibreOffice has to convert."""

    plan: Planned
    sections: list[Section]  # the plan's, each part with its template, and a PDF where none was needed
    pending: list[Render]
    keys: dict[Path, PartKey]  # each pending document's part
    keep: dict[Path, str]  # rendered document -> its name in docx/
    inputs: list[Path]  # the case's own files that go into the filing
    notices: list[str]  # what had to be repaired or changed in the exhibits
    edits: list[edits.Edit] = field(default_factory=list)  # hand-edited copies used instead of renders


@dataclass(frozen=True)
class Converted:
    """Every part's PDF and page count (a single build's index: only its guessed length, until settled)."""

    rendered: Rendered
    pdfs: Mapping[PartKey, PartPdf]
    sections: list[Section]  # the rendered sections with those PDFs and page counts

    def __post_init__(self) -> None:
        index = self.rendered.plan.index_key if self.rendered.plan.has_index else None
        missing = [p.label for key, _, p in keyed(self.sections) if key not in self.pdfs and key != index]
        assert not missing, f"converted without a PDF: {missing}"


@dataclass(frozen=True)
class Settled:
    """The index printed with the page numbers it really has; every part numbered."""

    converted: Converted
    keep: dict[Path, str]
    sections: list[Section]


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

    @property
    def sections(self) -> list[Section]:
        return self.settled.sections


# --- the stages -------------------------------------------------------------------------

def plan_build(case: Case, settings: Settings, out: Path, work: Path, progress: Progress,
               templates_dir: Path | None = None, prefix: str = "", sections: list[Section] | None = None,
               names: Names | None = None, roles: tuple[Role, ...] = FILING_ROLES) -> Planned:
    """Choose and check the templates, claim the output folder, plan the filing (or, given
    `sections` and `names`, another set of documents of the case: the court papers)."""
    progress.step("check templates")
    choices = choose.choose(settings, case.data, templates_dir, roles)
    template_warnings = choose.require_valid(choices)
    filing_sections, tabs = plan(case.data, case.dir, resolve_forms(case.data, case.dir, settings.forms,
                                                                          settings.path))
    assert case.office is not None, "plan_build needs a validated case"
    (work / "render").mkdir(parents=True)
    context = build_context(case.data, case.office, tabs, settings.decide_days, law=settings.law)
    approved = approval.state(case, settings, templates_dir) if sections is None else None
    # The staging folder last: a signal before Planned is returned left it where the driver cannot remove it.
    staging = output.prepare(out)
    return Planned(case, settings, choices, template_warnings, filing_sections if sections is None else sections,
                   context, make_environment(tabs), _signature_path(case), work, staging, prefix, names,
                   approval=approved)


def render_documents(planned: Planned, progress: Progress, ahead: Ahead | None = None,
                     draft_index: bool = True) -> Rendered:
    """Fill every template (the index as a draft), and make every exhibit a PDF or a LibreOffice job.

    A document with an edited copy in CASE/edits/ (same name as in docx/) is not rendered:
    the copy goes in its place, with a warning when the case data that fed it has changed.
    With `ahead`, each template's renders start converting once the last of them is filled.
    Without `draft_index`, the index is taken to be one page until settle_indexes knows."""
    progress.step("render templates")
    choose.require_custom_fields(planned.choices, planned.case.data)
    copies = edits.edited_copies(planned.case.dir)
    to_render = [(key, s, part, how) for key, s, part in keyed(planned.sections)
                 if (how := RENDERED.get(part.kind)) is not None]
    left = Counter(how.role for _, s, part, how in to_render
                   if not (how.keep and f"{how.name(s, part)}.docx" in copies))
    groups: dict[Role, list[Render]] = {}
    changes: dict[PartKey, Part] = {}
    pending: list[Render] = []
    keys: dict[Path, PartKey] = {}
    keep: dict[Path, str] = {}
    used: list[edits.Edit] = []
    for key, s, part, how in to_render:
        name = how.name(s, part)
        extra = how.extra(s, part, planned.context)
        edited = copies.pop(f"{name}.docx", None) if how.keep else None
        if edited is not None:
            edit = edits.examine(edited, f"{name}.docx", {**planned.context, **extra}, planned.template(how.role),
                                 s.key, part.kind)
            target = planned.work / "render" / f"{planned.prefix}{name}.docx"
            shutil.copyfile(edited, target)
            used.append(edit)
            # Not combined with renders of the template (None): its styles may differ now.
            render = Render(target, part, f"the {part.label} (edited copy {edit.shown})", None)
        else:
            target = planned.render(how.role, name, extra, how.title(s, part), compress=how.keep,
                                    signature=how.signature)
            if how.keep:
                edits.record_input(target, _fed(planned, how, extra))
            part = changes[key] = replace(part, template=how.role)
            render = Render(target, part, planned.label(f"the {part.label}", how.role), planned.template(how.role))
        if how.keep:
            keep[target] = f"{name}.docx"
        pending.append(render)
        keys[target] = key
        if ahead is not None:
            if render.template is None:
                ahead.send([render])
            else:
                groups.setdefault(how.role, []).append(render)
                left[how.role] -= 1
                if not left[how.role]:  # the template's last render: convert them together now
                    ahead.send(groups.pop(how.role))
    notices = edits.notices(used, planned.case.dir)
    if planned.has_index:  # the filing: copies no document takes are worth a word; the court papers take theirs only
        notices += edits.unused(copies, f"{INDEX_NAME}.docx")
    progress.step("prepare exhibits")
    made, inputs = prepare.prepare_forms(planned, notices)
    exhibit_parts, office_docs, exhibit_inputs = prepare.prepare_exhibits(planned, notices, made)
    changes |= made | exhibit_parts
    for doc, key in office_docs.items():
        part = part_at(planned.sections, key)
        pending.append(Render(doc, part, part.label, None))
        keys[doc] = key
    # After the exhibits and by name, as manifest.case_inputs lists them: a batch re-run compares the two.
    inputs += exhibit_inputs + sorted((e.path for e in used), key=lambda p: p.name) + signed.input_files(planned.case.dir)
    rendered = Rendered(planned, with_parts(planned.sections, changes), pending, keys, keep, inputs, notices, used)
    if not planned.has_index:
        return rendered
    index_key = planned.index_key
    # One build: its LibreOffice converts one document at a time, and an index almost always
    # fits on a page (every sample's does). A guess that is wrong costs one more round in
    # settle_indexes: the conversion the draft would have cost anyway.
    index = replace(part_at(planned.sections, index_key), template=Role.index,
                    pages=0 if draft_index else INDEX_GUESS_PAGES)
    rendered.sections = with_parts(rendered.sections, {index_key: index})
    if not draft_index:
        return rendered
    # A batch's draft indexes join the first LibreOffice run (one document for all the
    # cases of a chunk), so their lengths are known before the real page numbers are.
    placeholders = [replace(s, first=INDEX_PLACEHOLDER_PAGE, last=INDEX_PLACEHOLDER_PAGE) for s in rendered.sections]
    draft = planned.render_index("draft", final=False, sections=placeholders)
    rendered.pending.append(draft)
    rendered.keys[draft.doc] = index_key
    return rendered


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
        made = convert_renders(pending, lo, progress)
    else:
        progress.step(step_saying(len(pending), lo))
        ahead.send(ahead.unsent(pending))
        ahead.finish(progress)
        made = dict(ahead.converted)
        left = ahead.unsent(pending)  # the kept-running LibreOffice failed: these in one start
        if left:
            made |= convert_renders(left, lo, progress)
        if (said := cache_saying(lo)) is not None:  # Ahead's thread converted, with a quiet progress
            progress.note(said)
    return [_converted(prepare.take_ocr(b, progress), made) for b in builds]


def _converted(rendered: Rendered, made: Mapping[Path, PartPdf]) -> Converted:
    pdfs = {key: made[doc] for doc, key in rendered.keys.items()}
    for key, _, part in keyed(rendered.sections):  # what needed no LibreOffice (an exhibit PDF, an image, a form)
        if key not in pdfs and part.pdf is not None:
            pdfs[key] = PartPdf(part.pdf, part.offset, part.pages or len(PdfReader(part.pdf).pages))
    changes = {key: replace(part_at(rendered.sections, key), pdf=p.pdf, offset=p.offset, pages=p.pages)
               for key, p in pdfs.items()}
    return Converted(rendered, pdfs, with_parts(rendered.sections, changes))


def settle_indexes(builds: list[Converted], lo: LibreOffice, progress: Progress) -> list[Settled]:
    """Render each index with real page numbers until its own length stops changing. A build
    without an index (the court papers) is settled as it is."""
    settled = {i: Settled(b, b.rendered.keep, number_pages(b.sections))
               for i, b in enumerate(builds) if not b.rendered.plan.has_index}
    # Each build still to settle, with its sections as the next round numbers them.
    pending = [(i, b, b.sections) for i, b in enumerate(builds) if i not in settled]
    if not pending:
        return [settled[i] for i in range(len(builds))]
    progress.step("settle the index")
    for round_number in range(1, MAX_INDEX_ROUNDS + 1):
        renders, numbered = [], []
        for _, b, sections in pending:
            numbered.append(number_pages(sections))  # with the index as long as it was last
            renders.append(b.rendered.plan.render_index(f"round{round_number}", final=True, sections=numbered[-1]))
        made = convert_renders(renders, lo, progress)
        still = []
        for (i, b, sections), r, these in zip(pending, renders, numbered, strict=True):
            key, got = b.rendered.plan.index_key, made[r.doc]
            index = replace(part_at(these, key), pdf=got.pdf, offset=got.offset, pages=got.pages)
            if got.pages == part_at(sections, key).pages:
                settled[i] = Settled(b, {**b.rendered.keep, r.doc: f"{INDEX_NAME}.docx"},
                                     with_parts(these, {key: index}))
            else:
                still.append((i, b, with_parts(sections, {key: index})))
        pending = still
        if not pending:
            return [settled[i] for i in range(len(builds))]
    raise OutputError("the index of exhibits did not settle on a page count: report this as a bug")


def assemble_filing(settled: Settled, progress: Progress) -> Assembled:
    """Merge, stamp and bookmark the filing; copy the Word documents; write the manifest."""
    progress.step("assemble")
    planned = settled.converted.rendered.plan
    sections = settled.sections
    total = total_pages(sections)
    filing = planned.staging / planned.output.filing
    legend = confidential.legend(planned.case.data, planned.settings.legend)
    found = signers.find_signatures(sections, planned.context, signers.pdf_page_texts())  # the numbered ones
    ink = signed.in_filing(planned.case.dir, found.record())  # the signed pages laid over their generated pages
    labels, notices = assemble(sections, filing, planned.settings.page_numbers, {
        "title": planned.output.title, "author": planned.context["attorney"]["name"],
        "subject": planned.context["office"]["name"], "pdfa": planned.settings.pdfa}, legend, ink.scans,
        draft=approval.is_draft(planned.approval))
    signed_by = pades.sign_final(planned.approval, planned.settings, filing)
    docx_dir = planned.staging / planned.output.docx
    docx_dir.mkdir()
    for src, name_in_docx in settled.keep.items():
        shutil.copyfile(src, docx_dir / name_in_docx)
    manifest = build_manifest(case=planned.case, settings=planned.settings, inputs=settled.converted.rendered.inputs,
                              templates=planned.choices, sections=sections, filing=filing, pages=total,
                              labels=labels)
    if legend:
        manifest["legend"] = legend
    if planned.approval is not None:
        manifest["approval"] = planned.approval.record()
    manifest["signatures"] = signed.mark_in_filing(found.record(), ink)
    if signed_by:
        manifest["digital_signature"] = {"signed_by": signed_by, "standard": "PAdES-B-B"}
    return Assembled(settled, filing, manifest, docx_dir, total,
                     settled.converted.rendered.notices + notices + found.notices)


def check_and_place(assembled: Assembled, out: Path, split_parts: bool, progress: Progress) -> BuildResult:
    """Preflight the filing (split it when asked and too big), then move everything into `out`."""
    planned = assembled.plan
    warnings, parts = prepare.final_check(assembled, split_parts, progress)
    manifest = {**assembled.manifest, **({"parts": parts} if parts else {})}
    notices = assembled.notices + warnings
    # What this build puts in the output folder: the next build removes these (output.move_into_place).
    manifest["outputs"] = [assembled.filing.name, *(p["file"] for p in manifest.get("parts", []))]
    used = assembled.settled.converted.rendered.edits
    edits.note_in_manifest(manifest, used)
    manifest_path = planned.staging / planned.output.manifest
    write_manifest(manifest, manifest_path)
    progress.step("write")
    found = planned.case.warnings + planned.template_warnings + [
        Finding(planned.case.shown, "", n, Severity.warning) for n in notices] + office_warnings(planned.case) + \
        law_warnings(planned.case, planned.settings) + future_service_date(planned.case)
    return output.move_into_place(planned.staging, out, BuildResult(
        assembled.filing, manifest_path, assembled.docx_dir, assembled.pages, found,
        edited=[e.shown for e in used]), planned.output.docx, planned.output.manifest)


def abandon(planned: Planned) -> None:
    """Remove what a build that did not finish left in the output folder."""
    shutil.rmtree(planned.staging, ignore_errors=True)


# --- helpers of the stages ----------------------------------------------------------------

def _signature_path(case: Case) -> Path | None:
    image = (case.data["attorney"].get("signature") or {}).get("image")
    resolved = resolve_case_path(case.dir, image) if image else None
    return resolved if isinstance(resolved, Path) else None

