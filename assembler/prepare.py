"""The parts of a build that need no template: the case's exhibits and forms, made PDFs (or, for a
Word or OpenDocument exhibit, a job for LibreOffice); and the filing's final check. Each returns
what it made; the build's stages (build.py) put it into their records."""
from __future__ import annotations

import shutil
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from pypdf import PdfReader

from assembler.casefile.offices import size_limit_mb as office_size_limit
from assembler.convert import compress, exhibits
from assembler.documents.plan import Part, PartKey, keyed, with_parts
from assembler.errors import FilingCheckError, Finding, InvalidCaseError
from assembler.files import sha256
from assembler.pdf import fill, preflight, split
from assembler.pdf import forms as pdf_forms
from assembler.pdf.read import open_pdf
from assembler.progress import Progress
from assembler.vocab import IMAGE_SUFFIXES, MB, PartKind

if TYPE_CHECKING:
    from assembler.build import Assembled, Planned, Rendered


def prepare_exhibits(planned: Planned, notices: list[str], forms: dict[PartKey, Part] | None = None,
                     ) -> tuple[dict[PartKey, Part], dict[Path, PartKey], list[Path]]:
    """The case's own files: a PDF as it is (its pages counted, and which draw no text), an image made
    a PDF, a Word or OpenDocument file copied for LibreOffice. Returns the parts with their PDFs, the
    documents to convert, and the case's files used."""
    exhibit_dir = planned.work / "exhibits"
    exhibit_dir.mkdir()
    made: dict[PartKey, Part] = {}
    office_docs: dict[Path, PartKey] = {}
    inputs: list[Path] = []
    settings = planned.settings
    for key, s, part in keyed(planned.sections):
        if part.source is None or part.kind == PartKind.form:  # forms: prepare_forms
            continue
        inputs.append(part.source)
        suffix = part.source.suffix.lower()
        i = key[1]
        if suffix == ".pdf":
            reader = open_pdf(part.source, part.label, notices)
            # Its images above images.dpi downsampled in a copy (a 600-dpi scan need not split the filing);
            # OCR reads the copy. The same pages: the text check reads the exhibit as it came.
            lighter = compress.compress_pdf(part.source, exhibit_dir / f"tab-{s.tab}-{i}-{settings.image_dpi}dpi.pdf",
                                            part.label, settings.image_dpi, settings.jpeg_quality, planned.cache)
            notices += lighter.notices
            # open_pdf decoded every content stream: the text check reads them now, not the filing's copies
            made[key] = replace(part, pdf=lighter.pdf, pages=len(reader.pages),  # counted here, not again
                                untexted=tuple(n for n, page in enumerate(reader.pages) if not preflight.has_text(page)),
                                bytes_saved=lighter.bytes_saved, images_downsampled=lighter.images)
        elif suffix in IMAGE_SUFFIXES:
            made[key] = picture_pages(part, part.source, exhibit_dir, f"tab-{s.tab}-{i}", planned)
        elif suffix in exhibits.OFFICE_SUFFIXES:
            # A copy with a unique name: soffice names its outputs by base name.
            copy = exhibit_dir / f"{planned.prefix}tab-{s.tab}-{i}{suffix}"
            shutil.copyfile(part.source, copy)
            office_docs[copy] = key
    if planned.signature:
        inputs.append(planned.signature)
    if planned.ocr is not None:
        for key, part in {**(forms or {}), **made}.items():  # a scanned form too (prepare_forms)
            if part.untexted and part.pdf is not None:
                notices += planned.ocr.submit((planned.prefix, key), part.pdf, part.label, part.language, part.pages)
        planned.ocr.start()  # reads while LibreOffice converts
    return made, office_docs, inputs


def picture_pages(part: Part, source: Path, folder: Path, name: str, planned: Planned) -> Part:
    """A photo or scan (an image exhibit, a form signed on paper) made PDF pages: `part` with them. Each page
    (a TIFF's frame) is a picture: no text until OCR reads it. Downsampled first (images.dpi): a phone photo
    need not split the filing; OCR reads the copy."""
    settings = planned.settings
    image, saved = exhibits.fit_image(source, folder / f"fit-{name}", settings.image_dpi, settings.jpeg_quality)
    pdf = exhibits.image_to_pdf(image, folder / f"{name}.pdf", part.label)
    pages = len(PdfReader(pdf).pages)
    return replace(part, pdf=pdf, pages=pages, untexted=tuple(range(pages)), bytes_saved=saved,
                   images_downsampled=1 if saved else 0)


def take_ocr(rendered: Rendered, progress: Progress) -> Rendered:
    """The rendered build with its exhibits as OCR read them (waiting for the reading to end): the same
    pages, with a text layer where there was none; a page still without text is said, by exhibit and page."""
    planned = rendered.plan
    ocr = planned.ocr
    if ocr is None:
        return rendered
    changes: dict[PartKey, Part] = {}
    started = time.monotonic()
    for key, _, part in keyed(rendered.sections):
        if not part.untexted or part.pdf is None:
            continue
        if (read := ocr.take((planned.prefix, key))) is None:
            continue
        rendered.notices.extend(read.notices)
        if read.pdf == part.pdf:
            continue
        pages = PdfReader(read.pdf).pages
        untexted = tuple(n for n in part.untexted if not preflight.has_text(pages[n]))
        changes[key] = replace(part, pdf=read.pdf, untexted=untexted)  # pages still blank: final_check says
    progress.add("ocr (waited for)", time.monotonic() - started)
    return replace(rendered, sections=with_parts(rendered.sections, changes)) if changes else rendered


def prepare_forms(planned: Planned, notices: list[str]) -> tuple[dict[PartKey, Part], list[Path]]:
    """Each form as it is, or filled from the case data and flattened (pdf/fill.py)."""
    env = None
    made: dict[PartKey, Part] = {}
    inputs: list[Path] = []
    done: dict[str, Part] = {}  # the court papers carry each form once per motion: read and filled once
    for key, _, part in keyed(planned.sections):
        spec = part.form
        if part.kind != PartKind.form or spec is None or spec.file is None:
            continue
        if spec.path in done:
            made[key] = replace(part, pdf=done[spec.path].pdf, pages=done[spec.path].pages,
                                untexted=done[spec.path].untexted)
            continue
        inputs.append(spec.file)
        if spec.picture:  # signed on paper and scanned or photographed: pages as an image exhibit's
            if spec.fill:  # validate says so; here only if the settings changed since
                where = f"{spec.path}.fill" if spec.fill_where.startswith(spec.path) else spec.path
                raise InvalidCaseError([Finding(planned.case.shown, where, spec.picture_fill_text())])
            folder = planned.work / "forms"
            folder.mkdir(exist_ok=True)
            made[key] = done[spec.path] = picture_pages(part, spec.file, folder, f"{spec.where}-{spec.index}", planned)
            continue
        if not spec.fill:
            reader = open_pdf(spec.file, part.label, notices)
            # A form signed on paper comes back a scan: its pages are read (and OCR'd) as an exhibit's are.
            made[key] = done[spec.path] = replace(
                part, pdf=spec.file, pages=len(reader.pages),
                untexted=tuple(n for n, page in enumerate(reader.pages) if not preflight.has_text(page)))
            blank = pdf_forms.blank_text_fields(spec.file, part.label)
            if blank:  # the CLI walk-through's blank G-28 went out unsigned with only "fields were flattened"
                notices.append(f"{part.label}: its {blank} text field(s) are all empty and no fill mapping fills "
                               f"them, so it goes into the filing blank: fill and sign the form before adding it, "
                               f"or give it a fill mapping ({spec.fill_where}; `pdpacket forms fields "
                               f"{spec.named}` lists its fields), then build again")
            continue
        env = env or fill.fill_environment(planned.context["tabs"])
        fields = {f.name: f for f in pdf_forms.read_fields(spec.file, part.label)}
        values, errors = fill.render_fill(spec, fields, planned.context, env)
        if errors:  # validate reports these; here only if the form changed since
            raise InvalidCaseError([Finding(planned.case.shown, fill.fill_path(spec, e.field),
                                            fill.fill_error_text(spec, e)) for e in errors])
        target = planned.work / "forms" / f"{spec.where}-{spec.index}.pdf"
        target.parent.mkdir(exist_ok=True)
        pdf = pdf_forms.fill_and_flatten(spec.file, values, target, part.label, notices)
        made[key] = done[spec.path] = replace(part, pdf=pdf, pages=len(PdfReader(pdf).pages))
    return made, inputs


def final_check(assembled: Assembled, split_parts: bool, progress: Progress) -> tuple[list[str], list[dict]]:
    """Check the filing; split it when asked and it is too big. Returns warnings, and the parts written."""
    progress.step("check the filing")
    planned, sections = assembled.plan, assembled.sections
    # The exhibits' pages as read before stamping (after OCR): the page stamp is text, and would make a
    # photo's page count as searchable. Scans and photos alike: the reader cannot search either.
    exhibit_pages = {n: f"Tab {s.tab}, {p.label}" if s.tab else p.label for s in sections for p in s.parts
                     if (p.source is not None or p.form is not None) and p.untexted is not None
                     for n in range(p.first, p.last + 1)}
    limit = office_size_limit(planned.settings.size_limit_mb, planned.case.office)  # the office's own, if smaller
    untexted = {p.first + i for s in sections for p in s.parts if p.untexted for i in p.untexted}
    assembled.manifest["filing"]["searchable_pages"] = assembled.pages - len(untexted)
    # Image exhibits and PDF exhibits' images together: `pdpacket check` says "images: N downsampled, X MB saved".
    assembled.manifest["filing"]["image_bytes_saved"] = sum(p.bytes_saved for s in sections for p in s.parts)
    assembled.manifest["filing"]["images_downsampled"] = sum(p.images_downsampled for s in sections for p in s.parts)
    return check_pdf(assembled.filing, assembled.manifest, limit, split_parts, planned.output.title,
                     text_pages=exhibit_pages, untexted=untexted, ocr_ran=planned.ocr is not None)


def check_pdf(target: Path, manifest: dict, limit: float, split_parts: bool, split_title: str,
              name: str = "the filing", text_pages: dict[int, str] | None = None,
              untexted: set[int] | None = None, ocr_ran: bool = False) -> tuple[list[str], list[dict]]:
    """Preflight one finished PDF (a filing, a court paper); split it over `limit` MB when asked.
    Returns the warnings and the parts written (a `parts` entry of its manifest each)."""
    report = preflight.check_filing(target, manifest, limit, text_pages=text_pages, deep=False, untexted=untexted,
                                    ocr_ran=ocr_ran)
    too_big = [f for f in report.errors if f.kind == "size"]
    errors = [f for f in report.errors if f not in too_big]
    if errors:
        raise FilingCheckError(f"{name} failed its final check: {'; '.join(f.message for f in errors)}")
    warnings = [f.message for f in report.warnings]
    parts: list[dict] = []
    if too_big and split_parts:
        written = split.split(target, split.units_from_manifest(manifest), int(limit * MB), split_title)
        parts = [{"file": p.name, "sha256": sha256(p), "size_bytes": p.stat().st_size,
                  "pages": len(PdfReader(p).pages)} for p in written]
    elif too_big:
        warnings.append(too_big[0].message.replace("the file is", "the filing is"))
    return warnings, parts
