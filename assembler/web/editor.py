"""The case pages: edit the case file through the form, check it as it is typed, upload exhibits.

The form is made from the schema (form.py); saving goes through casefile_edit.py,
which writes only what changed and refuses to overwrite a file changed on disk.
"""
from __future__ import annotations

import re
import threading
from collections import defaultdict
from datetime import date
from functools import partial
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from assembler import api
from assembler.casefile.read import find_case_file, outside_folder
from assembler.documents.context import tab_letter
from assembler.errors import Finding, InvalidCaseError, PdpacketError, errors_of, warnings_of
from assembler.web import approve_page, build_pages, cases, form, plain, signatures, uploads
from assembler.web.casefile_edit import Conflict, Refused, read_raw, save, sha256_of
from assembler.web.changes import FIELDS, StaleForm, apply_plain, changes_of, rendered_of
from assembler.web.court_page import granted_on
from assembler.web.state import require_csrf

# The lists whose items get tab letters, in the filing's order (see documents/plan.py).
TABBED = ("declarations", "exhibits")
_save_locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)


def install_helpers(env) -> None:
    env.globals.update(shown=form.shown, join=form.join, item_caption=item_caption, INDEX=form.INDEX,
                       singular=singular, TABBED=TABBED, label=form.label, form_hint=form_hint,
                       has_content=has_content, fits=form.fits, as_written=form.shown_as_written,
                       is_none_word=form.is_none_word, says_none=form.says_none, FIELDS=FIELDS,
                       has_problem=lambda found: any(not (f.is_error and plain.to_fill(f.message)) for f in found))
    env.tests["match_iso"] = _iso_date


def _iso_date(value) -> bool:
    """A value a date picker shows as it is (it empties one it cannot read, 2027-02-30 too)."""
    try:
        return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(value))) and bool(date.fromisoformat(str(value)))
    except ValueError:
        return False


def has_content(value) -> bool:
    if isinstance(value, dict):
        return any(has_content(v) for v in value.values())
    if isinstance(value, list):
        return any(has_content(v) for v in value)
    return value not in (None, "")


def form_hint(hint: str) -> str:
    """The schema's hint as the form shows it: how to type it in YAML (quotes) does not apply here
    (nor does a date's spelling under a date picker, or "true or false" under Yes / No: see _fields.html)."""
    return plain.hint(hint)


def singular(label: str) -> str:
    return label[:-1] if label.endswith("s") else f"{label} entry"


# The fields that name an entry in words, before any other; an id is never one (the re-walk's "Remove this
# entry (birth-son)?" named an exhibit by the id the page had made).
CAPTION_KEYS = ("title", "declarant", "name")


def item_caption(f: form.Field, item) -> str:
    """A few words that tell the items of a list apart: its title (or declarant, name), else its first text."""
    if not isinstance(item, dict):
        return ""
    texts = [c for c in f.children if c.kind in ("text", "textarea") and c.key != "id"]
    for child in sorted(texts, key=lambda c: CAPTION_KEYS.index(c.key) if c.key in CAPTION_KEYS else len(CAPTION_KEYS)):
        value = item.get(child.key)
        if isinstance(value, str) and value.strip():  # a file by its name, never its folder (the web walk)
            return (value.strip().rsplit("/", 1)[-1] if child.key == "file" else value.strip())[:80]
    return ""


def tabs_of(data: dict) -> dict[str, str]:
    tabs, n = {}, 0
    for key in TABBED:
        for i, _ in enumerate(data.get(key) or [] if isinstance(data.get(key), list) else []):
            tabs[f"{key}[{i}]"] = tab_letter(n)
            n += 1
    return tabs


def findings_of(folder: Path, options: api.CommandOptions) -> list[Finding]:
    try:
        return api.validate_case(folder, options).problems
    except InvalidCaseError as exc:
        return exc.problems
    except PdpacketError as exc:
        return [Finding(str(folder), "", exc.message)]


def edit_context(st, name: str, folder: Path, data: dict, findings: list[Finding], base: str, **extra) -> dict:
    fields = form.case_fields()
    placed, general = form.attach(findings, form.concrete_paths(fields, data))
    try:
        settings = api.case_settings(folder, st.config.options)
        choices = {"office": office_choices(settings.offices),
                   "template_set": {name: name for name in sorted(settings.template_sets)},
                   "risks": {str(k): str(v) for k, v in settings.consent_risks.items()}}  # key -> its meaning
        defaults = {"attorney": settings.attorney or {}}
    except PdpacketError as exc:
        choices, defaults = {}, {}
        general.append(Finding("settings", "", exc.message))
    sections = [{"key": f.key, "label": f.label,
                 "fill": sum(_to_fill(v) for p, v in placed.items() if _under(p, f.key)),
                 "errors": sum(len(errors_of(v)) - _to_fill(v) for p, v in placed.items() if _under(p, f.key)),
                 "warnings": sum(len(warnings_of(v)) for p, v in placed.items() if _under(p, f.key))}
                for f in fields]
    def placed_under(path: str) -> bool:
        return any(_under(p, path) for p in placed)
    rendered = extra.pop("rendered", None)
    return {"name": name, "fields": fields, "data": data, "placed": placed, "general": general,
            "rendered": rendered if rendered is not None else "\n".join(form.editable_paths(fields, data)),
            "origins": extra.pop("origins", {}),
            "placed_under": placed_under,
            "choices": choices, "defaults": defaults, "files": uploads.case_files(folder), "tabs": tabs_of(data),
            "unused_files": unused_files(folder, data),
            "refs": references(data), "exhibit_refs": references(data, ("exhibits",)), "MISSING_REF": MISSING_REF,
            "base_sha256": base, "sections": sections, "errors": len(errors_of(findings)), "fill": _to_fill(findings),
            "warnings": len(warnings_of(findings)), "upload_limit_mb": uploads.UPLOAD_LIMIT_MB,
            "conflict": None, "saved": None, "dating": [], "granted": None, **extra}


# The words beside a reference to an id that no entry has (app.js shows the same).
MISSING_REF = "no exhibit or declaration has this id now: untick it to remove it"


def references(data, lists=("exhibits", "declarations")) -> list[tuple[str, str]]:
    """What a factor or a criminal history entry can cite, as the page offers it: (id, the words shown),
    an exhibit by its title, a declaration by its declarant (app.js words entries added on the page the same)."""
    out = []
    for key in lists:
        entries = data.get(key) if isinstance(data, dict) else None
        for entry in entries if isinstance(entries, list) else []:
            if not isinstance(entry, dict) or not isinstance(entry.get("id"), str) or not entry["id"].strip():
                continue
            if key == "exhibits":
                words = str(entry.get("title") or "").strip() or entry["id"]
            else:
                who = str(entry.get("declarant") or "").strip()
                words = f"Declaration of {who}" if who else entry["id"]
            out.append((entry["id"].strip(), words))
    return out


def unused_files(folder: Path, data) -> list[str]:
    """The files in exhibits/ that nothing in the case names: uploaded, then the page left unsaved. The case
    page offers each as an exhibit (a file no entry uses never reaches the filing)."""
    named = {str(v).strip().removeprefix("./") for v in _texts(data)}
    return [f for f in uploads.case_files(folder) if f not in named]


def _texts(node):
    if isinstance(node, dict):
        for v in node.values():
            yield from _texts(v)
    elif isinstance(node, list):
        for v in node:
            yield from _texts(v)
    elif isinstance(node, str):
        yield node


def office_label(office: dict) -> str:
    """An office by what tells it apart, from its data: its city and, for a sub-office, its own name
    ("Miami, Krome detained docket" beside "Miami"), never the key."""
    name = str(office.get("name") or office.get("key", "").replace("_", " "))
    return name.removeprefix("Office of the Chief Counsel, ")


def office_choices(offices: dict) -> dict[str, str]:
    """key -> what the office list shows, by city: "Los Angeles, Adelanto detained docket", never the key
    (a select jumps to the city typed, so the list is searchable by keyboard)."""
    def shown(key: str) -> str:
        return office_label({"key": key, **(offices[key] or {})})
    return {key: shown(key) for key in sorted(offices, key=lambda k: shown(k).lower())}


def _to_fill(findings) -> int:
    """How many of the errors only say a value is still to be typed: a checklist, not problems."""
    return sum(1 for f in findings if f.is_error and plain.to_fill(f.message))


def _under(path: str, key: str) -> bool:
    return path == key or path.startswith((f"{key}.", f"{key}["))


def case_file_of(folder: Path) -> Path:
    """The case file of `folder`; 403 when it is a link leading outside the folder (never read, never
    replaced: a save would turn the link into a file and hide what happened)."""
    file = find_case_file(folder) or folder / "case.yaml"
    problem = outside_folder(file, folder)
    if problem:
        raise HTTPException(403, problem.removeprefix(f"{file}: "))
    return file


async def edit_page(request: Request) -> Response:
    st = request.app.state.pdpacket
    name = request.path_params["name"]
    folder = st.case_dir(name)

    def load():
        file = case_file_of(folder)
        return (read_raw(file), findings_of(folder, st.config.options), sha256_of(file),
                signatures.dating_notes(folder, st.config.options), granted_on(folder, st.config.options))
    data, findings, base, dating, granted = await run_in_threadpool(load)
    saved = request.query_params.get("saved")
    # after a grant, what is next is the court papers, not a build (the web walk read "build the filing")
    return st.page(request, "edit.html", **edit_context(st, name, folder, data, findings, base, saved=saved,
                                                        dating=dating, granted=granted, court_tab=granted is not None))


async def case_json(request: Request) -> Response:
    st = request.app.state.pdpacket
    name = request.path_params["name"]
    folder = st.case_dir(name)
    row = await run_in_threadpool(cases.case_status, folder, st.config.options)
    data = await run_in_threadpool(read_raw, case_file_of(folder))
    return JSONResponse({**row.to_json(), "data": data, "sha256": cases.base_sha(folder),
                         "files": uploads.case_files(folder)})


async def _answers(request: Request) -> dict[str, list[str]]:
    submitted = await request.form(max_fields=20000, max_part_size=4 * 1024 * 1024)
    await require_csrf(request, submitted)
    return {k: [str(v) for v in submitted.getlist(k)] for k in submitted.keys()}


def _form_findings(file: Path, problems: list[form.FormProblem]) -> list[Finding]:
    return [Finding(str(file), p.path, p.message) for p in problems]


def _as_posted(answers: dict[str, list[str]]) -> dict:
    """What a page shown again must carry over from the post: its list of fields, each item's origin."""
    origins = {f"{k.removesuffix('._order')}[{i}]": word.strip()
               for k, v in answers.items() if k.endswith("._order") and v
               for i, word in enumerate(w for w in v[-1].split(",") if w.strip())}
    return {"origins": origins,
            "rendered": answers[FIELDS][-1] if answers.get(FIELDS) else None}


async def save_case(request: Request) -> Response:
    st = request.app.state.pdpacket
    name = request.path_params["name"]
    folder = st.case_dir(name)
    answers = await _answers(request)
    fields = form.case_fields()
    file = case_file_of(folder)
    base = (answers.get("overwrite") or answers.get("base_sha256") or [""])[-1]

    def locked_save():
        with _save_locks[str(folder)]:
            return save(file, fields, answers, base, overwrite=bool(answers.get("overwrite")))
    try:
        outcome = await run_in_threadpool(locked_save)
    except StaleForm as exc:
        raise HTTPException(400, str(exc)) from None
    except OSError as exc:
        raise HTTPException(500, f"{file} could not be written: {exc.strerror}") from exc
    if isinstance(outcome, Refused):
        findings = _form_findings(file, outcome.problems) + await run_in_threadpool(
            api.check_case_data, folder, outcome.doc, st.config.options, file.name)
        return st.page(request, "edit.html", status=400, **edit_context(
            st, name, folder, outcome.doc, findings, base, saved="no", **_as_posted(answers)))
    if isinstance(outcome, Conflict):
        findings = await run_in_threadpool(api.check_case_data, folder, outcome.doc, st.config.options,
                                           file.name)
        return st.page(request, "edit.html", status=409, **edit_context(
            st, name, folder, outcome.doc, findings, base, conflict=outcome, file_name=file.name,
            **_as_posted(answers)))
    return RedirectResponse(f"/case/{name}?saved={'yes' if outcome else 'same'}", status_code=303)


async def check_case(request: Request) -> Response:
    """What validate says about the form as it stands (not saved): for messages as the user types."""
    st = request.app.state.pdpacket
    folder = st.case_dir(request.path_params["name"])
    answers = await _answers(request)
    fields = form.case_fields()
    file = case_file_of(folder)
    raw = await run_in_threadpool(read_raw, file)
    changes = changes_of(fields, raw, answers, rendered_of(fields, raw, answers, check=False))
    doc = apply_plain(raw, changes, fields)
    findings = _form_findings(file, changes.problems) + await run_in_threadpool(
        api.check_case_data, folder, doc, st.config.options, file.name)
    placed, general = form.attach(findings, form.concrete_paths(fields, doc))
    return JSONResponse({
        "errors": len(errors_of(findings)), "warnings": len(warnings_of(findings)), "fill": _to_fill(findings),
        "placed": {path: [cases.finding_json(f) for f in found] for path, found in placed.items()},
        "general": [cases.finding_json(f) for f in general]})


async def upload(request: Request) -> Response:
    st = request.app.state.pdpacket
    name = request.path_params["name"]
    folder = st.case_dir(name)
    length = request.headers.get("content-length")
    if length is None or not length.isdigit():
        raise HTTPException(411, "the upload must say its size (Content-Length)")
    if int(length) > (uploads.UPLOAD_LIMIT_MB + 1) * 1024 * 1024:
        raise HTTPException(413, f"the upload is over {uploads.UPLOAD_LIMIT_MB} MB: send fewer or smaller files "
                                 "at a time")
    submitted = await request.form(max_files=50, max_fields=10)
    await require_csrf(request, submitted)
    results: list[dict] = []
    slot = str(submitted.get("slot") or "")  # "form": to a form's file (the Forms section)
    for item in submitted.getlist("files"):
        if isinstance(item, str):
            continue
        chunks = iter(partial(item.file.read, 1024 * 1024), b"")
        try:
            stored = await run_in_threadpool(uploads.store, folder, item.filename or "exhibit", chunks, None, slot)
        except uploads.UploadRefused as exc:
            results.append({"file": item.filename, "ok": False, "message": exc.message})
        else:
            results.append({"file": item.filename, "ok": True, "name": stored.name, "size": stored.size})
    await submitted.close()
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"results": results, "files": uploads.case_files(folder)})
    return st.page(request, "uploaded.html", name=name, results=results)


async def exhibits_json(request: Request) -> Response:
    st = request.app.state.pdpacket
    folder = st.case_dir(request.path_params["name"])
    raw = await run_in_threadpool(read_raw, case_file_of(folder))
    named = {e.get("file") for e in raw.get("exhibits") or [] if isinstance(e, dict)}
    named |= {(e.get("translation") or {}).get("file") for e in raw.get("exhibits") or []
              if isinstance(e, dict) and isinstance(e.get("translation"), dict)}
    return JSONResponse({"files": [{"name": f, "size": (folder / f).stat().st_size, "listed": f in named}
                                   for f in uploads.case_files(folder)]})


def routes() -> list[Route]:
    return [
        Route("/case/{name}.json", case_json),
        Route("/case/{name}", edit_page, methods=["GET"]),
        Route("/case/{name}/save", save_case, methods=["POST"]),
        Route("/case/{name}/check.json", check_case, methods=["POST"]),
        Route("/case/{name}/upload", upload, methods=["POST"]),
        Route("/case/{name}/exhibits.json", exhibits_json),
        *build_pages.routes(),
        *approve_page.routes(),
    ]
