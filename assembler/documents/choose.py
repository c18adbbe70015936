"""Which Word template fills each role, and checking a set before it is used.

For each role the first folder that has `<role>.docx` wins:
  1. the case's own set (`template_set: NAME` in the case, `template_sets: {NAME: DIR}` in the settings)
  2. --templates DIR on the command line
  3. `templates: DIR` in the settings (the firm's set)
  4. the templates shipped with pdpacket
"""
from __future__ import annotations

import functools
import hashlib
import shutil
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from assembler import kept, unchanged
from assembler.documents.check import CUSTOM, check_template, template_names
from assembler.errors import Finding, TemplateError, errors_of, warnings_of
from assembler.resources import templates_dir
from assembler.vocab import Role, Severity

if TYPE_CHECKING:
    from assembler.casefile.settings import Settings


@dataclass(frozen=True)
class Choice:
    role: Role
    path: Path
    source: str  # "case set NAME", "--templates", "firm (settings)", "default"


def folders(settings: Settings, case_data: dict | None = None, override: Path | None = None) -> list[tuple[Path, str]]:
    found = []
    name = (case_data or {}).get("template_set")
    if name:
        found.append((Path(settings.template_sets[name]), f"case set '{name}'"))
    if override:
        found.append((Path(override), "--templates"))
    if settings.templates:
        found.append((Path(settings.templates), "firm (settings)"))
    found.append((templates_dir(), "default"))
    return found


def choose(settings: Settings, case_data: dict | None = None, override: Path | None = None,
           roles: Iterable[Role] | None = None) -> dict[Role, Choice]:
    """The file of each role (of `roles`: a filing's, or the court papers'; default every role)."""
    chosen = {}
    places = folders(settings, case_data, override)
    for folder, _ in places:  # a template that appears in one later changes the build (unchanged.py)
        unchanged.note_folder(folder)
    for role in Role if roles is None else roles:
        for folder, source in places:
            candidate = folder / f"{role}.docx"
            if candidate.is_file():
                chosen[role] = Choice(role, candidate, source)
                break
    return chosen


_CHECKED: dict[str, list[Finding]] = {}


def check_set(choices: dict[Role, Choice]) -> list[Finding]:
    """Findings for every chosen template, by content: a batch checks each file once, and a rebuild
    none it checked before (kept.py: by the template's bytes and role, and pdpacket's code, which holds
    the case schema the check knows the variables from; 0.1-0.2 s for the default templates)."""
    findings = []
    for choice in choices.values():
        data = choice.path.read_bytes()
        key = hashlib.sha256(data).hexdigest() + choice.role
        if key not in _CHECKED:
            records = kept.remember_json("template check", [data, str(choice.role)], functools.partial(
                _check_records, choice))
            _CHECKED[key] = [Finding(**{**r, "severity": Severity(r["severity"])}) for r in records]
        findings += _CHECKED[key]
    return findings


def _check_records(choice: Choice) -> list[dict]:
    return [asdict(f) for f in check_template(choice.path, choice.role)]


def require_valid(choices: dict[Role, Choice]) -> list[Finding]:
    """Raise TemplateError listing every error; return the warnings."""
    findings = check_set(choices)
    errors = errors_of(findings)
    if errors:
        where = sorted({str(c.path.parent) for c in choices.values() if c.path.name in {f.file for f in errors}})
        raise TemplateError("the templates have errors, whatever the case (no case has a field they name, or a tag "
                            "is broken): fix them in Word and run `pdpacket templates check`:\n  "
                            + "\n  ".join(f.render() for f in errors)
                            + (f"\n(templates from {', '.join(where)})" if where else ""))
    return warnings_of(findings)


def export_defaults(dest: Path, overwrite: bool = False, roles: list[Role] | None = None) -> list[Path]:
    """Copy the shipped templates (of `roles`, or all) into `dest`."""
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for role in roles or list(Role):
        target = dest / f"{role}.docx"
        if target.exists() and not overwrite:
            raise TemplateError(f"{target} already exists: choose an empty folder, or pass --force to overwrite")
        shutil.copyfile(templates_dir() / f"{role}.docx", target)
        written.append(target)
    return written


def require_custom_fields(choices: dict[Role, Choice], data: dict) -> None:
    """The template check knows every field a case can have, but not which custom fields
    this case has: a template using one it lacks is this case's problem, said as such."""
    custom = data.get("custom") or {}
    missing = [f for c in choices.values() if "custom" in template_names(c.path)
               for f in check_template(c.path, c.role, custom) if f.kind == CUSTOM]
    if missing:
        raise TemplateError("this case lacks a field the templates use: "
                            + "; ".join(f.render() for f in missing))
