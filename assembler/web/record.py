"""Recording what happened outside pdpacket, from the browser: a request sent by mail, by hand or
through a portal, and the office's answer with its decision. The same library calls as `pdpacket log`
(api.log_sent, api.log_response), so the ledger and `status` cannot tell which was used; before this
page the web app printed that command for the user to copy.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from datetime import date
from pathlib import Path
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from assembler import api
from assembler.errors import PdpacketError
from assembler.web import cases, uploads
from assembler.web.state import require_csrf, state_of

# In the words the page shows; the keys are the ledger's (send/ledger.py METHODS and OUTCOMES).
METHODS = {"mail": "By mail", "hand": "By hand", "portal": "Through the office's portal", "fax": "By fax",
           "eservice": "Through electronic service (ECAS)", "email": "By e-mail from another program"}
OUTCOMES = {"granted": "Granted", "partial": "Granted in part", "denied": "Denied",
            "no-response": "No answer (the office said it will not answer)"}
DECISION_LIMIT_MB = 50


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        raise RecordRefused(f"'{text}' is not a date: choose one in the date field") from None


class RecordRefused(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


_SYSTEM_ACCOUNTS = {"root", "system", "administrator", "nobody", "daemon", "www-data"}


def person(user: str | None) -> str | None:
    """Who recorded an event, for the page: a person's account name, or None for a system account (the web
    app run as root, a service): "recorded on this computer" then, not "by root". The ledger keeps it as is."""
    if not user or user.lower() in _SYSTEM_ACCOUNTS:
        return None
    try:
        import pwd  # not on Windows

        return None if 0 < pwd.getpwnam(user).pw_uid < 1000 else user  # Linux's system accounts
    except (ImportError, KeyError):
        return user


def history(folder: Path, options: api.CommandOptions) -> list[dict]:
    """What the ledger holds of this case's sendings and answers, oldest first, in the page's words."""
    try:
        events = api.case_history(folder, options)
    except PdpacketError:
        return []  # an invalid case or a damaged ledger: the page's head says so
    rows = []
    for e in events:
        if e.kind == "send":
            part = f" (message {e.message_number} of {e.message_total})" if (e.message_total or 0) > 1 else ""
            what = f"Sent by e-mail with pdpacket{part}" + (f" to {', '.join(e.recipients)}" if e.recipients else "")
        elif e.kind == "sent-other":
            what = f"Sent {METHODS.get(e.method or '', e.method or 'another way').lower()}"
        elif e.kind == "response":
            what = f"Answer: {OUTCOMES.get(e.outcome or '', e.outcome or '')}"
        else:
            continue  # builds, drafts and approvals are the Build page's
        file = e.file if e.kind == "response" and e.file else ""
        label = f"The decision ({OUTCOMES.get(e.outcome or '', e.outcome or '').lower()})" if file else ""
        rows.append({"day": e.day, "what": what, "note": e.note or "", "file": file, "label": label, "by": person(e.user),
                     "at": (e.at or "")[:16].replace("T", " ")})
    return rows


_FILING = re.compile(r"^[^:]+\.pdf: its certificate")  # the filing's path: the page is the case's own

async def record_page(request: Request, problem: str = "", status: int = 200) -> Response:
    st = state_of(request)
    name = request.path_params["name"]
    folder = st.case_dir(name)
    row = await run_in_threadpool(cases.case_status, folder, st.config.options)
    recorded = await run_in_threadpool(history, folder, st.config.options)
    return st.page(request, "record.html", status=status, name=name, row=row, methods=METHODS, outcomes=OUTCOMES,
                   today=date.today().isoformat(), problem=problem, done=request.query_params.get("done", ""),
                   warn=[w for w in request.query_params.get("warn", "").split("\n") if w],
                   recorded=recorded)


async def record(request: Request) -> Response:
    st = state_of(request)
    name = request.path_params["name"]
    folder = st.case_dir(name)
    what = request.path_params["what"]
    if what not in ("sent", "answer"):
        raise HTTPException(404, "no such page")
    submitted = await request.form(max_files=1, max_fields=10)
    await require_csrf(request, submitted)
    private = Path(tempfile.mkdtemp(prefix=".decision-", dir=folder))
    try:
        day = _day(str(submitted.get("date") or ""))
        note = str(submitted.get("note") or "").strip() or None
        if what == "sent":
            method = str(submitted.get("method") or "")
            if method not in METHODS:
                raise RecordRefused("choose how the request was sent")
            event, notes = await run_in_threadpool(api.log_sent, folder, day, method, st.config.options, note)
            # Served by mail or hand: where the filing dated that day is, or why it was not dated anew (a
            # warning, shown as one: recorded, but the filing on file does not say that day).
            shown = [n.replace(f"{folder}{os.sep}", "") for n in notes]  # the case's own files by their names in it
            done = "; ".join([f"Recorded: sent {METHODS[method].lower()} on {event.day}",
                              *(n for n in shown if not n.startswith("warning: "))])
            warn = "\n".join(_FILING.sub("The filing's certificate", n.removeprefix("warning: "))
                             for n in shown if n.startswith("warning: "))
        else:
            outcome = str(submitted.get("outcome") or "")
            if outcome not in OUTCOMES:
                raise RecordRefused("choose the office's answer")
            decision = await _decision(submitted.get("decision"), private)
            event, _ = await run_in_threadpool(api.log_response, folder, outcome, day, note, decision,
                                               st.config.options)
            warn = ""
            done = f"Recorded: {OUTCOMES[outcome].lower()} on {event.day}" + (
                ", the decision kept with the case (a link below)" if event.file else "")
    except RecordRefused as exc:
        return await record_page(request, exc.message, 400)
    except PdpacketError as exc:
        return await record_page(request, _plain(exc.message), 400)
    finally:
        await submitted.close()
        shutil.rmtree(private, ignore_errors=True)
    return RedirectResponse(f"/case/{name}/record?done={quote(done)}" + (f"&warn={quote(warn)}" if warn else ""),
                            status_code=303)


async def _decision(item, private: Path) -> Path | None:
    """The decision's upload in a private folder of the case (api.log_response copies it into responses/)."""
    if item is None or isinstance(item, str) or not item.filename:
        return None
    target = private / uploads.clean_name(item.filename)
    try:
        size = await uploads.receive(item, target, DECISION_LIMIT_MB)
    except uploads.UploadRefused:
        raise RecordRefused(f"the decision is over {DECISION_LIMIT_MB} MB: scan it at a lower resolution") from None
    if size == 0:
        raise RecordRefused(f"'{item.filename}' is empty (0 bytes): choose the file again")
    return target


def _plain(message: str) -> str:
    """The library's message without the command line's words for a date (the page has a date field)."""
    return message.replace("--date ", "the date ").replace(", or leave --date out for today", "")


def routes() -> list[Route]:
    return [
        Route("/case/{name}/record", record_page, methods=["GET"]),
        Route("/case/{name}/record/{what:str}", record, methods=["POST"]),
    ]
