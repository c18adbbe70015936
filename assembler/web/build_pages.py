"""The Build page: start a build, follow it, then see the filing, its warnings and its Word copies."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from assembler.web import cases
from assembler.web.jobs import STEP_WORDS


def last_build(folder: Path) -> dict | None:
    """What out/ holds from the last build: the filing, its sections and tabs, the Word copies."""
    manifest = cases.last_manifest(folder)
    if not manifest:
        return None
    filing = manifest.get("filing") or {}
    out = folder / "out"
    if not (out / filing.get("file", "")).is_file():
        return None
    built = datetime.fromtimestamp((out / "manifest.json").stat().st_mtime).strftime("%Y-%m-%d %H:%M")
    docx = sorted(p.name for p in (out / "docx").glob("*.docx")) if (out / "docx").is_dir() else []
    parts = [p.get("file") for p in manifest.get("parts") or [] if p.get("file")]
    return {"filing": filing.get("file"), "pages": filing.get("pages"),
            "size_mb": round((filing.get("size_bytes") or 0) / (1024 * 1024), 2), "built": built,
            "sections": [{"tab": s.get("tab") or "", "title": s.get("title", ""),
                          "first": s.get("first_page"), "last": s.get("last_page")}
                         for s in manifest.get("sections") or []],
            "docx": docx, "parts": parts}


async def build_page(request: Request) -> Response:
    st = request.app.state.pdpacket
    name = request.path_params["name"]
    folder = st.case_dir(name)
    row = await run_in_threadpool(cases.case_status, folder, st.config.settings_file)
    last = await run_in_threadpool(last_build, folder)
    job = st.builds.get(name)
    return st.page(request, "build.html", name=name, row=row, last=last, job=job, steps=STEP_WORDS,
                   send_blocked=cases.send_available(folder))


async def start_build(request: Request) -> Response:
    from assembler.web.app import require_csrf
    st = request.app.state.pdpacket
    name = request.path_params["name"]
    folder = st.case_dir(name)
    await require_csrf(request, await request.form())
    job = st.builds.start(name, folder)
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse(job.to_json(), status_code=202)
    return RedirectResponse(f"/case/{name}/build", status_code=303)


async def build_json(request: Request) -> Response:
    st = request.app.state.pdpacket
    name = request.path_params["name"]
    folder = st.case_dir(name)
    job = st.builds.get(name)
    return JSONResponse({"job": job.to_json() if job else None,
                         "last": await run_in_threadpool(last_build, folder)})


def routes() -> list[Route]:
    return [
        Route("/case/{name}/build", build_page, methods=["GET"]),
        Route("/case/{name}/build", start_build, methods=["POST"]),
        Route("/case/{name}/build.json", build_json),
    ]
