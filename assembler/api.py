"""The library's face: everything the CLI and the web app do, without printing anything.

Each function raises a PdpacketError subclass (with its exit code) for what a
user can fix, and returns plain data for the caller to show.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pypdf import PdfReader

from assembler.batch import Outcome, run_batch
from assembler.build import build
from assembler.casefile.case import Case, validate_case
from assembler.casefile.settings import load_settings
from assembler.court import court_papers
from assembler.documents import choose
from assembler.documents.check import check_template
from assembler.documents.context import ROLE_ONLY, context_tree
from assembler.documents.variables import FILTERS, Var, walk
from assembler.errors import Finding, InputFileError, TemplateError
from assembler.output import BuildResult
from assembler.pdf import preflight, split
from assembler.pdf.forms import FormField, read_fields
from assembler.vocab import MB, Role

__all__ = ["BuildResult", "Case", "FilingCheck", "Outcome", "build", "check_filing", "check_templates",
           "court_papers", "export_templates", "form_fields", "list_offices", "list_templates", "run_batch",
           "starter_fill", "template_filters", "template_variables", "validate_case"]


@dataclass
class FilingCheck:
    """What `check_filing` found, and the parts it wrote when asked to split."""

    report: preflight.CheckReport
    with_manifest: bool
    parts: list[Path] = field(default_factory=list)


def check_filing(filing: Path, limit_mb: float | None = None, split_parts: bool = False,
                 settings_file: Path | None = None) -> FilingCheck:
    """Preflight a filing (against the manifest beside it, if it is that filing's);
    with `split_parts`, cut one over the size limit into numbered parts beside it."""
    filing = Path(filing)
    if not filing.is_file():
        raise InputFileError(f"{filing}: no such file: check the path")
    limit = limit_mb or load_settings(settings_file, filing.parent).size_limit_mb
    manifest = preflight.load_manifest_beside(filing)
    report = preflight.check_filing(filing, manifest, limit)
    result = FilingCheck(report, manifest is not None)
    too_big = [f for f in report.errors if f.kind == "size"]
    if too_big and split_parts:
        reader = PdfReader(filing)
        units = split.units_from_manifest(manifest) if manifest else split.units_from_outline(reader)
        title = (reader.metadata.title if reader.metadata else None) or filing.stem
        result.parts = split.split(filing, units, int(limit * MB), str(title))
        report.findings = [f for f in report.findings if f not in too_big]
    return result


def list_templates(settings_file: Path | None = None, templates_dir: Path | None = None,
                   case: Path | None = None) -> dict[Role, choose.Choice]:
    """For each role, the template that would be used (for `case`, with its template_set)."""
    if case is None:
        return choose.choose(load_settings(settings_file, None), None, templates_dir)
    loaded = validate_case(case, settings_file=settings_file)
    return choose.choose(load_settings(settings_file, loaded.dir), loaded.data, templates_dir)


def export_templates(dest: Path, force: bool = False) -> list[Path]:
    """Copy the default templates into `dest`, to start a firm's own set."""
    return choose.export_defaults(Path(dest), overwrite=force)


def check_templates(folder: Path | None = None, settings_file: Path | None = None) -> list[Finding]:
    """Every finding about a folder of templates, or about the set the settings choose."""
    if folder is None:
        return choose.check_set(choose.choose(load_settings(settings_file, None)))
    files = sorted(p for p in Path(folder).glob("*.docx") if not p.name.startswith("~$"))
    if not files:
        raise TemplateError(f"{folder}: no .docx templates in it")
    return [f for path in files for f in check_template(path)]


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


def list_offices(settings_file: Path | None = None, case: Path | None = None) -> dict[str, dict]:
    """The Offices of the Chief Counsel a case can name: the shipped directory and the firm's additions."""
    return load_settings(settings_file, case).offices


# --- forms (G-28, EOIR-28, EOIR-27...) -----------------------------------------------------------

def form_fields(form: Path) -> list[FormField]:
    """The fillable fields of a PDF form: name, kind, allowed values, page."""
    form = Path(form)
    if not form.is_file():
        raise InputFileError(f"{form}: no such file: check the path")
    return read_fields(form, str(form))


FORM_KIND_NAMES = (("g28", re.compile(r"g[-_ ]?28", re.I)), ("eoir28", re.compile(r"eoir[-_ ]?28", re.I)),
                   ("eoir27", re.compile(r"eoir[-_ ]?27", re.I)))


def starter_fill(form: Path, fields: list[FormField]) -> str:
    """A `forms:` entry for a case file, with one `fill:` line per fillable field, to edit."""
    kind = next((k for k, pattern in FORM_KIND_NAMES if pattern.search(Path(form).name)), "other")
    lines = ["forms:", f"  - kind: {kind}  # g28, eoir28, eoir27 or other",
             f"    file: {json.dumps(str(form), ensure_ascii=False)}  # relative to the case folder"]
    if kind == "other":
        lines.append("    title: \"...\"  # its line in the index")
    lines += ["    fill:  # keep the fields to fill; put an expression in quotes, e.g. \"{{ respondent.family_names }}\""]
    for f in fields:
        if not f.fillable:
            continue
        what = {"text": "text", "choice": "one of: " + ", ".join(f.values),
                "radio": "one of: " + ", ".join(f.values),
                "checkbox": "check box: ticked unless empty, false, no, off or 0"}[f.kind]
        lines.append(f"      {json.dumps(f.name, ensure_ascii=False)}: \"\"  # {what} (page {f.page})")
    return "\n".join(lines) + "\n"
