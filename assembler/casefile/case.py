"""Load a case folder: read the file, merge firm settings, check everything.

`load_case` returns a Case whose `data` is the normalized document and whose
`problems` hold every error and warning found, so `validate` can report all of
them at once.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from assembler import resources, unchanged
from assembler.casefile import limits, rules
from assembler.casefile.examples import is_under, stand_in
from assembler.casefile.forms import FillChecks
from assembler.casefile.read import CASE_FILE_NAMES, LoadedFile, find_case_file, load_file, outside_folder
from assembler.casefile.schema import SchemaCheck
from assembler.casefile.settings import Settings, load_settings
from assembler.casefile.views import HasSections
from assembler.errors import Finding, HasFindings, InputFileError, InvalidCaseError
from assembler.options import NO_OPTIONS, CommandOptions
from assembler.vocab import Severity

_CHECK: SchemaCheck | None = None


def _check() -> SchemaCheck:
    global _CHECK
    if _CHECK is None:
        _CHECK = SchemaCheck(resources.load_schema("case"))
    return _CHECK


@dataclass
class Case(HasSections, HasFindings):
    dir: Path
    file: Path
    data: dict = field(default_factory=dict)
    problems: list[Finding] = field(default_factory=list)
    office: dict | None = None
    label: str | None = None  # how messages name a case that is not a file ("cases.csv row 3")
    source_sha256: str = ""  # of the case file, or of the spreadsheet row's data

    @property
    def shown(self) -> str:
        return self.label or str(self.file)

    def all_findings(self) -> list[Finding]:
        return self.problems

    def section_source(self) -> dict:
        return self.data  # the typed views (views.HasSections) read the checked data


def today() -> date:
    """The date rules are checked against; PDPACKET_TODAY pins it (tests, reproducible builds)."""
    unchanged.note_today()  # a rebuild on another day is a full one (unchanged.py)
    pinned = os.environ.get("PDPACKET_TODAY")
    return date.fromisoformat(pinned) if pinned else date.today()


def future_service_date(case: Case) -> list[Finding]:
    """A warning when the case file's service date is still to come. Not an error: a build dates the
    certificate of service and the letter as the case file says (the samples' dates are fixed and must
    build on any day), and `send`, `email` and `log --sent` date the filing anew on the day it is
    served (send/dated.py)."""
    day = (case.data.get("service") or {}).get("date") if isinstance(case.data, dict) else None
    now = today()
    if not day or str(day) <= now.isoformat():
        return []
    return [Finding(case.shown, "service.date", f"{day} is still to come (today is {now.isoformat()}): this build's "
                    "certificate of service and letter say so; the certificate will be dated when it is sent "
                    "(`pdpacket send` or `email` date it that day; for mail or hand, `pdpacket log --sent`)",
                    Severity.warning)]


def case_settings(case_path: Path, options: CommandOptions = NO_OPTIONS) -> Settings:
    """The settings that apply to the case at `case_path` (a folder or a case file)."""
    case_path = Path(case_path)
    return load_settings(options.settings_file, case_path if case_path.is_dir() else case_path.parent)


def locate(case_path: Path) -> tuple[Path, Path]:
    file = find_case_file(case_path)
    if file is None:
        if not case_path.exists():
            raise InputFileError(f"{case_path}: no such case folder or file: check the path")
        raise InputFileError(f"{case_path}: no case file found: the folder needs one of "
                             f"{', '.join(CASE_FILE_NAMES)}")
    problem = outside_folder(file, case_path if case_path.is_dir() else case_path.parent)
    if problem:
        raise InputFileError(problem)
    return file.resolve().parent, file


def load_case(case_path: Path, settings: Settings, fill_checks: FillChecks = ()) -> Case:
    case_dir, file = locate(case_path)
    loaded = load_file(file, str(file))
    case = Case(case_dir, file, source_sha256=hashlib.sha256(file.read_bytes()).hexdigest())
    return check_case(case, loaded, settings, fill_checks)


def check_case(case: Case, loaded: LoadedFile, settings: Settings, fill_checks: FillChecks = ()) -> Case:
    """Check already-read case data (from a file or a spreadsheet row) in `case.dir`. `fill_checks`: the
    checks of the forms' fill mappings, which need the documents (assembler/validate.py hands them in)."""
    shown = case.shown
    case.problems += loaded.problems
    if loaded.data is None:
        return case
    if not isinstance(loaded.data, dict):
        case.problems.append(Finding(shown, "", "the case file must be a mapping of fields "
                                                "(respondent:, proceedings:, ...), not a list or a single value"))
        return case
    data = dict(loaded.data)
    if settings.attorney:
        own = data.get("attorney")
        if own is None:
            data["attorney"] = dict(settings.attorney)
        elif isinstance(own, dict):
            data["attorney"] = {**settings.attorney, **own}
    # Values over a limit are reported once, and stand in as examples for the schema and the rules.
    checked = limits.check(data, limits.CASE, _check().schema, shown, loaded.lines, case.dir)
    if checked.findings:
        assert isinstance(checked.data, dict)
        data = stand_in(checked.data, checked.refused, _check().schema)
    document, problems = _check().run(data, shown, loaded.lines)
    problems = checked.findings + [_explain_flow_comma(p, loaded.flow_mappings) for p in problems]
    case.problems += problems
    case.data = document
    if not problems:
        case.office = settings.offices.get(document["office"])
        case.problems += rules.check(document, case.dir, settings, shown, loaded.lines, today(), fill_checks)
    else:
        case.problems += _rules_around(document, problems, case, settings, loaded.lines, fill_checks)
    case.problems.sort(key=lambda p: (not p.is_error, p.line or 0, p.path))
    return case


def _rules_around(document: dict, problems: list[Finding], case: Case, settings: Settings,
                  lines: dict[str, int], fill_checks: FillChecks) -> list[Finding]:
    """The cross-field and file checks, run despite the schema's findings so that one run
    reports everything: each broken field stands in with its schema example. What the rules
    then say about a broken field (or inside it) is dropped, the schema has said it. They run
    twice, with two choices of stand-in (service.method email, then another): a finding that
    changes with the stand-in is about the stand-in, not the case, and is dropped too."""
    broken = [p.path for p in problems if not p.message.startswith("unknown field")]
    try:
        found = [rules.check(stand_in(document, broken, _check().schema, other), case.dir, settings, case.shown,
                             lines, today(), fill_checks) for other in (False, True)]
    except (KeyError, IndexError, TypeError, ValueError, AttributeError):
        return []  # too broken for the rules to read; the schema's findings stand
    steady = set(found[1])
    return [f for f in found[0] if f in steady and not any(is_under(f.path, b) for b in broken)]


def _explain_flow_comma(problem: Finding, flow_mappings: set[str]) -> Finding:
    """In `{title: Lease, 2009}` the comma ends the value and `2009` becomes a key."""
    parent = problem.path[: max(problem.path.rfind("."), 0)]
    if problem.message.startswith("unknown field") and parent in flow_mappings:
        return Finding(problem.file, problem.path,
                       "unknown field, probably cut off by a comma: inside { } a value containing a "
                       "comma must be put in quotes", problem.severity, problem.line)
    return problem


def validate_case(case: Path, options: CommandOptions = NO_OPTIONS, strict: bool = False,
                  settings: Settings | None = None, fill_checks: FillChecks = ()) -> Case:
    """Load and check a case; raise InvalidCaseError listing every problem if it fails.
    `settings`: those of the case, when the caller has read them already (see case_settings)."""
    case_path = Path(case)
    settings = settings or case_settings(case_path, options)
    loaded = load_case(case_path, settings, fill_checks)
    failing = loaded.problems if strict else loaded.errors
    if failing:
        message = f"{loaded.file}: {len(loaded.errors)} error(s), {len(loaded.warnings)} warning(s)"
        if strict and not loaded.errors:
            message += " (--strict treats warnings as errors)"
        raise InvalidCaseError(loaded.problems, message)
    return loaded
