"""The web app's settings page: the same answers as `pdpacket init`, saved by the same library function
(api.init_settings) into the cases folder's pdpacket.yaml, keeping every key the page does not show."""
from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from assembler import api
from assembler.errors import InvalidSettingsError, PdpacketError
from assembler.web import editor
from assembler.web.state import require_csrf, state_of

TEXT_FIELDS = ("firm", "attorney_name", "bar_number", "bar_state", "eoir_id", "phone", "attorney_email",
               "office_email", "verified_on", "smtp_host", "smtp_security", "smtp_user")
# A settings path the loader names -> the field of the page it belongs to.
FIELD_OF = {"attorney.name": "attorney_name", "attorney.bar_number": "bar_number", "attorney.bar_state": "bar_state",
            "attorney.eoir_id": "eoir_id", "attorney.firm": "firm", "attorney.address": "address",
            "attorney.phone": "phone", "attorney.email": "attorney_email", "smtp.host": "smtp_host",
            "smtp.port": "smtp_port", "smtp.security": "smtp_security", "smtp.user": "smtp_user"}


def _field_of(path: str) -> str:
    if path.startswith("offices."):  # the office's own keys: offices.houston.email
        return {"email": "office_email", "verified_on": "verified_on"}.get(path.rsplit(".", 1)[-1], "office")
    return FIELD_OF.get(path, "form")


def _offices() -> list[dict]:
    # labelled by what tells two offices of one city apart ("Miami" and "Miami, Krome detained docket")
    return [{"key": k, "city": o["city"] or "", "name": o["name"], "label": editor.office_label({"key": k, **o})}
            for k, o in sorted(api.office_directory().items())]


def _context(st, answers: api.InitAnswers, errors: dict[str, str], saved: list[str]) -> dict:
    offices = api.office_directory()
    office = offices.get(answers.office)
    return {"answers": answers, "errors": errors, "saved": saved, "offices": _offices(),
            "office_label": office["name"] if office else answers.office,
            "office_address": "; ".join(office["address"]) if office else "",
            "path": st.root / "pdpacket.yaml", "other_settings": _other(st),
            "password": _password(st, answers.smtp_user)}


def _other(st) -> Path | None:
    """The settings file `serve` was given, when it is not the one this page saves (a relative path to the
    same file is the same file)."""
    given = st.config.options.settings_file
    if given is None or given.resolve() == (st.root / "pdpacket.yaml").resolve():
        return None
    return given


def _password(st, user: str) -> api.PasswordStatus | None:
    """Whether a password is kept for the login, and where (the page never shows the password itself)."""
    if not user:
        return None
    try:
        own = st.root / "pdpacket.yaml"  # the file this page saves, unless the app was started with another
        options = st.config.options if st.config.options.settings_file else api.CommandOptions.of(own)
        env = (api.case_settings(st.root, options).smtp or {}).get("password_env") if own.is_file() else None
    except PdpacketError:  # the page shows the settings' own problem; the default variable is as good here
        env = None
    return api.smtp_password_status(user, env or "PDPACKET_SMTP_PASSWORD")


async def settings_page(request: Request) -> Response:
    st = state_of(request)
    answers = await run_in_threadpool(api.settings_answers, st.root)
    saved = ["Saved."] if request.query_params.get("saved") else []
    return st.page(request, "settings.html", **_context(st, answers, {}, saved))


async def settings_json(request: Request) -> Response:
    st = state_of(request)
    answers = await run_in_threadpool(api.settings_answers, st.root)
    return JSONResponse({"file": str(st.root / "pdpacket.yaml"), "answers": asdict(answers)})


def _office_error(exc: api.UnknownOffice, typed: str) -> str:
    if exc.several:
        return f"“{typed}” matches several offices: choose one from the list"
    near = f" Did you mean {' or '.join(exc.near)}?" if exc.near else ""
    return f"No office found for “{typed}”.{near} Type a city or an office's name and choose from the list."


async def save_settings(request: Request) -> Response:
    st = state_of(request)
    form = await request.form()
    await require_csrf(request, form)
    answers = api.InitAnswers()
    for name in TEXT_FIELDS:
        setattr(answers, name, str(form.get(name, "")).strip())
    answers.address = [line.strip() for line in str(form.get("address", "")).splitlines() if line.strip()]
    errors: dict[str, str] = {}
    port = str(form.get("smtp_port", "")).strip()
    if port and not (port.isdigit() and 1 <= int(port) <= 65535):
        errors["smtp_port"] = "A port is a number from 1 to 65535, usually 587 (starttls) or 465 (tls)"
    answers.smtp_port = int(port) if port.isdigit() else None
    typed = str(form.get("office", "")).strip()
    if typed:
        try:
            answers.office = api.find_office(typed.split(" — ")[0], api.office_directory())
        except api.UnknownOffice as exc:
            errors["office"] = _office_error(exc, typed)
            answers.office = typed
    if answers.verified_on and not answers.office_email:
        errors["verified_on"] = "This is the day the office's e-mail was checked: enter the e-mail too"
    password = str(form.get("smtp_password", "")) or None
    if errors:
        return st.page(request, "settings.html", status=400, **_context(st, answers, _unsaved(errors, password), []))
    remove = form.get("remove_password") == "on"
    if (password or remove) and not answers.smtp_user:
        errors["smtp_password"] = "Enter the login name this password goes with"
        return st.page(request, "settings.html", status=400, **_context(st, answers, errors, []))
    try:
        await run_in_threadpool(api.init_settings, st.root, answers, True, password, remove and not password)
    except InvalidSettingsError as exc:
        errors = {_field_of(p.path): p.message for p in exc.problems}
        return st.page(request, "settings.html", status=400, **_context(st, answers, _unsaved(errors, password), []))
    except PdpacketError as exc:
        return st.page(request, "settings.html", status=400,
                       **_context(st, answers, _unsaved({"form": exc.message}, password), []))
    return RedirectResponse("/settings?saved=1", status_code=303)


def _unsaved(errors: dict[str, str], password: str | None) -> dict[str, str]:
    """A typed password is never sent back into the page: say it was not kept (the web walk read "A password is
    set" above an empty box after a refused save, and sent with another, older password)."""
    if password:
        errors.setdefault("smtp_password", "The password you typed was not saved, because of the problem shown on "
                                           "this page: type it again when you save")
    return errors


def routes() -> list[Route]:
    return [Route("/settings", settings_page, methods=["GET"]), Route("/settings", save_settings, methods=["POST"]),
            Route("/settings.json", settings_json)]
