"""The Approve button of the Build page: the attorney approves the filing they read (`pdpacket approve`).

The button asks the attorney to name themselves (one of the firm's attorneys, when the settings list
them) and to tick that they read the filing: an electronic signature is that act, never a default.
Once approved, the final filing is built at once ("/s/" signatures, no DRAFT mark).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from assembler import api
from assembler.errors import PdpacketError
from assembler.web.state import State, build_page_action

CONFIRM = "I have read this filing and approve it for filing and service; my /s/ signature may be printed on it."


def _approve(folder, name: str, options: api.CommandOptions) -> dict:
    try:
        done = api.approve(folder, name, options=options)
    except PdpacketError as exc:
        return {"ok": False, "message": exc.message}
    return {"ok": True, "by": done.by, "filing": done.filing.name, "notes": done.notes}


async def approve(request: Request) -> Response:
    """Record the approval, then start the build of the final filing."""
    async def act(st: State, name: str, folder: Path, form: Any) -> dict:
        if form.get("confirm") != "on":
            return {"ok": False, "message": f"Not approved: tick “{CONFIRM}” to approve the filing."}
        said = await run_in_threadpool(_approve, folder, str(form.get("as") or ""), st.config.options)
        if said["ok"]:
            st.builds.start(name, folder)  # the final filing, built now
        return said

    return await build_page_action(request, "A build of this case is running: approve the filing once it has "
                                            "finished and you have read it.", act, lambda st: st.approved)


def routes() -> list[Route]:
    return [Route("/case/{name}/approve", approve, methods=["POST"])]
