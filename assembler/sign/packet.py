"""`pdpacket sign CASE`: the signing packet, one section per person who signs in ink.

Each section: a cover page (the `signing_cover` template, or `signing_cover_es` for
a signer whose language is Spanish) naming the documents and how to sign, then
every page of each document the person signs, as filed (a declarant reads all
that they swear to). Every page carries a page code (pdf/codes.py); the line a
signer signs on carries a "Sign here" mark in the margin when the text shows it.

The packet is made from the built filing and its manifest (documents/signers.py
listed the signatures), never from a fresh render: the pages signed are the
pages filed. A case changed since its build is refused: build again first.
"""
from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas as rl_canvas

from assembler import atomic, drive
from assembler.casefile.case import Case, case_settings, today, validate_case
from assembler.casefile.forms import resolve_forms
from assembler.casefile.settings import Settings
from assembler.convert import soffice
from assembler.documents import choose, signers
from assembler.documents.context import build_context
from assembler.documents.plan import plan
from assembler.documents.render import make_environment, render
from assembler.errors import Finding, InputFileError, OutputError, command
from assembler.options import BuildOptions
from assembler.pdf import codes, draft_mark, raster, scanned
from assembler.pdf.manifest import SIGNED_PAGES_CHANGED
from assembler.progress import Progress
from assembler.send.built import Built, load_built
from assembler.sign import place
from assembler.vocab import SIGNING_ROLES, Role, Severity

# The cover's template for a signer's language; any other language gets the English one.
COVER_ROLES = {"Spanish": Role.signing_cover_es}
SIGN_HERE = {"Spanish": "Firme aquí"}  # the margin mark, in the cover's language
SIGN_HERE_DEFAULT = "Sign here"
MARK_SIZE = 7.0


@dataclass
class Section:
    """One signer's part of the packet."""

    copy: int  # from 1, in the order the signers first sign in the filing
    name: str
    language: str
    signatures: list[dict] = field(default_factory=list)  # the manifest's records, ink only
    documents: list[dict] = field(default_factory=list)  # the manifest's documents this signer signs, in filing order
    first_page: int = 0  # this section's pages in the packet, from 1 (set as the packet is made): one signer's part
    last_page: int = 0

    @property
    def cover_note(self) -> str:
        """What `sign` says of a cover that is not in the signer's language ("" when it is)."""
        if self.language in COVER_ROLES or self.language == "English":
            return ""
        return f"the cover page is in English (none ships in {self.language}): have the interpreter read it to them"


@dataclass
class Packet:
    file: Path
    pages: int
    sections: list[Section]
    notes: list[Finding] = field(default_factory=list)  # what the paralegal must know before handing it out


def sections(record: dict) -> list[Section]:
    """The ink signatures of a manifest's `signatures` record, one Section per signer."""
    docs = {d["id"]: d for d in record.get("documents", [])}
    found: dict[str, Section] = {}
    for sig in sorted((s for s in record.get("required", []) if s["kind"] == signers.SignKind.ink),
                      key=lambda s: s["filing_page"]):
        section = found.setdefault(sig["signer"], Section(len(found) + 1, sig["signer"], signers.ENGLISH))
        section.signatures.append(sig)
        if sig.get("language", signers.ENGLISH) != signers.ENGLISH and section.language == signers.ENGLISH:
            section.language = sig["language"]
        if docs[sig["document"]] not in section.documents:
            section.documents.append(docs[sig["document"]])
    for section in found.values():
        section.documents.sort(key=lambda d: d["first_page"])
    return list(found.values())


def default_output(out: Path, manifest: dict) -> Path:
    return out / f"{Path(manifest['filing']['file']).stem}_signing-packet.pdf"


def current_signatures(case: Case, settings: Settings, out: Path, templates_dir: Path | None,
                       how: str, signed_since: bool = False) -> tuple[Built, dict]:
    """The filing built in `out` and its manifest's `signatures`, refused when the case changed since
    the build (the message says to build it `how`: {build} is the command) or lists none. With
    `signed_since`, signed pages read since the build (CASE/signed/) do not count as a change."""
    built = load_built(case, settings, out, templates_dir)
    build = f"`{command('build', case.dir)}`"
    # Signed pages read since the build change the filing, not the text signed: the next reading (another
    # signer's scans) and a packet printed again need no build in between (their hashes are the generated
    # pages'). Changes are named by send/built.changes with the file's path in the case folder.
    changed = [c for c in built.changed if not (signed_since and c == SIGNED_PAGES_CHANGED)]
    if changed:
        raise InputFileError(f"{case.shown}: the case changed since the filing in {out} was built "
                             f"({'; '.join(changed)}): build it {how.format(build=build)}")
    record = built.manifest.get("signatures")
    if record is None:
        raise InputFileError(f"{out / 'manifest.json'} lists no signatures (built by an earlier pdpacket): build "
                             f"the case again ({build})")
    return built, record


def make_packet(case: Case, settings: Settings, out: Path, target: Path | None, work: Path, lo,
                templates_dir: Path | None = None) -> Packet:
    """Write the signing packet of `case`'s filing built in `out` to `target` (default: beside the filing).
    `lo`: the LibreOffice that converts the covers (the driver's)."""
    built, record = current_signatures(case, settings, out, templates_dir,
                                       "again ({build}) so that the pages signed are the pages filed",
                                       signed_since=True)
    found = sections(record)
    if not found:
        raise InputFileError(f"{case.shown}: no document of this filing is signed in ink: there is nothing to sign")
    target = Path(target) if target else default_output(out, built.manifest)
    _check_target(target, built.filing)
    covers = _covers(case, settings, found, work, lo, templates_dir)
    body, pagecodes, marks = _body(case, built.filing, found, covers)
    body_pdf = work / "body.pdf"
    body.write(body_pdf)
    places = codes.placements(body_pdf, pagecodes)
    _stamp(body_pdf, pagecodes, places, marks, target)
    return Packet(target, len(pagecodes), found)


def _check_target(target: Path, filing: Path) -> None:
    if target.resolve() == filing.resolve() or target.suffix.lower() != ".pdf":
        raise OutputError(f"{target}: the signing packet needs a file name of its own ending in .pdf (not the "
                          "filing's): choose another with -o")
    folder = target.parent
    if not folder.is_dir():
        raise OutputError(f"{folder}: no such folder: create it, or choose another file with -o")
    if not os.access(folder, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise OutputError(f"{target}: cannot write there (permission denied): choose another file with -o")


# --- the covers ---------------------------------------------------------------------------

def _covers(case: Case, settings: Settings, found: list[Section], work: Path, lo,
            templates_dir: Path | None) -> list[PdfReader]:
    """Each signer's cover, rendered and converted (one LibreOffice call for them all)."""
    choices = choose.choose(settings, case.data, templates_dir, SIGNING_ROLES)
    choose.require_valid(choices)
    assert case.office is not None, "a validated case has its office"
    _, tabs = plan(case.data, case.dir, resolve_forms(case.data, case.dir, settings.forms, settings.path))
    context = build_context(case.data, case.office, tabs, settings.decide_days, law=settings.law)
    env = make_environment(tabs)
    folder = work / "covers"
    folder.mkdir()
    jobs = []
    for section in found:
        role = COVER_ROLES.get(section.language, Role.signing_cover)
        if role not in choices:
            role = Role.signing_cover
        doc = render(choices[role].path, {**context, **_cover_variables(section)}, env,
                     folder / f"cover-{section.copy}.docx", f"Pages to sign: {section.name}",
                     context["attorney"]["name"])
        jobs.append(soffice.Job(doc, f"the signing cover of {section.name} (template {choices[role].path.name})"))
    converted = lo.convert(jobs, folder, bookmarks=False)
    return [PdfReader(converted[job.source].pdf) for job in jobs]


def _cover_variables(section: Section) -> dict:
    by_doc: dict[str, list[dict]] = {}
    for sig in section.signatures:
        by_doc.setdefault(sig["document"], []).append(sig)
    to_sign = [{"title": d["title"], "label": d.get("label") or d["title"], "role": sig["role"],
                "pages": d["last_page"] - d["first_page"] + 1, "sign_page": sig["page"], "where": sig.get("where") or ""}
               for d in section.documents for sig in by_doc[d["id"]]]
    return {"signer": {"name": section.name, "language": section.language, "copy": section.copy},
            "to_sign": to_sign,
            "pages_total": sum(d["last_page"] - d["first_page"] + 1 for d in section.documents)}


# --- the pages and their codes ----------------------------------------------------------------

@dataclass(frozen=True)
class Mark:
    """A signature line to mark on a page of the body: whose, and what the margin says."""

    name: str
    text: str


def _body(case: Case, filing: Path, found: list[Section], covers: list[PdfReader]):
    """The unstamped packet: the pages, their codes, and the signature lines to mark on each page."""
    writer = PdfWriter()
    pagecodes: list[codes.PageCode] = []
    marks: list[list[Mark]] = []
    a_number = re.sub(r"\D", "", case.data["respondent"]["a_number"])
    filing_bytes = filing.read_bytes()
    for section, cover in zip(found, covers, strict=True):
        section.first_page = len(pagecodes) + 1
        for i, page in enumerate(cover.pages):
            writer.add_page(page)
            pagecodes.append(codes.PageCode(a_number, "cover", i + 1, len(cover.pages), section.copy,
                                            signers.text_hash(page.extract_text() or "")))
            marks.append([])
        # A reader of its own per section: pages of one reader added twice would share their objects.
        reader = PdfReader(io.BytesIO(filing_bytes))
        mark = Mark(section.name, SIGN_HERE.get(section.language, SIGN_HERE_DEFAULT))
        for doc in section.documents:
            total = doc["last_page"] - doc["first_page"] + 1
            own = {s["page"] for s in section.signatures if s["document"] == doc["id"]}
            for n in range(total):
                page = writer.add_page(reader.pages[doc["first_page"] - 1 + n])
                scanned.hide_scan(writer, page)  # as generated: no signed scan over it
                draft_mark.unmark(page)  # signed as filed, final: no DRAFT mark
                pagecodes.append(codes.PageCode(a_number, doc["id"], n + 1, total, section.copy,
                                                doc["page_text_sha256"][n], doc["first_page"] + n))
                marks.append([mark] if n + 1 in own else [])
        section.last_page = len(pagecodes)
    return writer, pagecodes, marks


def _stamp(body_pdf: Path, pagecodes: list[codes.PageCode], places: list[codes.Placement],
           marks: list[list[Mark]], target: Path) -> None:
    """Lay each page's code (and its signature marks) over it; write `target` whole or not at all."""
    lines = _mark_positions(body_pdf, marks)
    overlay = codes.overlays(list(zip(pagecodes, places, strict=True)),
                             extra=[_mark_drawer(found) for found in lines])
    reader = PdfReader(body_pdf)
    writer = PdfWriter()
    for page, over, where in zip(reader.pages, overlay.pages, places, strict=True):
        codes.stamp(writer.add_page(page), over, where)  # stamped once in the writer (pypdf 7 wants it there)
    writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
    buffer = io.BytesIO()
    writer.write(buffer)
    atomic.write_bytes(target, buffer.getvalue())


def _mark_positions(body_pdf: Path, marks: list[list[Mark]]) -> list[list[tuple[Mark, float]]]:
    """(mark, the signature line's height in points from the page's bottom) for each mark whose line the
    page's text shows: a line of underscores with the signer's name right under it."""
    if not any(marks):
        return [[] for _ in marks]
    pages = raster.words(body_pdf)
    height = float(PdfReader(body_pdf).pages[0].mediabox.height)
    out: list[list[tuple[Mark, float]]] = []
    for words, wanted in zip(pages, marks, strict=True):
        found = []
        for mark in wanted:
            line = place.signature_line(words, mark.name)
            if line is not None:
                found.append((mark, height - line.y1))
        out.append(found)
    return out


MARK_X = codes.SIDE - 22


def mark_box(y: float) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) in points from the bottom left that a "Sign here" mark (any language's) level with a
    signature line at height `y` may cover: `pdpacket signed` paints it out of the signed page."""
    widest = max(stringWidth(t, "Helvetica-Bold", MARK_SIZE) for t in [SIGN_HERE_DEFAULT, *SIGN_HERE.values()])
    return MARK_X, y + 2 - 0.3 * MARK_SIZE, MARK_X + widest + 9, y + 2 + MARK_SIZE


def _mark_drawer(found: list[tuple[Mark, float]]):
    if not found:
        return None

    def draw(c: rl_canvas.Canvas) -> None:
        c.setFont("Helvetica-Bold", MARK_SIZE)
        for mark, y in found:  # in the left margin, level with the line: "Sign here" and an arrowhead
            x = MARK_X
            c.drawString(x, y + 2, mark.text)
            tip = x + c.stringWidth(mark.text, "Helvetica-Bold", MARK_SIZE) + 9
            path = c.beginPath()
            path.moveTo(tip - 5, y + 1)
            path.lineTo(tip, y + 4)
            path.lineTo(tip - 5, y + 7)
            path.close()
            c.drawPath(path, stroke=0, fill=1)
    return draw


def sign(case_path: Path, out: Path | None = None, target: Path | None = None, options: BuildOptions | None = None,
         progress: Progress | None = None) -> Packet:
    """The `pdpacket sign` command: validate the case, then make its signing packet (on the one driver:
    its work folder, LibreOffice for the covers, deadline)."""
    options = options or BuildOptions()
    settings = case_settings(Path(case_path), options)
    case = validate_case(Path(case_path), options, settings=settings)
    out = Path(out) if out else case.dir / "out"

    def packet(run: drive.Run) -> Packet:
        return make_packet(case, settings, out, target, run.work, run.office, options.templates_dir)

    made = drive.drive(packet, options, progress or Progress(False), out, case=case, settings=settings)
    made.notes = executed_on_notes(case, {sig["document"] for s in made.sections for sig in s.signatures}, today())
    return made


def executed_on_notes(case: Case, to_sign: set[str], day: date) -> list[Finding]:
    """A declaration prints the day it is executed ("Executed on ...", 28 U.S.C. 1746) from the case's
    signed.date: a day before these pages are printed cannot be the day it is signed, and a later day
    is the day the declarant must sign it. Found walking through the signing round: a packet printed
    on the 7th for a declaration dated the 4th went out signed and mis-dated, with no word from any command.
    The translator's certificate, when its date is set, is held to the same rule.
    to_sign: the manifest's document ids still to be signed in ink."""
    notes = []
    for i, d in enumerate(case.data.get("declarations") or []):
        if f"declaration:{d['id']}" not in to_sign:
            continue
        printed, field_path = date.fromisoformat(d["signed"]["date"]), f"declarations[{i}].signed.date"
        said = f"{d['declarant']}'s declaration prints \"Executed on {longdate(printed)}\""
        if printed < day:
            notes.append(Finding(case.shown, field_path, f"{said}, before these pages were printed ({longdate(day)}): "
                                 f"it cannot be signed that day. Set {field_path} to the day {d['declarant']} will "
                                 "sign, build again and print the pages again", Severity.warning))
        elif printed > day:
            notes.append(Finding(case.shown, field_path, f"{said}: {d['declarant']} must sign it on that day (or set "
                                 f"{field_path} to the day they will sign, build again and print the pages again)",
                                 Severity.warning))
    # The translator's certificate (8 CFR 1003.33) prints its own date the same way: the CLI walk-through's
    # translator signed on the 8th a certificate dated the 25th of the month before, and no command said so.
    for i, e in enumerate(case.data.get("exhibits") or []):
        translator = (e.get("translation") or {}).get("translator") or {}
        if f"translator_certificate:{e['id']}" not in to_sign or not translator.get("date"):
            continue  # undated: it prints the service date, which sending sets (send/dated.py)
        printed, field_path = date.fromisoformat(str(translator["date"])), f"exhibits[{i}].translation.translator.date"
        said = f"the certificate of translation of {e['title']} prints \"Date: {longdate(printed)}\""
        who = translator.get("name") or "the translator"
        if printed < day:
            notes.append(Finding(case.shown, field_path, f"{said}, before these pages were printed ({longdate(day)}): "
                                 f"{who} cannot sign it that day. Set {field_path} to the day {who} will sign (or "
                                 "leave it empty to print the day of service), build again and print the pages "
                                 "again", Severity.warning))
        elif printed > day:
            notes.append(Finding(case.shown, field_path, f"{said}: {who} must sign it on that day (or set {field_path} "
                                 "to the day they will sign, build again and print the pages again)", Severity.warning))
    return notes


def longdate(day: date) -> str:
    return f"{day:%B} {day.day}, {day.year}"  # plain spaces: a message, not a page (typography.longdate)
