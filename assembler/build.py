"""`pdpacket build`: from a case to a filing PDF, end to end.

validate -> plan -> render templates -> prepare exhibits -> convert (one
LibreOffice start for every document) -> settle the index -> assemble ->
manifest -> move into place.

The steps are separate so that a batch can run the LibreOffice steps of many
cases in one start (see batch.py): `CaseBuild` carries one case through them.
Work happens in a private temporary folder; the output folder only ever
receives complete files.
"""
from __future__ import annotations

import errno
import os
import re
import shutil
import tempfile
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from pypdf import PdfReader

from assembler import workspace
from assembler.convert import combine
from assembler.convert import exhibits
from assembler.pdf import preflight
from assembler.convert import soffice
from assembler.pdf import split
from assembler.documents import choose as templates
from assembler.api import validate_case
from assembler.pdf.assemble import assemble
from assembler.casefile.case import Case
from assembler.documents.context import build_context, full_name
from assembler.errors import FilingCheckError, OutputError, Problem
from assembler.pdf.manifest import build_manifest, sha256, write_manifest
from assembler.casefile.normalize import format_a_number
from assembler.documents.plan import Part, index_entries, number_pages, plan
from assembler.progress import Progress
from assembler.documents.render import make_environment, render
from assembler.casefile.rules import resolve_case_path
from assembler.casefile.settings import Settings, load_settings

MAX_INDEX_ROUNDS = 6
INDEX_PLACEHOLDER_PAGE = 8888  # as wide as any real page number, so the draft index is as long


@dataclass
class BuildResult:
    filing: Path
    manifest: Path
    docx_dir: Path
    pages: int
    warnings: list
    timings: dict | None = None
    parts: list = field(default_factory=list)


def filing_name(data: dict) -> str:
    family = unicodedata.normalize("NFKD", data["respondent"]["family_names"])
    family = "".join(c for c in family if not unicodedata.combining(c))
    family = re.sub(r"[^A-Za-z0-9]+", "-", family).strip("-").upper()[:60].strip("-") or "RESPONDENT"
    return f"{family}_{data['respondent']['a_number']}_PD-request.pdf"  # well under 255 bytes


def manifest_title(data: dict) -> str:
    return (f"Request for Prosecutorial Discretion: {full_name(data['respondent'])}, "
            f"{format_a_number(data['respondent']['a_number'])}")


def template_paths(settings: Settings, case_data: dict | None = None, override: Path | None = None) -> dict[str, Path]:
    """Each role's template file (see templates.py for the order of the folders)."""
    return {role: c.path for role, c in templates.choose(settings, case_data, override).items()}


def build(case_path: Path, out: Path | None = None, settings_file: Path | None = None,
          strict: bool = False, progress: Progress | None = None, templates_dir: Path | None = None,
          split_parts: bool = False) -> BuildResult:
    """Build one case folder (the `pdpacket build` command)."""
    progress = progress or Progress(False)
    progress.step("validate")
    case = validate_case(Path(case_path), settings_file=settings_file, strict=strict)
    settings = load_settings(settings_file, case.dir)
    return build_case(case, settings, Path(out) if out else case.dir / "out", progress, templates_dir, split_parts)


def build_case(case: Case, settings: Settings, out: Path, progress: Progress | None = None,
               templates_dir: Path | None = None, split_parts: bool = False) -> BuildResult:
    """Build an already validated case into `out`."""
    progress = progress or Progress(False)
    try:
        with workspace.workdir() as work:
            cb = CaseBuild(case, settings, out, work, progress, templates_dir=templates_dir, split=split_parts)
            try:
                cb.start()
                binary = soffice.find_soffice(settings.soffice_path)
                convert_together([cb], binary, work / "lo-profile", settings.soffice_timeout, progress)
                settle_indexes([cb], binary, work / "lo-profile", settings.soffice_timeout, progress)
                result = cb.finish()
            finally:
                cb.abandon()
    except OSError as exc:
        raise classify_os_error(exc, case, out) from exc
    result.timings = progress.done()
    return result


def classify_os_error(exc: OSError, case: Case, out: Path) -> Exception:
    """A file-system failure the user can fix: reading the case's files, or writing (full disk...)."""
    name = exc.filename or ""
    reason = exc.strerror or str(exc)
    writing = not name or Path(name).resolve().is_relative_to(out.resolve())
    if name and not writing and Path(name).resolve().is_relative_to(case.dir.resolve()) and exc.errno not in (
            errno.ENOSPC, errno.EDQUOT, errno.EROFS):
        from assembler.errors import InputFileError
        return InputFileError(f"{name}: cannot be read ({reason}): check the file and its permissions")
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return OutputError(f"{reason} while writing {name or 'the filing'}: free some disk space (or choose "
                           "another output folder with -o) and build again; nothing was left half-written")
    return OutputError(f"cannot write {name or 'the filing'}: {reason}: check the folder's permissions and free "
                       "space, or choose another with -o")


@dataclass
class CaseBuild:
    """One case on its way through the pipeline."""

    case: Case
    settings: Settings
    out: Path
    work: Path
    progress: Progress
    prefix: str = ""  # makes this case's file names unique in a LibreOffice run shared with other cases
    name: str = ""  # the case's name in a batch report
    split: bool = False  # cut a filing over the size limit into numbered parts
    parts: list = field(default_factory=list)
    templates_dir: Path | None = None  # --templates
    pending: list[Render] = field(default_factory=list)  # documents waiting for LibreOffice
    exhibit_notices: list[str] = field(default_factory=list)
    keep: dict[Path, str] = field(default_factory=dict)  # rendered document -> its name in docx/
    inputs: list[Path] = field(default_factory=list)
    staging: Path | None = None
    index_round: int = 0

    def start(self) -> None:
        """Prepare the output, plan the filing, render every template, prepare the exhibits."""
        data = self.case.data
        self.progress.step("check templates")
        self.choices = templates.choose(self.settings, data, self.templates_dir)
        self.template_warnings = templates.require_valid(self.choices)
        self.templates = {role: c.path for role, c in self.choices.items()}
        self.staging = _prepare_output(self.out)
        self.sections, self.tabs = plan(data, self.case.dir)
        self.context = build_context(data, self.case.office, self.tabs)
        self.env = make_environment(self.tabs)
        self.author = data["attorney"]["name"]
        self.signature = _signature_path(self.case)
        self.render_dir = self.work / f"{self.prefix}render"
        self.render_dir.mkdir()
        self.progress.step("render templates")
        self._render_parts()
        self.progress.step("prepare exhibits")
        self._prepare_exhibits()
        self.index_part = self.sections[1].parts[0]
        self.index_part.template = "index"
        for s in self.sections:
            s.first = s.last = INDEX_PLACEHOLDER_PAGE
        # The draft index joins the first LibreOffice run, so its length is
        # known (almost always right) before the real page numbers are.
        draft = self._render_index("draft")
        self.pending.append(Render(draft, self.index_part, self._label("the index of exhibits", "index"),
                                   self.templates["index"]))

    def _label(self, what: str, role: str) -> str:
        return f"{what} (template {self.templates[role].name})"

    def _render(self, role: str, name: str, extra: dict, title: str, keep: bool, compress: bool | None = None) -> Path:
        target = self.render_dir / f"{self.prefix}{name}.docx"
        render(self.templates[role], {**self.context, **extra}, self.env, target, title, self.author,
               self.signature if role == "letter" else None, compress=keep if compress is None else compress)
        if keep:
            self.keep[target] = f"{name}.docx"
        return target

    def _render_parts(self) -> None:
        data, ctx = self.case.data, self.context
        decls = {d["id"]: d for d in ctx.get("declarations") or []}
        exh = {e["id"]: e for e in ctx.get("exhibits") or []}
        for s in self.sections:
            for part in s.parts:
                if part.kind == "letter":
                    target = self._render("letter", "01-request-letter", {}, "Request for prosecutorial discretion",
                                          True)
                    role = "letter"
                elif part.kind == "tab":
                    target = self._render("tab", f"tab-{s.tab}", {"tab": {"letter": s.tab, "title": s.title}},
                                          f"Tab {s.tab}", False)
                    role = "tab"
                elif part.kind == "declaration":
                    target = self._render("declaration", f"tab-{s.tab}-declaration-{part.ref}",
                                          {"declaration": decls[part.ref]}, s.title, True)
                    role = "declaration"
                elif part.kind == "translator_certificate":
                    e = exh[part.ref]
                    translator = dict(e["translation"]["translator"])
                    translator["date"] = translator.get("date") or data["service"]["date"]
                    target = self._render("translator_certificate", f"tab-{s.tab}-certificate-of-translation",
                                          {"translator": translator, "language": e["language"], "exhibit": e,
                                           "documents": [f"{e['title']} (Tab {s.tab})"]},
                                          "Certificate of translation", True)
                    role = "translator_certificate"
                elif part.kind == "service":
                    target = self._render("certificate_of_service", "99-certificate-of-service", {},
                                          "Certificate of service", True)
                    role = "certificate_of_service"
                else:
                    continue
                part.template = role
                self.pending.append(Render(target, part, self._label(f"the {part.label}", role),
                                           self.templates[role]))

    def _prepare_exhibits(self) -> None:
        exhibit_dir = self.work / f"{self.prefix}exhibits"
        exhibit_dir.mkdir()
        for s in self.sections:
            for i, part in enumerate(s.parts):
                if part.source is None:
                    continue
                self.inputs.append(part.source)
                suffix = part.source.suffix.lower()
                if suffix == ".pdf":
                    part.pages = len(exhibits.open_pdf(part.source, part.label, self.exhibit_notices).pages)
                    part.pdf = part.source  # counted here: count_pages need not open it again
                elif suffix in exhibits.IMAGE_SUFFIXES:
                    part.pdf = exhibits.image_to_pdf(part.source, exhibit_dir / f"tab-{s.tab}-{i}.pdf", part.label)
                elif suffix in exhibits.OFFICE_SUFFIXES:
                    # A copy with a unique name: soffice names its outputs by base name.
                    copy = exhibit_dir / f"{self.prefix}tab-{s.tab}-{i}{suffix}"
                    shutil.copyfile(part.source, copy)
                    self.pending.append(Render(copy, part, part.label, None))
        if self.signature:
            self.inputs.append(self.signature)

    def _render_index(self, name) -> Path:
        return self._render("index", f"index-{name}", {"index": index_entries(self.sections)},
                            "Index of exhibits", False, compress=name != "draft")

    def count_pages(self) -> None:
        for s in self.sections:
            for part in s.parts:
                if part.pdf is not None and not part.pages:
                    part.pages = len(PdfReader(part.pdf).pages)

    def next_index(self) -> Render:
        """Render the index with the page numbers the current index length gives."""
        self.index_round += 1
        if self.index_round > MAX_INDEX_ROUNDS:
            raise OutputError("the index of exhibits did not settle on a page count: report this as a bug")
        self.index_pages = self.index_part.pages
        number_pages(self.sections)
        self.index_docx = self._render_index(f"round{self.index_round}")
        self.index_part.pages = 0
        return Render(self.index_docx, self.index_part, self._label("the index of exhibits", "index"),
                      self.templates["index"])

    def index_settled(self) -> bool:
        """True when the converted index is as long as the page numbers printed in it assumed."""
        if self.index_part.pages == self.index_pages:
            self.keep[self.index_docx] = "02-index-of-exhibits.docx"
            return True
        return False

    def finish(self) -> BuildResult:
        self.progress.step("assemble")
        data = self.case.data
        total = number_pages(self.sections)
        filing = self.staging / filing_name(data)
        labels, notices = assemble(self.sections, filing, self.settings.page_numbers, {
            "title": manifest_title(data), "author": self.author, "subject": self.case.office["name"]})
        docx_dir = self.staging / "docx"
        docx_dir.mkdir()
        for src, name_in_docx in self.keep.items():
            shutil.copyfile(src, docx_dir / name_in_docx)
        manifest = build_manifest(case=self.case, settings=self.settings, inputs=self.inputs,
                                  templates=self.choices, sections=self.sections, filing=filing, pages=total,
                                  labels=labels)
        notices = self.exhibit_notices + notices + self._preflight(filing, manifest)
        write_manifest(manifest, self.staging / "manifest.json")
        self.progress.step("write")
        return _move_into_place(self.staging, self.out,
                                BuildResult(filing, self.staging / "manifest.json", docx_dir, total,
                                            self.case.warnings + self.template_warnings +
                                            [Problem(self.case.shown, "", n, "warning") for n in notices]))

    def _preflight(self, filing: Path, manifest: dict) -> list[str]:
        """Check the filing; split it when asked and it is too big. Returns warnings."""
        self.progress.step("check the filing")
        # Scanned PDFs are worth an OCR hint; photos are pictures, not documents.
        exhibit_pages = [n for s in self.sections for p in s.parts
                         if p.source is not None and p.source.suffix.lower() == ".pdf"
                         for n in range(p.first, p.last + 1)]
        limit = self.settings.size_limit_mb
        report = preflight.check_filing(filing, manifest, limit, text_pages=exhibit_pages, deep=False)
        too_big = [f for f in report.errors if f.kind == "size"]
        errors = [f for f in report.errors if f not in too_big]
        if errors:
            raise FilingCheckError(f"the filing failed its final check: {'; '.join(f.message for f in errors)}")
        warnings = [f.message for f in report.warnings]
        if too_big and self.split:
            title = manifest_title(self.case.data)
            parts = split.split(filing, split.units_from_manifest(manifest), int(limit * 1048576), title)
            manifest["parts"] = [{"file": p.name, "sha256": sha256(p), "size_bytes": p.stat().st_size,
                                  "pages": len(PdfReader(p).pages)} for p in parts]
            self.parts = parts
        elif too_big:
            warnings.append(too_big[0].message.replace("the file is", "the filing is"))
        return warnings

    def abandon(self) -> None:
        if self.staging is not None:
            shutil.rmtree(self.staging, ignore_errors=True)


@dataclass
class Render:
    """A document for LibreOffice, and the part of the filing its PDF becomes."""

    doc: Path
    part: Part
    label: str
    template: Path | None  # None for a case's own .docx/.odt exhibit: never combined


def convert_renders(renders: list[Render], binary: str, profile: Path, timeout: int, progress: Progress) -> None:
    """Convert documents in one LibreOffice start, renders of one template as one document."""
    # A fresh folder per call: outputs are named by their documents' base names.
    work = Path(tempfile.mkdtemp(prefix="convert-", dir=profile.parent))
    groups: dict[Path, list[Render]] = {}
    jobs: list[soffice.Job] = []
    combined: dict[Path, list[Render]] = {}
    singles: dict[Path, Render] = {}
    for r in renders:
        if r.template is None:
            singles[r.doc] = r
        else:
            groups.setdefault(r.template, []).append(r)
    for number, (template, members) in enumerate(groups.items()):
        if combine.combinable([m.doc for m in members]):
            doc = combine.combine([m.doc for m in members], work / f"combined-{number}-{template.stem}.docx")
            combined[doc] = members
            labels = sorted({m.label for m in members})
            jobs.append(soffice.Job(doc, labels[0] if len(labels) == 1 else f"{len(members)} documents made "
                                                                             f"from template {template.name}"))
        else:
            singles.update({m.doc: m for m in members})
    jobs += [soffice.Job(doc, r.label) for doc, r in singles.items()]
    progress.step(f"convert {len(renders)} documents with LibreOffice")
    started = time.monotonic()
    converted = soffice.convert(jobs, work / "pdf", profile, binary, timeout, bookmarks=True)
    progress.add("libreoffice", time.monotonic() - started)
    retry = []
    for doc, members in combined.items():
        bounds = combine.split(converted[doc].pdf, len(members))
        if bounds is None:
            retry += members
            continue
        for m, (offset, pages) in zip(members, bounds):
            m.part.pdf, m.part.offset, m.part.pages = converted[doc].pdf, offset, pages
    for doc, r in singles.items():
        r.part.pdf, r.part.offset, r.part.pages = converted[doc].pdf, 0, converted[doc].pages
    if retry:  # pragma: no cover - LibreOffice dropped a destination; convert those one by one
        converted = soffice.convert([soffice.Job(r.doc, r.label) for r in retry], work / "pdf-retry",
                                    profile, binary, timeout)
        for r in retry:
            r.part.pdf, r.part.offset, r.part.pages = converted[r.doc].pdf, 0, converted[r.doc].pages



def convert_together(builds: list[CaseBuild], binary: str, profile: Path, timeout: int,
                     progress: Progress) -> None:
    """Convert the pending documents of every build in one LibreOffice start."""
    convert_renders([r for cb in builds for r in cb.pending], binary, profile, timeout, progress)
    for cb in builds:
        cb.pending = []
        cb.count_pages()


def settle_indexes(builds: list[CaseBuild], binary: str, profile: Path, timeout: int, progress: Progress) -> None:
    """Render each index with real page numbers until its own length stops changing."""
    progress.step("settle the index")
    pending = list(builds)
    while pending:
        convert_renders([cb.next_index() for cb in pending], binary, profile, timeout, progress)
        pending = [cb for cb in pending if not cb.index_settled()]


def _prepare_output(out: Path) -> Path:
    try:
        out.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=".pdpacket-staging-", dir=out))
    except OSError as exc:
        raise OutputError(f"cannot write to the output folder {out}: {exc.strerror}: "
                          "choose another folder with -o, or fix its permissions") from exc


def _signature_path(case: Case) -> Path | None:
    image = (case.data["attorney"].get("signature") or {}).get("image")
    if not image:
        return None
    resolved = resolve_case_path(case.dir, image)
    return resolved if isinstance(resolved, Path) else None


def _move_into_place(staging: Path, out: Path, result: BuildResult) -> BuildResult:
    """Replace the previous output only once everything is complete; the filing last."""
    try:
        old_docx = None
        final_docx = out / "docx"
        if final_docx.exists():
            old_docx = Path(tempfile.mkdtemp(prefix=".pdpacket-old-", dir=out))
            os.replace(final_docx, old_docx / "docx")
        os.replace(result.docx_dir, final_docx)
        if old_docx:
            shutil.rmtree(old_docx, ignore_errors=True)
        stem = result.filing.stem
        for old in out.glob(f"{stem}_Part*.pdf"):  # parts of an earlier build of this filing
            old.unlink()
        for part in sorted(staging.glob(f"{stem}_Part*.pdf")):
            os.replace(part, out / part.name)
        os.replace(result.manifest, out / "manifest.json")
        final = out / result.filing.name
        os.replace(result.filing, final)
    except OSError as exc:
        raise OutputError(f"cannot write the filing into {out}: {exc.strerror}: check free space and "
                          "permissions") from exc
    parts = sorted(out.glob(f"{result.filing.stem}_Part*.pdf"), key=lambda p: int(p.stem.rsplit("Part", 1)[1]))
    return BuildResult(final, out / "manifest.json", final_docx, result.pages, result.warnings, parts=parts)
