"""The case's exhibit files from the browser: list, rename and delete, each after a confirmation page.

Without this an upload the user never named in the case (the page closed before Save) could
not be replaced from the browser: the next upload of the same name is refused, and only a file
manager could free it. A file the case names is renamed together with every place the case file
names it (one save, in the file's own layout); it is never deleted while the case names it, so a
click cannot leave the case pointing at nothing.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from assembler.web import form as web_form
from assembler.web import uploads
from assembler.web.casefile_edit import read_raw, rename_value
from assembler.web.editor import case_file_of
from assembler.web.state import require_csrf, state_of


@dataclass
class CaseFile:
    name: str  # as the case file names it: exhibits/<file>
    size: int
    named_by: list[str]  # what in the case names it, in words ("exhibit 'Birth certificate'")


def _names(raw: dict) -> dict[str, list[str]]:
    """Each file the case names, with the entries that name it."""
    found: dict[str, list[str]] = {}
    for entry in raw.get("exhibits") or []:
        if not isinstance(entry, dict):
            continue
        title = str(entry.get("title") or entry.get("id") or "untitled")
        if isinstance(entry.get("file"), str):
            found.setdefault(entry["file"], []).append(f"exhibit '{title}'")
        translation = entry.get("translation")
        if isinstance(translation, dict) and isinstance(translation.get("file"), str):
            found.setdefault(translation["file"], []).append(f"the translation of exhibit '{title}'")
    court = raw["court"] if isinstance(raw.get("court"), dict) else {}
    for forms, whose in ((raw.get("forms"), ""), (court.get("forms"), " of the court papers")):
        for form in forms if isinstance(forms, list) else []:
            if isinstance(form, dict) and isinstance(form.get("file"), str):
                found.setdefault(form["file"], []).append(_form_name(form) + whose)
    return found


def _form_name(form: dict) -> str:
    """"Form G-28", never its kind's key 'g28' (the web walk's files page): its title, else the kind's words."""
    if form.get("title"):
        return f"the form '{form['title']}'"
    forms = next(f for f in web_form.case_fields() if f.key == "forms")
    kind = next(c for c in forms.children if c.key == "kind")
    return "the " + kind.option(str(form.get("kind") or "")).split(" (")[0]


def listing(folder: Path, case_file: Path) -> list[CaseFile]:
    named = _names(read_raw(case_file))
    return [CaseFile(f, (folder / f).stat().st_size, named.get(f, [])) for f in uploads.case_files(folder)]


class FileRefused(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _existing(folder: Path, name: str) -> Path:
    if name not in uploads.case_files(folder):
        raise FileRefused(f"{name} is not an exhibit file of this case (it may have been renamed or deleted "
                          "meanwhile): reload the list")
    return folder / name


def delete(folder: Path, case_file: Path, name: str) -> None:
    path = _existing(folder, name)
    users = _names(read_raw(case_file)).get(name)
    if users:
        raise FileRefused(f"the file {Path(name).name} is named by {' and '.join(users)}: choose another file there or remove that "
                          "entry, save the case, then delete the file")
    path.unlink()


def rename(folder: Path, case_file: Path, name: str, new_name: str) -> str:
    """Give `name` the file name `new_name` (cleaned as uploads are, the kind of file kept); the case file
    follows. Returns the new name as the case names it."""
    path = _existing(folder, name)
    clean = uploads.clean_name(new_name)
    if Path(clean).suffix.lower() != path.suffix.lower():
        clean = f"{Path(clean).stem}{path.suffix.lower()}"
    target = path.with_name(clean)
    relative = f"{uploads.EXHIBITS_DIR}/{clean}"
    if relative == name:
        return name
    try:
        os.link(path, target)  # never replaces a file of that name
    except FileExistsError:
        raise FileRefused(f"the file {clean} is already among the case's files: choose another name") from None
    try:
        if case_file.is_file():
            rename_value(case_file, name, relative)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    path.unlink()
    return relative


# --- pages ---------------------------------------------------------------------------------------

def _case(request: Request) -> tuple[str, Path, Path]:
    name = request.path_params["name"]
    folder = state_of(request).case_dir(name)
    if request.path_params.get("action", "delete") not in ("delete", "rename"):
        raise HTTPException(404, "no such page")
    return name, folder, case_file_of(folder)


async def files_page(request: Request) -> Response:
    name, folder, case_file = _case(request)
    files = await run_in_threadpool(listing, folder, case_file)
    return state_of(request).page(request, "files.html", name=name, files=files,
                                  done=request.query_params.get("done", ""))


async def confirm_page(request: Request) -> Response:
    name, folder, case_file = _case(request)
    action = request.path_params["action"]
    chosen = request.query_params.get("file", "")
    found = [f for f in await run_in_threadpool(listing, folder, case_file) if f.name == chosen]
    if not found:
        raise HTTPException(404, "no such file in this case: it may have been renamed or deleted meanwhile")
    return state_of(request).page(request, "file_confirm.html", name=name, file=found[0], action=action)


async def change(request: Request) -> Response:
    name, folder, case_file = _case(request)
    action = request.path_params["action"]
    submitted = await request.form(max_fields=10)
    await require_csrf(request, submitted)
    chosen = str(submitted.get("file") or "")
    try:
        if action == "delete":
            await run_in_threadpool(delete, folder, case_file, chosen)
            done = f"{chosen} deleted"
        else:
            new = await run_in_threadpool(rename, folder, case_file, chosen, str(submitted.get("new_name") or ""))
            done = f"{chosen} is now {new}"
    except FileRefused as exc:
        found = [f for f in await run_in_threadpool(listing, folder, case_file) if f.name == chosen]
        return state_of(request).page(request, "file_confirm.html", status=409, name=name, action=action,
                                      file=found[0] if found else None, problem=exc.message)
    from urllib.parse import quote
    return RedirectResponse(f"/case/{name}/files?done={quote(done)}", status_code=303)


def routes() -> list[Route]:
    return [
        Route("/case/{name}/files", files_page, methods=["GET"]),
        Route("/case/{name}/files/{action:str}", confirm_page, methods=["GET"]),
        Route("/case/{name}/files/{action:str}", change, methods=["POST"]),
    ]
