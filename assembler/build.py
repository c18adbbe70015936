"""`pdpacket build`: from a case folder to a filing PDF, end to end.

validate -> plan -> render templates -> prepare exhibits -> convert (one
LibreOffice start for every document) -> settle the index -> assemble ->
manifest -> move into place. Work happens in a private temporary folder; the
output folder only ever receives complete files.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader

from assembler import exhibits, soffice
from assembler.api import validate_case
from assembler.assemble import assemble
from assembler.case import Case
from assembler.context import build_context, full_name
from assembler.errors import OutputError
from assembler.manifest import build_manifest, write_manifest
from assembler.normalize import format_a_number
from assembler.plan import Part, Section, index_entries, number_pages, plan
from assembler.progress import Progress
from assembler.render import make_environment, render
from assembler.resources import templates_dir
from assembler.rules import resolve_case_path
from assembler.settings import Settings, load_settings

ROLES = ("letter", "declaration", "index", "tab", "translator_certificate", "certificate_of_service")
MAX_INDEX_ROUNDS = 6


@dataclass
class BuildResult:
    filing: Path
    manifest: Path
    docx_dir: Path
    pages: int
    warnings: list
    timings: dict | None = None


def filing_name(data: dict) -> str:
    family = unicodedata.normalize("NFKD", data["respondent"]["family_names"])
    family = "".join(c for c in family if not unicodedata.combining(c))
    family = re.sub(r"[^A-Za-z0-9]+", "-", family).strip("-").upper() or "RESPONDENT"
    return f"{family}_{data['respondent']['a_number']}_PD-request.pdf"


def template_paths(settings: Settings) -> dict[str, Path]:
    """Each role's template: the firm's folder first, then the shipped default."""
    paths = {}
    for role in ROLES:
        firm = settings.templates / f"{role}.docx" if settings.templates else None
        paths[role] = firm if firm and firm.is_file() else templates_dir() / f"{role}.docx"
    return paths


def build(case_path: Path, out: Path | None = None, settings_file: Path | None = None,
          strict: bool = False, progress: Progress | None = None) -> BuildResult:
    progress = progress or Progress(False)
    case_path = Path(case_path)
    progress.step("validate")
    case = validate_case(case_path, settings_file=settings_file, strict=strict)
    settings = load_settings(settings_file, case.dir)
    out = Path(out) if out else case.dir / "out"
    staging = _prepare_output(out)
    try:
        with tempfile.TemporaryDirectory(prefix="pdpacket-") as work:
            result = _build_in(case, settings, Path(work), staging, progress)
        progress.step("write")
        final = _move_into_place(staging, out, result)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    final.timings = progress.done()
    return final


def _prepare_output(out: Path) -> Path:
    try:
        out.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=".pdpacket-staging-", dir=out))
    except OSError as exc:
        raise OutputError(f"cannot write to the output folder {out}: {exc.strerror}: "
                          "choose another folder with -o, or fix its permissions") from exc


def _build_in(case: Case, settings: Settings, work: Path, staging: Path, progress: Progress) -> BuildResult:
    data = case.data
    sections, tabs = plan(data, case.dir)
    templates = template_paths(settings)
    context = build_context(data, case.office, tabs)
    env = make_environment(tabs)
    author = data["attorney"]["name"]
    signature = _signature_path(case)
    docx_dir = staging / "docx"
    docx_dir.mkdir()
    render_dir = work / "render"
    render_dir.mkdir()

    progress.step("render templates")
    jobs: dict[Path, tuple[Part, str]] = {}  # document to convert -> (part, label)

    def render_part(part: Part, role: str, name: str, extra: dict, title: str, keep: bool):
        target = (docx_dir if keep else render_dir) / f"{name}.docx"
        render(templates[role], {**context, **extra}, env, target, title, author,
               signature if role == "letter" else None)
        jobs[target] = (part, f"the {part.label} (template {templates[role].name})")

    decls = {d["id"]: d for d in context.get("declarations") or []}
    exh = {e["id"]: e for e in context.get("exhibits") or []}
    for s in sections:
        for part in s.parts:
            if part.kind == "letter":
                render_part(part, "letter", "01-request-letter", {}, "Request for prosecutorial discretion", True)
            elif part.kind == "index":
                pass  # rendered below, once page numbers are known
            elif part.kind == "tab":
                render_part(part, "tab", f"tab-{s.tab}", {"tab": {"letter": s.tab, "title": s.title}},
                            f"Tab {s.tab}", False)
            elif part.kind == "declaration":
                d = decls[part.ref]
                render_part(part, "declaration", f"tab-{s.tab}-declaration-{d['id']}", {"declaration": d},
                            s.title, True)
            elif part.kind == "translator_certificate":
                e = exh[part.ref]
                t = dict(e["translation"]["translator"])
                t["date"] = t.get("date") or data["service"]["date"]
                render_part(part, "translator_certificate", f"tab-{s.tab}-certificate-of-translation",
                            {"translator": t, "language": e["language"], "exhibit": e,
                             "documents": [f"{e['title']} (Tab {s.tab})"]}, "Certificate of translation", True)
            elif part.kind == "service":
                render_part(part, "certificate_of_service", "99-certificate-of-service", {},
                            "Certificate of service", True)

    progress.step("prepare exhibits")
    exhibit_dir = work / "exhibits"
    exhibit_dir.mkdir()
    inputs: list[Path] = []
    for s in sections:
        for i, part in enumerate(s.parts):
            if part.source is None:
                continue
            inputs.append(part.source)
            suffix = part.source.suffix.lower()
            label = f"{part.label}"
            if suffix == ".pdf":
                exhibits.open_pdf(part.source, label)
                part.pdf = part.source
            elif suffix in exhibits.IMAGE_SUFFIXES:
                part.pdf = exhibits.image_to_pdf(part.source, exhibit_dir / f"tab-{s.tab}-{i}.pdf", label)
            elif suffix in exhibits.OFFICE_SUFFIXES:
                copy = exhibit_dir / f"tab-{s.tab}-{i}{suffix}"
                shutil.copyfile(part.source, copy)  # unique name: soffice names outputs by base name
                jobs[copy] = (part, label)
    if signature:
        inputs.append(signature)

    # The index goes in the same LibreOffice run, with wide placeholder page
    # numbers, so its length is known before the real numbers are.
    index_part = sections[1].parts[0]
    for s in sections:
        s.first = s.last = 8888
    index_docx = render_dir / "index-draft.docx"
    render(templates["index"], {**context, "index": index_entries(sections)}, env, index_docx,
           "Index of exhibits", author)
    jobs[index_docx] = (index_part, f"the index of exhibits (template {templates['index'].name})")

    progress.step(f"convert {len(jobs)} documents with LibreOffice")
    binary = soffice.find_soffice(settings.soffice_path)
    profile = work / "lo-profile"
    started = time.monotonic()
    converted = soffice.convert([soffice.Job(src, label) for src, (_, label) in jobs.items()],
                                work / "pdf", profile, binary, settings.soffice_timeout)
    progress.add("libreoffice", time.monotonic() - started)
    for src, (part, _) in jobs.items():
        part.pdf = converted[src]
    for s in sections:
        for part in s.parts:
            part.pages = len(PdfReader(part.pdf).pages)

    progress.step("settle the index")
    _settle_index(sections, index_part, context, env, templates, work, docx_dir, binary, profile, settings, author,
                  progress)

    progress.step("assemble")
    total = number_pages(sections)
    filing = staging / filing_name(data)
    name = full_name(data["respondent"])
    labels = assemble(sections, filing, settings.page_numbers, {
        "title": f"Request for Prosecutorial Discretion: {name}, {format_a_number(data['respondent']['a_number'])}",
        "author": author, "subject": f"{case.office['name']}"})
    manifest = build_manifest(case=case, settings=settings, inputs=inputs, templates=templates,
                              sections=sections, filing=filing, pages=total, labels=labels)
    write_manifest(manifest, staging / "manifest.json")
    return BuildResult(filing, staging / "manifest.json", docx_dir, total, case.warnings)


def _settle_index(sections: list[Section], index_part: Part, context, env, templates, work: Path,
                  docx_dir: Path, binary: str, profile: Path, settings: Settings, author: str,
                  progress: Progress) -> None:
    """Render the index with real page numbers until its own length stops changing."""
    for round_no in range(1, MAX_INDEX_ROUNDS + 1):
        number_pages(sections)
        target = work / "render" / f"index-{round_no}.docx"
        render(templates["index"], {**context, "index": index_entries(sections)}, env, target,
               "Index of exhibits", author)
        started = time.monotonic()
        pdf = soffice.convert([soffice.Job(target, "the index of exhibits")], work / f"pdf-index-{round_no}",
                              profile, binary, settings.soffice_timeout)[target]
        progress.add("libreoffice", time.monotonic() - started)
        pages = len(PdfReader(pdf).pages)
        index_part.pdf = pdf
        if pages == index_part.pages:
            shutil.copyfile(target, docx_dir / "02-index-of-exhibits.docx")
            return
        index_part.pages = pages
    raise OutputError("the index of exhibits did not settle on a page count: report this as a bug")


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
        os.replace(result.manifest, out / "manifest.json")
        final = out / result.filing.name
        os.replace(result.filing, final)
    except OSError as exc:
        raise OutputError(f"cannot write the filing into {out}: {exc.strerror}: check free space and "
                          "permissions") from exc
    return BuildResult(final, out / "manifest.json", final_docx, result.pages, result.warnings)
