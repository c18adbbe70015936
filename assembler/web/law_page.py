"""The web app's Law page: the law table the firm's filings cite (casefile/law.py: pdpacket's data with the
firm's entries over it), and a form for the attorney to record that an entry was checked against its source,
written into the firm's settings (law: entries:) by the same writer as the Settings page, keeping the file's
comments and other keys. A build's warning about law never checked links here."""
from __future__ import annotations

from datetime import date

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from assembler import api
from assembler.errors import PdpacketError
from assembler.web.state import require_csrf, state_of


def _target(st):
    """The settings file the builds of this folder use (the app's --settings, or the cases folder's own)."""
    return st.config.options.settings_file or st.root / "pdpacket.yaml"


async def _page(request: Request, status: int = 200, errors: dict | None = None, typed: dict | None = None,
                saved: str = "") -> Response:
    st = state_of(request)
    options = api.CommandOptions.of(_target(st) if _target(st).is_file() else None)
    try:
        entries = await run_in_threadpool(api.law_entries, options)
        problem = ""
    except PdpacketError as exc:  # the settings file has a problem: the Settings page and a build say which
        entries, problem = [], exc.message
    return st.page(request, "law.html", status=status, entries=entries, problem=problem, errors=errors or {},
                   typed=typed or {}, saved=saved, today=api.today().isoformat())


async def law_page(request: Request) -> Response:
    return await _page(request, saved=request.query_params.get("saved", ""))


async def record_check(request: Request) -> Response:
    st = state_of(request)
    form = await request.form()
    await require_csrf(request, form)
    typed = {name: str(form.get(name, "")).strip() for name in ("key", "checked_on", "checked_by", "text", "source")}
    errors: dict[str, str] = {}
    try:
        day = date.fromisoformat(typed["checked_on"])
        if day > api.today():
            errors["checked_on"] = "This day is still to come: enter the day the entry was checked"
    except ValueError:
        errors["checked_on"] = "Enter the day the entry was checked against its source, e.g. 2026-12-01"
    if not typed["checked_by"]:
        errors["checked_by"] = "Enter the name of the attorney who checked it"
    if errors:
        return await _page(request, 400, errors, typed)
    check = api.LawCheck(typed["key"], typed["checked_on"], typed["checked_by"], typed["text"], typed["source"])
    try:
        known = {e["key"] for e in await run_in_threadpool(api.law_entries, api.CommandOptions.of(
            _target(st) if _target(st).is_file() else None))}
        if check.key not in known:
            return await _page(request, 400, {"form": "No such entry in the law table: reload the page"}, typed)
        await run_in_threadpool(api.record_law_check, _target(st), check)
    except PdpacketError as exc:
        return await _page(request, 400, {"form": exc.message}, typed)
    return RedirectResponse(f"/law?saved={check.key}#{check.key}", status_code=303)


def routes() -> list[Route]:
    return [Route("/law", law_page, methods=["GET"]), Route("/law", record_check, methods=["POST"])]
