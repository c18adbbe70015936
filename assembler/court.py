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

from assembler import build, court_files, drive
from assembler.casefile.case import Case
from assembler.casefile.forms import court_forms, moved_to_court
from assembler.casefile.normalize import format_a_number
from assembler.casefile.settings import Settings, load_settings
from assembler.documents import court as papers
from assembler.documents.context import full_name
from assembler.documents.court import MOTIONS, court_reliefs, court_variables, plan_court
from assembler.errors import Finding, InputFileError, InvalidCaseError
from assembler.options import BuildOptions
from assembler.output import BuildResult
from assembler.pdf import approval
from assembler.progress import Progress
from assembler.validate import validate_case
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


def court_motions(data: dict) -> list[str]:
    """The titles of the motions in a valid case's court papers, one file each ("Joint Motion to Dismiss
    Proceedings"): what the web app's Court papers page says they will hold."""
    return [MOTIONS[relief].title for relief in court_reliefs(data)]


def court_ground(data: dict) -> str:
    """A motion to dismiss's ground in the regulation's words with its citation, from the one table
    (documents/court.py); "" without one."""
    found = papers.DISMISSAL_GROUNDS.get(str((data.get("court") or {}).get("dismissal_ground") or ""))
    return f"{found[1]} ({found[0]})" if found else ""


def court_papers(case_path: Path, out: Path | None = None, options: BuildOptions | None = None,
                 progress: Progress | None = None) -> BuildResult:
    """Write the court papers of a case folder (the `pdpacket court` command), by default beside its filing."""
    options = options or BuildOptions()
    progress = progress or Progress(False)
    progress.step("validate")
    case = validate_case(Path(case_path), options, strict=options.strict)
    settings = load_settings(options.settings_file, case.dir)
    return court_papers_of(case, settings, Path(out) if out else case.dir / "out", options, progress)


def court_papers_of(case: Case, settings: Settings, out: Path, options: BuildOptions,
                    progress: Progress | None = None) -> BuildResult:
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
    forms = court_forms(case.data, case.dir, settings.forms, settings.path)
    blanks += papers.warnings(case.data, forms, case.file.name)
    if moved_to_court(case.data) is not None:  # counsel's EOIR-28 in the request's forms: put there after the approval?
        try:
            moving = approval.state(case, settings, options.templates_dir).moving
        except InputFileError:  # an unreadable approval.json: the filing's business (build, status), not the court's
            moving = ""
        if moving:
            blanks.append(("forms", moving))
    # Court papers carry plain page numbers: a firm's Bates numbering belongs to its PD filings.
    settings = dataclasses.replace(settings, page_numbers={})

    def court_files_of(run: drive.Run) -> BuildResult:
        planned = run.plan(case, settings, out, sections=plan_court(case.data, court, forms), names=court_names(case.data),
                           roles=COURT_PAPER_ROLES)
        planned.context["court"] = court
        rendered = build.render_documents(planned, run.progress)
        [converted] = build.convert_documents([rendered], run.office, run.progress)
        [settled] = build.settle_indexes([converted], run.office, run.progress)  # no index: settled as it is
        return court_files.place_files(settled, out, planned.output.filing, options.split_parts, run.progress)

    result = drive.drive(court_files_of, options, progress, out, case=case, settings=settings)
    result.warnings += [Finding(case.shown, path, message, Severity.warning) for path, message in blanks]
    return result
