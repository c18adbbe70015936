"""The Court papers page: once the office agreed, the joint motions made from the case's Court section
(issue 26: "the web app covers the whole job"; the command line's `pdpacket court`, docs/attorney/court.md).

It says what goes into the papers, makes them in the background like a build (jobs.py: progress, a
deadline, the warnings in the web's words), then lists the files with their page counts. The files are
served from the case's out/ folder only, and only those the papers' manifest names: a name in the address
cannot reach anything else in the case folder.
"""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from assembler import api
from assembler.errors import PdpacketError
from assembler.web import cases, security
from assembler.web.state import require_csrf, state_of

MANIFEST = "court-manifest.json"  # court.py writes it beside the filing, in out/
FORM_WORDS = {"eoir28": "Form EOIR-28", "eoir27": "Form EOIR-27"}


def papers_made(folder: Path) -> dict | None:
    """What out/ holds from the last time the court papers were made: each file (it must still be there),
    its pages and size; None when they were never made."""
    out = folder / "out"
    try:
        manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    entries = manifest.get("files") if isinstance(manifest, dict) else None
    files = []
    for entry in entries if isinstance(entries, list) else []:
        filing = entry.get("filing") if isinstance(entry, dict) else None
        name = str(filing.get("file") or "") if isinstance(filing, dict) else ""
        if _servable(out, name):
            files.append({"file": name, "pages": filing.get("pages"),  # type: ignore[union-attr]
                          "size_mb": round((out / name).stat().st_size / (1024 * 1024), 2)})
    if not files:
        return None
    made = datetime.fromtimestamp((out / MANIFEST).stat().st_mtime).strftime("%Y-%m-%d %H:%M")
    return {"made": made, "files": files}


def _servable(out: Path, name: str) -> bool:
    """A PDF directly inside out/ (a manifest is a file anyone could edit: its names are checked too)."""
    if not name or "/" in name or "\\" in name or not name.lower().endswith(".pdf"):
        return False
    try:
        return security.inside(out, name).is_file()
    except security.OutsideFolder:
        return False


def granted_on(folder: Path, options: api.CommandOptions) -> str | None:
    """The day the office's answer "granted" was recorded (the ledger), or None: not granted, or unreadable."""
    try:
        st = api.case_status(folder, options)
    except PdpacketError:
        return None
    return (st.response_date or "") if st.response == "granted" else None


def what_goes_in(folder: Path, options: api.CommandOptions) -> dict:
    """What the papers will hold, from the case's Court section; `error` when the case cannot be read."""
    try:
        case = api.validate_case(folder, options)
    except PdpacketError as exc:
        return {"error": exc.message, "motions": []}
    own = case.data.get("court") or {}
    forms = [FORM_WORDS.get(str(f.get("kind")), str(f.get("title") or "a form"))
             for f in own.get("forms") or [] if isinstance(f, dict)]
    return {"error": "", "motions": api.court_motions(case.data), "facts": str(own.get("facts") or ""),
            "ground": api.court_ground(case.data), "waive_appeal": bool(own.get("waive_appeal")),
            "forms": forms}


def _view(folder: Path, options: api.CommandOptions) -> dict:
    row = cases.case_status(folder, options)
    return {"row": row, "granted": row.response == "granted", "made": papers_made(folder),
            "papers": what_goes_in(folder, options)}


async def court_page(request: Request) -> Response:
    st = state_of(request)
    name = request.path_params["name"]
    folder = st.case_dir(name)
    view = await run_in_threadpool(_view, folder, st.config.options)
    return st.page(request, "court.html", name=name, job=st.builds.get_court(name), **view)


async def start(request: Request) -> Response:
    st = state_of(request)
    name = request.path_params["name"]
    folder = st.case_dir(name)
    await require_csrf(request, await request.form())
    job = st.builds.start_court(name, folder)
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse(job.to_json(), status_code=202)
    return RedirectResponse(f"/case/{name}/court", status_code=303)


async def court_json(request: Request) -> Response:
    st = state_of(request)
    name = request.path_params["name"]
    folder = st.case_dir(name)
    job = st.builds.get_court(name)
    made = await run_in_threadpool(papers_made, folder)
    return JSONResponse({"job": job.to_json() if job else None, "made": made})


async def download(request: Request) -> Response:
    st = state_of(request)
    out = st.case_dir(request.path_params["name"]) / "out"
    made = await run_in_threadpool(papers_made, out.parent)
    name = request.path_params["file"]
    if made is None or name not in [f["file"] for f in made["files"]]:
        raise HTTPException(404, "no such court paper in this case: make them on this case's Court papers page")
    data = await run_in_threadpool((out / name).read_bytes)
    return Response(data, media_type="application/pdf",
                    headers={"content-disposition": f"inline; filename=\"{name}\""})


def routes() -> list[Route]:
    return [
        Route("/case/{name}/court", court_page, methods=["GET"]),
        Route("/case/{name}/court", start, methods=["POST"]),
        Route("/case/{name}/court.json", court_json),
        Route("/case/{name}/court/file/{file}", download),
    ]
