"""The web app's shared state: its configuration, what every request handler reaches through
`request.app.state.pdpacket`, and the CSRF check the handlers that change something make."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import jinja2
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.templating import Jinja2Templates

from assembler import __version__, api
from assembler.web import cases, plain, security
from assembler.web.jobs import Builds

HERE = Path(__file__).resolve().parent


class _Compiled(jinja2.BytecodeCache):
    """The pages' templates compiled once a process, for every app made in it: `serve` makes one, the
    tests make hundreds, and compiling the templates each app renders was an eighth of their time. Jinja
    keeps a checksum of each template's source beside its code: an edited template is compiled anew."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_COMPILED = _Compiled()


@dataclass
class Config:
    root: Path  # the cases folder
    token: str
    jobs: int = 2
    options: api.CommandOptions = api.NO_OPTIONS  # what `serve` was given: the settings file
    # Where it listens, and the other names it answers to (--allow-host): requests naming
    # anything else in their Host header get 400 (security.Guard).
    host: str = "127.0.0.1"
    port: int = 8765
    allow_hosts: tuple[str, ...] = ()
    keep: bool = False  # its first LibreOffice is the keeper (convert/keeper.py), left running when it stops

    @property
    def firm_settings(self) -> Path | None:
        """The settings the cases use: --settings, or pdpacket.yaml in the cases folder (see settings.py)."""
        if self.options.settings_file:
            return self.options.settings_file
        beside = self.root / "pdpacket.yaml"
        return beside if beside.is_file() else None


class State:
    def __init__(self, config: Config):
        self.config = config
        self.root = config.root.resolve()
        self.builds = Builds(config.jobs, config.options, config.keep)
        # What the last press of Send did, per case, for the page the browser is sent to next:
        # the answer to the POST is a redirect, so reloading that page cannot send again.
        self.sent: dict[str, tuple[dict, int]] = {}
        self.approved: dict[str, tuple[dict, int]] = {}  # what the last press of Approve did, likewise
        self.read_back: dict[str, dict] = {}  # the report of the signed scans last read (Signatures page), likewise
        self.csrf = security.csrf_token(config.token)
        self.templates = Jinja2Templates(directory=str(HERE / "templates"))
        self.templates.env.globals.update(version=__version__, csrf=self.csrf)
        # Every message a page shows, in the web app's words (plain.py); `fill`: a value still to type.
        self.templates.env.filters.update(plain=plain.plain, where=plain.where, linked=plain.linked,
                                          filename=plain.filename)
        self.templates.env.tests["to_fill"] = plain.to_fill
        self.templates.env.bytecode_cache = _COMPILED

    def case_dir(self, name: str) -> Path:
        """The case folder `name` names, or 404: a plain folder directly inside the cases folder."""
        if not cases.valid_case_name(name):
            raise HTTPException(404, "no such case")
        folder = self.root / name
        if folder.is_symlink() or not folder.is_dir() or folder.resolve().parent != self.root:
            raise HTTPException(404, "no such case")
        return folder

    def page(self, request: Request, template: str, status: int = 200, **context) -> Response:
        return self.templates.TemplateResponse(request, template, context, status_code=status)


def state_of(request: Request) -> State:
    return request.app.state.pdpacket


async def require_csrf(request: Request, form=None) -> None:
    given = request.headers.get("x-csrf-token") or (form.get("csrf") if form is not None else None)
    if not security.check_csrf(state_of(request).config.token, given):
        raise HTTPException(403, "the form has expired or came from another site: reload the page and try again")


async def build_page_action(request: Request, busy: str, act: Callable[[State, str, Path, object], Awaitable[dict]],
                            answers: Callable[[State], dict[str, tuple[dict, int]]]) -> Response:
    """A button of the Build page (Approve, Send): refused while a build of the case runs, else `act`;
    its answer as JSON, or kept in `answers` for the Build page to show after a redirect (post,
    redirect, get: a reload must not approve or send again)."""
    st = request.app.state.pdpacket
    name = request.path_params["name"]
    folder = st.case_dir(name)
    form = await request.form()
    await require_csrf(request, form)
    job = st.builds.get(name)
    said = ({"ok": False, "message": busy, "problems": []} if job and job.active
            else await act(st, name, folder, form))
    code = 200 if said["ok"] else 409
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse(said, status_code=code)
    answers(st)[name] = (said, code)
    return RedirectResponse(f"/case/{name}/build", status_code=303)
