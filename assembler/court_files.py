"""The court papers' files: one PDF per submission, as EOIR's e-filing takes them.

`pdpacket court` renders and converts every court paper of a case in one
LibreOffice run (court.py); this module then makes one file per motion (the
motion behind its cover page, with its proposed order: documents/court.py
decides which sections belong together), each paginated document by document,
checks each, splits one over the size limit when asked, and moves all of them
into place together with one manifest (`court-manifest.json`, a `files` entry
per file) and the Word copies. The output folder never holds a half-written file.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from assembler import output, prepare
from assembler.casefile.offices import size_limit_mb as office_size_limit
from assembler.documents.court import MOTIONS, submission_of
from assembler.documents.plan import Section, number_pages, total_pages
from assembler.errors import Finding, OutputError
from assembler.output import BuildResult
from assembler.pdf.assemble import PER_SECTION, assemble
from assembler.pdf.manifest import build_manifest, write_manifest
from assembler.progress import Progress
from assembler.vocab import Severity

if TYPE_CHECKING:
    from assembler.build import Settled


def file_name(stem: str, relief: str) -> str:
    """`GARCIA-LOPEZ_A201234567_joint-motion-to-dismiss.pdf`."""
    return f"{stem}_{MOTIONS[relief].file}.pdf"


def groups(sections: list[Section]) -> list[tuple[str, list[Section]]]:
    """The sections of each submission, in the plan's order."""
    found: dict[str, list[Section]] = {}
    for s in sections:
        found.setdefault(submission_of(s), []).append(s)
    return list(found.items())


def place_files(settled: Settled, out: Path, stem: str, split_parts: bool, progress: Progress,
                legend: str | None = None) -> BuildResult:
    """Assemble, check and move into place one file per submission (each numbered from its first
    page); return the first as `filing` and all of them as `files`."""
    rendered = settled.converted.rendered
    planned = rendered.plan
    progress.step("assemble")
    manifests, notices, files = [], list(rendered.notices), []
    limit = office_size_limit(planned.settings.size_limit_mb, planned.case.office)
    for relief, group in groups(settled.sections):
        sections = number_pages(group)
        pages = total_pages(sections)
        target = planned.staging / file_name(stem, relief)
        labels, said = assemble(sections, target, {"style": PER_SECTION}, {
            "title": f"{MOTIONS[relief].title}: {planned.output.title}",
            "author": planned.context["attorney"]["name"], "subject": planned.context["court"]["name"]}, legend)
        notices += said
        manifest = build_manifest(case=planned.case, settings=planned.settings, inputs=rendered.inputs,
                                  templates=planned.choices, sections=sections, filing=target, pages=pages,
                                  labels=labels)
        notices += _check(target, manifest, limit, split_parts)
        manifests.append(manifest)
        files.append(target)
    docx_dir = planned.staging / planned.output.docx
    docx_dir.mkdir()
    for src, name in settled.keep.items():
        shutil.copyfile(src, docx_dir / name)
    outputs = [n for m in manifests for n in [m["filing"]["file"], *(p["file"] for p in m.get("parts", []))]]
    manifest_path = planned.staging / planned.output.manifest
    write_manifest({"tool": manifests[0]["tool"], "files": manifests, "outputs": outputs}, manifest_path)
    progress.step("write")
    warnings = planned.case.warnings + planned.template_warnings + [
        Finding(planned.case.shown, "", n, Severity.warning) for n in notices]
    placed = _move_into_place(planned.staging, out, files, outputs, docx_dir, manifest_path)
    return BuildResult(placed[0], out / planned.output.manifest, out / planned.output.docx,
                       sum(m["filing"]["pages"] for m in manifests), warnings,
                       parts=[out / n for m in manifests for n in (p["file"] for p in m.get("parts", []))],
                       files=placed)


def _check(target: Path, manifest: dict, limit: float, split_parts: bool) -> list[str]:
    """Preflight one file; split it when asked and too big (its parts go in its manifest). Returns warnings."""
    warnings, parts = prepare.check_pdf(target, manifest, limit, split_parts, target.stem, name=target.name)
    if parts:
        manifest["parts"] = parts
    return [f"{target.name}: {w}" for w in warnings]


def _move_into_place(staging: Path, out: Path, files: list[Path], outputs: list[str], docx_dir: Path,
                     manifest: Path) -> list[Path]:
    """The Word copies, the parts, the manifest, then the files; what the last run wrote and this one
    did not (another relief, an earlier name) is removed, as for a filing (output.move_into_place)."""
    before = output.previous_outputs(out, manifest.name)
    try:
        output.replace_folder(docx_dir, out / docx_dir.name)
        for name in outputs:
            if (staging / name).exists() and not any(f.name == name for f in files):
                os.replace(staging / name, out / name)
        os.replace(manifest, out / manifest.name)
        placed = []
        for f in files:
            os.replace(f, out / f.name)
            placed.append(out / f.name)
        output.remove_outputs(out, before - set(outputs) - {manifest.name})
    except OSError as exc:
        raise OutputError(f"cannot write the court papers into {out}: {exc.strerror}: check free space and "
                          "permissions") from exc
    return placed
