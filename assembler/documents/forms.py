"""Official forms in the filing (G-28, EOIR-28, EOIR-27, others): which file, filled how, checked how.

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
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2

from assembler.documents import typography
from assembler.documents.check import expression_problems
from assembler.documents.render import make_environment
from assembler.errors import InputFileError
from assembler.pdf import forms as pdf_forms

if TYPE_CHECKING:
    from jinja2.sandbox import SandboxedEnvironment

FORM_TITLES = {
    "g28": "Form G-28, Notice of Entry of Appearance as Attorney or Accredited Representative",
    "eoir28": "Form EOIR-28, Notice of Entry of Appearance as Attorney or Representative Before the "
              "Immigration Court",
    "eoir27": "Form EOIR-27, Notice of Entry of Appearance as Attorney or Representative Before the "
              "Board of Immigration Appeals",
}
FORM_NAMES = {"g28": "Form G-28", "eoir28": "Form EOIR-28", "eoir27": "Form EOIR-27"}
JOIN_MOTION_RELIEF = ("join_motion_to_reopen", "join_motion_to_recalendar_and_terminate")
BOARD_STAGES = {"appeal_pending"}  # proceedings.stage values at which the case is before the Board
AFTER_ORDER_STAGES = {"final_order", "motion_to_reopen"}  # after a final order: proceedings.final_order_by says whose
LISTED_FIELDS = 40  # an error lists at most this many of a form's field names


@dataclass(frozen=True)
class FormSpec:
    """One form of a case, with its file and fill mapping resolved against the settings."""

    index: int  # position in the case's `forms:` list
    kind: str
    title: str
    file: Path | None  # None when neither the case nor the settings name one
    named: str  # the file as the case or the settings wrote it (for messages)
    fill: dict[str, str] = field(default_factory=dict)
    fill_where: str = ""  # where the mapping is written: "forms[0].fill" or "forms.g28.fill in SETTINGS"
    # Who signs it by hand, on which page: ({role, page, where}, ...), the case's list or the firm's
    # (documents/signers.py reads them). A case's own file without a list: nobody (a form signed already).
    signers: tuple[dict, ...] = ()

    @property
    def label(self) -> str:
        return f"{FORM_NAMES.get(self.kind, self.title)} ({self.named})"


def resolve_forms(data: dict, case_dir: Path, settings_forms: dict | None = None,
                  settings_path: Path | None = None) -> list[FormSpec]:
    """The case's forms, each with its file and fill mapping (the case's, or the settings' for its kind)."""
    specs = []
    for i, item in enumerate(data.get("forms") or []):
        kind = item["kind"]
        firm = (settings_forms or {}).get(kind) or {}
        title = item.get("title") or firm.get("title") or FORM_TITLES.get(kind, "Form")
        if item.get("file"):
            specs.append(FormSpec(i, kind, title, case_dir / item["file"], item["file"], dict(item.get("fill") or {}),
                                  f"forms[{i}].fill", tuple(item.get("signers") or ())))
        elif firm.get("file"):
            where = f"forms.{kind}.fill in {settings_path or 'the settings'}"
            fill = {**(firm.get("fill") or {}), **(item.get("fill") or {})}
            signers = item.get("signers") if item.get("signers") is not None else firm.get("signers")
            specs.append(FormSpec(i, kind, title, Path(firm["file"]), firm.get("file_named", firm["file"]), fill,
                                  f"forms[{i}].fill" if item.get("fill") else where, tuple(signers or ())))
        else:
            specs.append(FormSpec(i, kind, title, None, "", dict(item.get("fill") or {}), f"forms[{i}].fill"))
    return specs


def fill_environment(tabs: dict[str, str]) -> SandboxedEnvironment:
    """The templates' sandboxed strict environment, minus HTML escaping (a PDF field takes plain text)."""
    env = make_environment(tabs)
    env.autoescape = False
    env.filters["lines"] = lambda value: "\n".join(str(v) for v in value) if isinstance(value, (list, tuple)) \
        else str(value or "")
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
    if spec.fill_where.startswith("forms["):
        return f"{spec.fill_where}.{field_name}"
    return f"forms[{spec.index}]"


def check_fills(data: dict, case_dir: Path, office: dict, specs: list[FormSpec]) -> list[tuple[str, str]]:
    """(path, message) for every fill expression that would fail: unknown field, misspelled variable, bad choice."""
    # Imported here: plan.py imports this module for the forms' sections.
    from assembler.documents.context import build_context
    from assembler.documents.plan import plan

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
            problems.append((f"forms[{spec.index}]", exc.message))
            continue
        _, errors = render_fill(spec, fields, context, env)
        for error in errors:
            where = "" if spec.fill_where.startswith("forms[") else f" (in {spec.fill_where})"
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
            f"(`pdpacket forms fields {spec.named}` lists them)")


def office_requires(data: dict, office: dict | None, form: str) -> bool:
    """Whether the case's office requires `form` (g28, eoir28, eoir27) with every request: its
    `rules.requires` in the settings (written g28, eoir_28, eoir_27). A form an office requires
    is an error when missing; one it does not require, a warning."""
    return office is not None and form in {_kind(r) for r in office["rules"]["requires"]}


def _kind(name: str | None) -> str:
    """eoir_28 (an exhibit's kind, an office rule) and eoir28 (a form's kind) are the same form."""
    return (name or "").replace("_", "")


def at_board(data: dict) -> bool:
    """Whether the Board of Immigration Appeals has the case: an appeal is pending there, or it
    entered the final order (a motion to reopen goes to whoever did). Absent stage: the judge."""
    p = data.get("proceedings") or {}
    return p.get("stage") in BOARD_STAGES or (p.get("stage") in AFTER_ORDER_STAGES and p.get("final_order_by") == "board")


def missing_forms(data: dict, office: dict | None) -> list[tuple[str, str, bool]]:
    """(field path, message, is_error) for each form the case should carry and does not."""
    # A form in the forms list, or a signed copy filed as an exhibit of that kind.
    kinds = {_kind(f.get("kind")) for f in data.get("forms") or []}
    kinds |= {_kind(e.get("kind")) for e in data.get("exhibits") or []}
    found = []
    if (data.get("attorney") or {}).get("name") and "g28" not in kinds:
        found.append(("forms", "no Form G-28 among the forms: the Office of the Chief Counsel recognises counsel "
                               "by the G-28 sent with the request; add `- kind: g28` with its file (the firm's "
                               "settings can hold the file and its fill mapping once)"
                               + (f"; the office '{office['key']}' requires one with every request"
                                  if office_requires(data, office, "g28") and office else ""),
                      office_requires(data, office, "g28")))
    relief = (data.get("request") or {}).get("relief") or []
    joining = [r for r in relief if r in JOIN_MOTION_RELIEF]
    if joining and not kinds & {"eoir28", "eoir27"}:
        form = "eoir27" if at_board(data) else "eoir28"
        where = "the Board" if form == "eoir27" else "the immigration court"
        found.append(("request.relief", f"a request to join a motion ({joining[0].replace('_', ' ')}) goes with "
                                        f"counsel's {FORM_NAMES[form]} (appearance before {where}): add "
                                        f"`- kind: {form}` to the forms",
                      office_requires(data, office, form)))
    return found
