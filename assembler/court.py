"""`pdpacket court`: the joint motions and proposed orders for when the office agrees.

The same stages as a filing (build.py): plan, render the templates, convert
with LibreOffice; then one file per submission, each assembled, checked and
moved into place (court_files.py). The plan differs (court papers instead of
a PD request: documents/court.py), there is no index to settle, and the output
gets its own names so that it sits beside the filing:
`<NAME>_<A-number>_joint-motion-to-dismiss.pdf` (one per motion), `court-docx/`,
`court-manifest.json`.
"""
from __future__ import annotations

import dataclasses
import re
import unicodedata
from pathlib import Path

from assembler import build, court_files, output, workspace
from assembler.casefile.case import Case, validate_case
from assembler.casefile.normalize import format_a_number
from assembler.casefile.settings import Settings, load_settings
from assembler.documents import court as papers
from assembler.documents.context import full_name
from assembler.documents.court import MOTIONS, court_reliefs, court_variables, plan_court
from assembler.errors import Finding, InvalidCaseError
from assembler.output import BuildResult
from assembler.progress import Progress
from assembler.vocab import COURT_PAPER_ROLES, Severity

DOCX_DIR = "court-docx"
MANIFEST = "court-manifest.json"


def court_names(data: dict) -> build.Names:
    family = unicodedata.normalize("NFKD", data["respondent"]["family_names"])
    family = "".join(c for c in family if not unicodedata.combining(c))
    family = re.sub(r"[^A-Za-z0-9]+", "-", family).strip("-").upper()[:60].strip("-") or "RESPONDENT"
    title = (f"Joint motion and proposed order: {full_name(data['respondent'])}, "
             f"{format_a_number(data['respondent']['a_number'])}")
    return build.Names(f"{family}_{data['respondent']['a_number']}", title, DOCX_DIR, MANIFEST)


def court_papers(case_path: Path, out: Path | None = None, settings_file: Path | None = None,
                 strict: bool = False, progress: Progress | None = None, templates_dir: Path | None = None,
                 split_parts: bool = False) -> BuildResult:
    """Write the court papers of a case folder (the `pdpacket court` command), by default beside its filing."""
    progress = progress or Progress(False)
    progress.step("validate")
    case = validate_case(Path(case_path), settings_file=settings_file, strict=strict)
    settings = load_settings(settings_file, case.dir)
    return court_papers_of(case, settings, Path(out) if out else case.dir / "out", progress, templates_dir,
                           split_parts)


def court_papers_of(case: Case, settings: Settings, out: Path, progress: Progress | None = None,
                    templates_dir: Path | None = None, split_parts: bool = False) -> BuildResult:
    progress = progress or Progress(False)
    if not court_reliefs(case.data):
        raise InvalidCaseError([Finding(case.shown, "request.relief", "none of the relief asked is granted by "
                                        "the court on a joint motion: court papers exist for "
                                        f"{', '.join(MOTIONS)}")],
                               f"{case.shown}: no court papers for this case")
    missing = papers.problems(case.data)
    if missing:
        raise InvalidCaseError([Finding(case.shown, path, message) for path, message in missing])
    court, blanks = court_variables(case.data, settings.courts)
    blanks += papers.warnings(case.data)
    # Court papers carry plain page numbers: a firm's Bates numbering belongs to its PD filings.
    settings = dataclasses.replace(settings, page_numbers={})
    planned = None
    try:
        with workspace.workdir() as work, build.libreoffice(settings, work) as lo:
            lo.start()  # boots while the papers are rendered; stopped with the `with`
            try:
                planned = build.plan_build(case, settings, out, work / "case", progress, templates_dir,
                                           sections=plan_court(case.data, court), names=court_names(case.data),
                                           roles=COURT_PAPER_ROLES)
                planned.context["court"] = court
                rendered = build.render_documents(planned, progress)
                [converted] = build.convert_documents([rendered], lo, progress)
                result = court_files.place_files(converted, rendered.keep, out, planned.output.filing, split_parts,
                                                 progress)
            finally:
                if planned is not None:
                    build.abandon(planned)
    except OSError as exc:
        raise output.classify_os_error(exc, case.dir, out) from exc
    result.warnings += [Finding(case.shown, path, message, Severity.warning) for path, message in blanks]
    result.timings = progress.done()
    return result
