"""The web app's Law page: the law table the firm's filings cite (casefile/law.py: pdpacket's data with the
firm's entries over it), and a form for the attorney to record that an entry was checked against its source,
written into the firm's settings (law: entries:) by the same writer as the Settings page, keeping the file's
comments and other keys. A build's warning about law never checked links here."""
from __future__ import annotations

import re
from datetime import date

from markupsafe import Markup, escape
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


def _label(text: str, limit: int = 90) -> str:
    """An entry named by its own words, cut at a word when long (a link to it, in another entry's note)."""
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


def _linked(note: str, texts: dict[str, str]) -> Markup:
    """The note with each other entry's key ("see bond.present_without_admission") as a link to that entry,
    labelled by its text: the key is the law table's name for it, not a reader's."""
    if not texts:
        return Markup(escape(note))
    keys = re.compile(r"\b(" + "|".join(re.escape(k) for k in sorted(texts, key=len, reverse=True)) + r")\b")
    out, at = [], 0
    for m in keys.finditer(note):
        out += [escape(note[at:m.start()]), Markup('<a href="#{}">“{}”</a>').format(m[1], _label(texts[m[1]]))]
        at = m.end()
    return Markup("").join([*out, escape(note[at:])])


def heading(entry: dict) -> str:
    """An entry's text as a heading: a stage rule's {what} (the verb of each relief it applies to, filled in
    when validation says it) named by those verbs, and a capital first letter (the web re-walk read the raw
    "{what}" and lower-case fragments)."""
    verbs = list(dict.fromkeys(v for stages in (entry.get("applies") or {}).values() if isinstance(stages, dict)
                               for v in stages.values()))
    what = (", ".join(verbs[:-1]) + " or " + verbs[-1]) if len(verbs) > 1 else (verbs[0] if verbs else "act on")
    text = str(entry["text"]).replace("{what}", what)
    return text[:1].upper() + text[1:]


def shown(entries: list[dict]) -> list[dict]:
    """The entries as the page shows them: those that need a check first (never checked, not verified, or
    checked too long ago), each with its checked state in words; the project's own note (how it read the
    source) kept whole for a folded section, said to come before the firm's check when the firm recorded one."""
    texts = {e["key"]: heading(e) for e in entries}
    out = []
    for e in entries:
        changed = e.get("changed") or []
        firm = e.get("checked_by") and ("checked_on" in changed or changed == ["added"])
        if firm:
            state = f"Checked by {e['checked_by']} on {e['checked_on']}"
        elif e.get("verified"):
            state = f"Checked against its source by the pdpacket project on {e['checked_on']}"
        elif e.get("checked_on"):
            state = f"Written down {e['checked_on']}, not yet checked against its source"
        else:
            state = "Not yet checked against its source"
        own_note = "note" in changed or changed == ["added"]
        out.append({**e, "heading": heading(e), "state": state, "firm_checked": bool(firm), "needs_check": bool(e.get("stale")) or not
                    e.get("verified"), "firm_note": _linked(e["note"], texts) if own_note and e.get("note") else "",
                    "project_note": _linked(e["note"], texts) if e.get("note") and not own_note else ""})
    return sorted(out, key=lambda e: not e["needs_check"])  # stable: the table's order within each group


async def _page(request: Request, status: int = 200, errors: dict | None = None, typed: dict | None = None,
                saved: str = "") -> Response:
    st = state_of(request)
    options = api.CommandOptions.of(_target(st) if _target(st).is_file() else None)
    try:
        entries = await run_in_threadpool(api.law_entries, options)
        problem = ""
    except PdpacketError as exc:  # the settings file has a problem: the Settings page and a build say which
        entries, problem = [], exc.message
    return st.page(request, "law.html", status=status, entries=shown(entries), problem=problem, errors=errors or {},
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
