"""Hand edits from the browser: start an edited copy of a document, download it to change in Word,
upload it back, see when the case changed under it (and what), refresh it. The same library calls
as `pdpacket edit` (api.start_edit); before this page the web app linked to out/docx/, which every
build overwrites, so a change made there was lost at the next build.

An uploaded copy never overwrites the one in edits/ unasked: the previous copy is kept beside it as
<name>.old-<date>.docx (documents/edits.keep_old_copy), so no hand edit is ever lost.
"""
from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from assembler import api
from assembler.errors import InputFileError, PdpacketError
from assembler.web import uploads
from assembler.web.state import require_csrf, state_of

UPLOAD_LIMIT_MB = 50


@dataclass
class Document:
    name: str  # as in docx/: 01-request-letter.docx
    edited: bool = False
    state: str = ""  # current, out of date, no record to compare
    changed: list[str] = field(default_factory=list)  # what the case changed since the copy was made


class EditRefused(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def documents(folder: Path, options: api.CommandOptions) -> list[Document]:
    started = api.start_edit(folder, None, api.BuildOptions(options.settings_file))
    found = []
    for name in started.names:
        e = started.edited.get(name)
        found.append(Document(name, e is not None, e.state if e else "", e.changed if e else []))
    return found


def _name(folder: Path, options: api.CommandOptions, wanted: str) -> str:
    names = [d.name for d in documents(folder, options)]
    if wanted not in names:
        raise EditRefused(f"'{wanted}' is not a document of this case: reload the page")
    return wanted


def start(folder: Path, options: api.CommandOptions, name: str, refresh: bool) -> api.StartedEdit:
    return api.start_edit(folder, _name(folder, options, name), api.BuildOptions(options.settings_file),
                          refresh=refresh)


def put_back(folder: Path, options: api.CommandOptions, name: str, uploaded: Path) -> Path | None:
    """The user's edited copy into edits/<name>; returns where the previous copy was kept (or None)."""
    return api.bring_back_edit(folder, _name(folder, options, name), uploaded)


def stop(folder: Path, options: api.CommandOptions, name: str) -> Path:
    """Stop using the edited copy: it is moved aside (kept), the next build renders the document."""
    return api.set_edit_aside(folder, _name(folder, options, name))


# --- pages ---------------------------------------------------------------------------------------

async def edits_page(request: Request, problem: str = "", status: int = 200, passages=None) -> Response:
    st = state_of(request)
    name = request.path_params["name"]
    folder = st.case_dir(name)
    try:
        found = await run_in_threadpool(documents, folder, st.config.options)
    except PdpacketError as exc:
        found, problem, status = [], exc.message, 409
    return st.page(request, "edits.html", status=status, name=name, documents=found, problem=problem,
                   passages=passages or [], done=request.query_params.get("done", ""))


async def change(request: Request) -> Response:
    st = state_of(request)
    name = request.path_params["name"]
    folder = st.case_dir(name)
    action = request.path_params["action"]
    if action not in ("start", "refresh", "upload", "stop"):
        raise HTTPException(404, "no such page")
    submitted = await request.form(max_files=1, max_fields=10)
    await require_csrf(request, submitted)
    document = str(submitted.get("document") or "")
    private = Path(tempfile.mkdtemp(prefix=".upload-", dir=folder))
    options = st.config.options
    try:
        if action in ("start", "refresh"):
            started = await run_in_threadpool(start, folder, options, document, action == "refresh")
            if action == "refresh":
                done = (f"A fresh copy of {document} is ready; your edited copy is kept as "
                        f"{started.kept.name if started.kept else 'before'}")
                return await edits_page(request, passages=[(p.yours, p.fresh) for p in started.passages]) \
                    if started.passages else _back(name, done)
            return _back(name, f"{document} can now be edited: download it, change it in Word, upload it back")
        if action == "stop":
            kept = await run_in_threadpool(stop, folder, options, document)
            return _back(name, f"{document} is rendered from the case again; your edited copy is kept as {kept.name}")
        item = submitted.get("file")
        if item is None or isinstance(item, str) or not item.filename:
            raise EditRefused("choose the edited Word file to upload")
        uploaded = private / "upload.docx"
        try:
            await uploads.receive(item, uploaded, UPLOAD_LIMIT_MB)
        except uploads.UploadRefused as exc:
            raise EditRefused(f"{exc.message}: is it the right document?") from None
        replaced: Path | None = await run_in_threadpool(put_back, folder, options, document, uploaded)
        return _back(name, f"your edited {document} is in the case; the next build uses it"
                     + (f" (the previous copy is kept as {replaced.name})" if replaced else ""))
    except (EditRefused, InputFileError) as exc:
        return await edits_page(request, exc.message, 400)
    except PdpacketError as exc:
        return await edits_page(request, exc.message, 409)
    finally:
        await submitted.close()
        shutil.rmtree(private, ignore_errors=True)


def _back(name: str, done: str) -> Response:
    return RedirectResponse(f"/case/{name}/edits?done={quote(done)}", status_code=303)


def routes() -> list[Route]:
    return [
        Route("/case/{name}/edits", edits_page, methods=["GET"]),
        Route("/case/{name}/edits/{action:str}", change, methods=["POST"]),
    ]
