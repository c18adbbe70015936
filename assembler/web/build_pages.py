"""The Build page: start a build, follow it, then see the filing, its warnings and its Word copies."""
from __future__ import annotations

import dataclasses
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from assembler import api
from assembler.errors import PdpacketError
from assembler.web import cases, signatures
from assembler.web.approve_page import CONFIRM
from assembler.web.jobs import STEP_WORDS
from assembler.web.state import State, build_page_action, require_csrf


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
    sent, status = st.sent.pop(name, (None, 200))  # shown once, after the redirect that follows Send
    approved, approve_status = st.approved.pop(name, (None, 200))  # likewise, after Approve
    row = await run_in_threadpool(cases.case_status, folder, st.config.options)
    last = await run_in_threadpool(last_build, folder)
    blocked = await run_in_threadpool(cases.send_available, folder, st.config.options)
    view = await run_in_threadpool(_approval, folder, st.config.options) if last else None
    dating = await run_in_threadpool(signatures.dating_notes, folder, st.config.options) if last else []
    job = st.builds.get(name)
    return st.page(request, "build.html", status=max(status, approve_status), name=name, row=row, last=last,
                   job=job, steps=STEP_WORDS, send_blocked=blocked or _not_ready(view), sent=sent, approval=view,
                   not_ready=[] if blocked or view is None else view.not_ready,
                   approved=approved, confirm=CONFIRM, dating=dating, granted=row.response == "granted")


def _approval(folder: Path, options: api.CommandOptions) -> api.ApprovalView | None:
    try:
        return api.approval_view(folder, options)
    except PdpacketError:
        return None  # an invalid case: the page says so


def _not_ready(view: api.ApprovalView | None) -> str | None:
    """Why Send is not offered: the filing is a draft, or a signature in ink is missing (send/gate.py)."""
    if view is None or not view.not_ready:
        return None
    return "Not ready to send: " + "; ".join(view.not_ready)  # the button's title; the page lists them


_SECURITY = {"none": "without encryption (no TLS)", "starttls": "encrypted (STARTTLS)", "tls": "encrypted (TLS)"}


def server_words(server: str) -> str:
    """"host:port (none)" (send/smtp.py Server) as the page says it: "host:port, without encryption (no TLS)"."""
    host, _, security = server.partition(" (")
    words = _SECURITY.get(security.rstrip(")"))
    return f"{host}, {words}" if words else server


_sending: set[Path] = set()  # cases being sent: a second press meanwhile must not send twice
_sending_lock = threading.Lock()


def _send(folder: Path, options: api.CommandOptions, again: bool) -> dict:
    """`pdpacket send` for the Send button: what went, or the message saying why nothing did."""
    key = folder.resolve()
    with _sending_lock:
        if key in _sending:
            return {"ok": False, "message": "This case is being sent already: wait for the result.", "problems": []}
        _sending.add(key)
    try:
        result = api.send_case(folder, options=options, again=again)
    except api.NoPassword as exc:  # its own words name a command: the browser has the Settings page instead
        return {"ok": False, "problems": [], "message": f"No password is set for the mail login {exc.user}: set it "
                "on the Settings page, under Sending e-mail, then press Send again."}
    except PdpacketError as exc:
        return {"ok": False, "message": exc.message,
                "problems": [cases.finding_json(p) for p in getattr(exc, "problems", [])]}
    finally:
        with _sending_lock:
            _sending.discard(key)
    return {"ok": True, "server": server_words(result.server), "recipients": result.messages[0].recipients,
            "messages": [{"number": m.number, "total": m.total, "message_id": m.message_id} for m in result.messages],
            "notes": result.notes}


async def send(request: Request) -> Response:
    """Send the built filing by e-mail (in a worker: the SMTP server may be slow), then show what happened.
    With "send again" ticked, a reload of the POST's own answer would e-mail the office twice: hence
    post, redirect, get (state.build_page_action)."""
    async def act(st: State, name: str, folder: Path, form: Any) -> dict:
        blocked = await run_in_threadpool(cases.send_available, folder, st.config.options)
        return ({"ok": False, "message": blocked, "problems": []} if blocked else
                await run_in_threadpool(_send, folder, st.config.options, form.get("again") == "on"))

    return await build_page_action(request, "A build of this case is running: send once it has finished.", act,
                                   lambda st: st.sent)


async def start_build(request: Request) -> Response:
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
    last = await run_in_threadpool(last_build, folder)
    view = await run_in_threadpool(_approval, folder, st.config.options) if last else None
    return JSONResponse({"job": job.to_json() if job else None, "last": last,
                         "approval": dataclasses.asdict(view) if view else None})


def routes() -> list[Route]:
    return [
        Route("/case/{name}/build", build_page, methods=["GET"]),
        Route("/case/{name}/build", start_build, methods=["POST"]),
        Route("/case/{name}/build.json", build_json),
        Route("/case/{name}/send", send, methods=["POST"]),
    ]
