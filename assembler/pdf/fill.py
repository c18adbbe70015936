"""Official forms in the filing (G-28, EOIR-28, EOIR-27, others): filled how, checked how (which file each
one is: casefile/forms.py).

A case lists its forms (`forms: [{kind: g28, file: ..., fill: {FIELD: EXPRESSION}}]`);
the firm's settings may hold each kind's file and fill mapping once
(`forms: {g28: {file: ..., fill: ...}}`), so a case says only `- kind: g28`.
The settings' mapping applies only with the settings' file: a case that names
its own file (a form signed by hand, say) fills it with its own mapping or not
at all. Fill expressions are templates over the same data the Word templates
see, in the same sandboxed strict Jinja, but without HTML escaping: the value
goes into a PDF field, not into XML.

Official forms are supplied by the firm; pdpacket ships none.
"""
from __future__ import annotations

import difflib
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2

from assembler.casefile.forms import FormSpec
from assembler.documents import typography
from assembler.documents.check import expression_problems
from assembler.documents.context import build_context
from assembler.documents.plan import plan
from assembler.documents.render import make_environment
from assembler.errors import InputFileError, command
from assembler.pdf import forms as pdf_forms
from assembler.vocab import IMAGE_SUFFIXES

if TYPE_CHECKING:
    from jinja2.sandbox import SandboxedEnvironment

LISTED_FIELDS = 40  # an error lists at most this many of a form's field names


def fill_environment(tabs: dict[str, str]) -> SandboxedEnvironment:
    """The templates' sandboxed strict environment, minus HTML escaping (a PDF field takes plain text)."""
    env = make_environment(tabs)
    env.autoescape = False
    env.filters["lines"] = lambda value: "\n".join(str(v) for v in value) if isinstance(value, (list, tuple)) \
        else str(value or "")
    env.kept_key = None  # type: ignore[attr-defined]  # its filters changed: nothing rendered with it is kept (render.py)
    return env


class FillError(ValueError):
    """A fill expression that cannot be rendered or set; `field` names the form field."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name
        self.message = message


def render_fill(spec: FormSpec, fields: dict[str, pdf_forms.FormField], context: dict,
                env: SandboxedEnvironment) -> tuple[dict[str, str], list[FillError]]:
    """{field name: value to set}, and a FillError for every field that fails."""
    values, errors = {}, []
    for name, expression in spec.fill.items():
        try:
            values[name] = _fill_one(spec, fields, name, str(expression), context, env)
        except FillError as exc:
            errors.append(exc)
    return values, errors


def _fill_one(spec: FormSpec, fields: dict[str, pdf_forms.FormField], name: str, expression: str, context: dict,
              env: SandboxedEnvironment) -> str:
    if name not in fields:
        raise FillError(name, unknown_field_message(spec, name, fields))
    # The template check's did-you-mean ('respondent.given_name' -> 'respondent.given_names'),
    # clearer than Jinja's "'dict object' has no attribute".
    problems = expression_problems(expression)
    if problems:
        raise FillError(name, f"{problems[0]} (in {expression!r})")
    try:
        text = typography.plain(env.from_string(expression).render(context)).strip()
    except jinja2.UndefinedError as exc:
        raise FillError(name, f"{exc.message}: fix the variable's name (see `pdpacket templates vars`)") from exc
    except jinja2.TemplateSyntaxError as exc:
        raise FillError(name, f"{exc.message} in {expression!r}: write the expression like "
                              "\"{{ respondent.family_names }}\", in quotes") from exc
    except jinja2.exceptions.SecurityError as exc:
        raise FillError(name, f"not allowed in a fill expression: {exc}") from exc
    except jinja2.TemplateError as exc:
        raise FillError(name, str(exc)) from exc
    try:
        return pdf_forms.choose_value(fields[name], text)
    except ValueError as exc:
        raise FillError(name, f"{exc} (a {fields[name].kind} field)") from exc


def fill_error_text(spec: FormSpec, error: FillError) -> str:
    """The message for a failed field, naming the form and the field."""
    if error.message.startswith(spec.label):
        return error.message
    return f"{spec.label}, field '{error.field}': {error.message}"


def fill_path(spec: FormSpec, field_name: str) -> str:
    """Where a field's expression is written, for a Finding's path."""
    if spec.fill_where.startswith(spec.path):
        return f"{spec.fill_where}.{field_name}"
    return spec.path


def check_fills(data: dict, case_dir: Path, office: dict, specs: list[FormSpec]) -> list[tuple[str, str]]:
    """(path, message) for every fill expression that would fail: unknown field, misspelled variable, bad choice."""
    _, tabs = plan(data, case_dir, specs)
    context = build_context(data, office, tabs)
    env = fill_environment(tabs)
    problems = []
    for spec in specs:
        if not spec.fill or spec.file is None:
            continue
        try:
            fields = {f.name: f for f in pdf_forms.read_fields(spec.file, spec.label)}
        except InputFileError as exc:
            problems.append((spec.path, exc.message))
            continue
        _, errors = render_fill(spec, fields, context, env)
        for error in errors:
            where = "" if spec.fill_where.startswith(spec.path) else f" (in {spec.fill_where})"
            problems.append((fill_path(spec, error.field), fill_error_text(spec, error) + where))
    return problems


def unknown_field_message(spec: FormSpec, name: str, fields: dict[str, pdf_forms.FormField]) -> str:
    names = list(fields)
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'? " if close else ""
    shown = ", ".join(names[:LISTED_FIELDS]) + (f", ... ({len(names) - LISTED_FIELDS} more)"
                                                 if len(names) > LISTED_FIELDS else "")
    shown = shown or "(none: it is not a fillable form)"
    return (f"{spec.label} has no field named '{name}': {hint}its fields are: {shown} "
            f"(`{command('forms', 'fields', spec.named)}` lists them)")


FORM_KIND_NAMES = (("g28", re.compile(r"g[-_ ]?28", re.I)), ("eoir28", re.compile(r"eoir[-_ ]?28", re.I)),
                   ("eoir27", re.compile(r"eoir[-_ ]?27", re.I)))


def starter_fill(form: Path, fields: list[pdf_forms.FormField]) -> str:
    """A `forms:` entry for a case file, with one `fill:` line per fillable field, to edit."""
    kind = next((k for k, pattern in FORM_KIND_NAMES if pattern.search(Path(form).name)), "other")
    lines = ["forms:", f"  - kind: {kind}  # g28, eoir28, eoir27 or other",
             f"    file: {json.dumps(str(form), ensure_ascii=False)}  # relative to the case folder"]
    if kind == "other":
        lines.append("    title: \"...\"  # its line in the index")
    if Path(form).suffix.lower() in IMAGE_SUFFIXES:  # a scan of the signed form: no fields, no fill
        return "\n".join(lines) + "\n"
    lines += ["    fill:  # keep the fields to fill; put an expression in quotes, e.g. \"{{ respondent.family_names }}\""]
    for f in fields:
        if not f.fillable:
            continue
        what = {"text": "text", "choice": "one of: " + ", ".join(f.values),
                "radio": "one of: " + ", ".join(f.values),
                "checkbox": "check box: ticked unless empty, false, no, off or 0"}[f.kind]
        lines.append(f"      {json.dumps(f.name, ensure_ascii=False)}: \"\"  # {what} (page {f.page})")
    return "\n".join(lines) + "\n"
