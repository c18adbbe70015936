"""The web app: routes, and the state they share (cases folder, token, builds).

Every page is rendered on the server from the same data its JSON twin returns
(`/cases.json`, `/case/NAME.json`, `/case/NAME/build.json`, `/templates.json`).
The app calls `assembler.api` only; it never starts `pdpacket`.
"""
from __future__ import annotations

import re
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from assembler import api
from assembler.errors import PdpacketError
from assembler.web import (
    cases,
    court_page,
    editor,
    exhibit_files,
    hand_edits,
    law_page,
    record,
    security,
    settings_page,
    signatures,
)
from assembler.web.security import Guard
from assembler.web.state import HERE, Config, State, require_csrf, state_of

# --- cases ---------------------------------------------------------------------------------

async def cases_page(request: Request) -> Response:
    st = state_of(request)
    query = request.query_params.get("q", "")
    rows = await run_in_threadpool(cases.list_cases, st.root, st.config.options, query)
    return st.page(request, "cases.html", rows=rows, query=query, root=st.root)


async def cases_json(request: Request) -> Response:
    st = state_of(request)
    rows = await run_in_threadpool(cases.list_cases, st.root, st.config.options,
                                   request.query_params.get("q", ""))
    return JSONResponse({"folder": str(st.root), "cases": [r.to_json() for r in rows]})


async def new_case_page(request: Request) -> Response:
    return state_of(request).page(request, "new.html", name="", error="")


async def new_case(request: Request) -> Response:
    st = state_of(request)
    form = await request.form()
    await require_csrf(request, form)
    typed = str(form.get("name", "")).strip()
    # The folder's name is a slug of what was typed ("Pineda Castro Lucía" -> pineda-castro-lucia): a name
    # with spaces or accents breaks the commands people copy and some sync tools; a path is refused.
    name = "" if re.search(r"[/\\]|^\.", typed) else cases.folder_slug(typed)
    error = ""
    if not cases.valid_case_name(name):
        error = ("Use letters, digits, spaces, dots, _ and - only (at most 100), starting with a letter or "
                 "a digit, e.g. garcia-lopez-maria")
    elif (st.root / name).exists():
        error = f"There is already a folder named {name} in {st.root}: choose another name, or open that case"
    if error:
        return st.page(request, "new.html", status=400, name=typed, error=error)
    try:
        await run_in_threadpool(cases.new_case, st.root / name, st.config.options)
    except (OSError, PdpacketError) as exc:
        return st.page(request, "new.html", status=400, name=name,
                       error=f"The case folder could not be created: {getattr(exc, 'message', exc)}")
    return RedirectResponse(f"/case/{name}", status_code=303)


# --- files of a case -----------------------------------------------------------------------------

MEDIA = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
         ".tif": "image/tiff", ".tiff": "image/tiff", ".heic": "image/heic", ".heif": "image/heic",
         ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         ".odt": "application/vnd.oasis.opendocument.text", ".json": "application/json", ".eml": "message/rfc822"}


def case_file(request: Request) -> tuple[State, Path, Path]:
    st = state_of(request)
    folder = st.case_dir(request.path_params["name"])
    try:
        target = security.inside(folder, request.path_params["path"])
    except security.OutsideFolder:
        raise HTTPException(404, "no such file in this case") from None
    if not target.is_file():
        raise HTTPException(404, "no such file in this case")
    return st, folder, target


async def file_download(request: Request) -> Response:
    _, _, target = case_file(request)
    media = MEDIA.get(target.suffix.lower())
    if media is None:
        raise HTTPException(404, "this kind of file is not served")
    data = await run_in_threadpool(target.read_bytes)
    disposition = "inline" if target.suffix.lower() in (".pdf", ".jpg", ".jpeg", ".png") else "attachment"
    return Response(data, media_type=media, headers={
        "content-disposition": f"{disposition}; filename=\"{target.name}\""})


async def thumbnail(request: Request) -> Response:
    from assembler.web.uploads import thumbnail as make
    _, _, target = case_file(request)
    png = await run_in_threadpool(make, target)
    if png is None:
        raise HTTPException(404, "no picture of this kind of file")
    return Response(png, media_type="image/png")


# --- templates -------------------------------------------------------------------------------------

def _source_words(source: str) -> str:
    """Where a template comes from, in words (documents/choose.py names the folders for the CLI)."""
    if source == "default":
        return "pdpacket's own"
    if source.startswith("case set"):
        return f"the firm's template set {source.removeprefix('case set ')}"
    return "the firm's templates"


def _templates_report(st: State) -> dict:
    report: dict = {"settings": str(st.config.firm_settings or ""), "roles": [], "findings": [], "error": ""}
    firm = api.CommandOptions.of(st.config.firm_settings)  # the cases folder's settings, without a case
    try:
        chosen = api.list_templates(firm)
        report["roles"] = [{"role": str(role), "source": _source_words(c.source), "path": str(c.path),
                            "name": c.path.name} for role, c in chosen.items()]
        report["findings"] = [cases.finding_json(f) for f in api.check_templates(None, firm)]
    except PdpacketError as exc:
        report["error"] = exc.message
    return report


async def templates_page(request: Request) -> Response:
    st = state_of(request)
    report = await run_in_threadpool(_templates_report, st)
    return st.page(request, "templates.html", report=report)


async def templates_json(request: Request) -> Response:
    st = state_of(request)
    return JSONResponse(await run_in_threadpool(_templates_report, st))


# --- errors ------------------------------------------------------------------------------------------

async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if request.url.path.endswith(".json") or "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code)
    if exc.status_code in (404, 403, 400, 413, 411):
        return state_of(request).page(request, "error.html", status=exc.status_code, status_code=exc.status_code,
                                      message=exc.detail)
    return PlainTextResponse(str(exc.detail), status_code=exc.status_code)


def create_app(config: Config) -> Guard:
    routes = [
        Route("/", cases_page),
        Route("/cases.json", cases_json),
        Route("/new", new_case_page, methods=["GET"]),
        Route("/new", new_case, methods=["POST"]),
        Route("/templates", templates_page),
        Route("/templates.json", templates_json),
        *editor.routes(),
        *exhibit_files.routes(),
        *record.routes(),
        *court_page.routes(),
        *signatures.routes(),
        *hand_edits.routes(),
        *settings_page.routes(),
        *law_page.routes(),
        Route("/case/{name}/file/{path:path}", file_download),
        Route("/case/{name}/thumb/{path:path}", thumbnail),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: http_error})
    app.state.pdpacket = State(config)
    editor.install_helpers(app.state.pdpacket.templates.env)
    return Guard(app, config.token, app.state.pdpacket,
                 hosts=security.allowed_hosts(config.host, config.port, config.allow_hosts))
