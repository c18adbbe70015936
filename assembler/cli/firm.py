"""`pdpacket init`: the firm settings file, written by answering questions (or from flags, for scripts)."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from assembler.cli.group import cli

# (flag, Answers field, question). Asked in this order; a flag given is not asked.
QUESTIONS = [
    ("--firm", "firm", "Firm name"),
    ("--attorney", "attorney_name", "Attorney who signs the requests: full name"),
    ("--bar-number", "bar_number", "Bar number"),
    ("--bar-state", "bar_state", "State of that bar, e.g. NY"),
    ("--eoir-id", "eoir_id", "EOIR ID (two letters, six digits; empty if none)"),
    ("--phone", "phone", "Telephone"),
    ("--attorney-email", "attorney_email", "Attorney's e-mail address"),
]
SMTP_QUESTIONS = [
    ("--smtp-host", "smtp_host", "Outgoing mail (SMTP) server, e.g. smtp.firm.example (empty: set it later)"),
    ("--smtp-security", "smtp_security", "Security: starttls, tls or none"),
    ("--smtp-port", "smtp_port", "Port"),
    ("--smtp-user", "smtp_user", "Login name on that server"),
]


def _options(command):
    for flag, name, question in reversed(QUESTIONS + SMTP_QUESTIONS):
        kind = _KINDS.get(name, str)
        command = click.option(flag, name, type=kind, default=None, help=question + ".")(command)
    return command


# Answers checked as they are typed, and asked again when refused (the last CLI walk-through's "STARTTLS" at the
# security question and "none" at the port were an internal error that lost every answer).
# Refusals in a paralegal's words, not click's ("'none' is not a valid integer range").
class _Port(click.ParamType):
    name = "port"

    def convert(self, value, param, ctx):
        text = str(value).strip()
        if text.isdigit() and 1 <= int(text) <= 65535:
            return int(text)
        self.fail(f"'{value}' is not a port: type the number your mail provider gives, e.g. 587 (starttls), "
                  "465 (tls) or 25", param, ctx)


class _Security(click.ParamType):
    name = "security"

    def convert(self, value, param, ctx):
        text = str(value).strip().casefold()
        if text in ("starttls", "tls", "none"):
            return text
        self.fail(f"'{value}' is not one of the three: type starttls, tls or none (your mail provider says which; "
                  "most use starttls)", param, ctx)


class _Day(click.ParamType):
    name = "day"

    def convert(self, value, param, ctx):
        import datetime

        try:
            return datetime.date.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(f"'{value}' is not a day written year-month-day: type it like 2026-12-08", param, ctx)


_KINDS = {"smtp_port": _Port(), "smtp_security": _Security()}
_DAY = _Day()


@cli.command()
@click.argument("folder", required=False, default=".", type=click.Path(file_okay=False, path_type=Path))
@_options
@click.option("--address", "address", multiple=True, help="A line of the firm's street address (repeat for each line).")
@click.option("--office", default=None, help="The office the firm files with most: its city, name or key.")
@click.option("--office-email", default=None,
              help="That office's e-mail for requests, as the office publishes it (empty: set it once checked).")
@click.option("--verified-on", default=None, metavar="YYYY-MM-DD", help="The day your firm checked that e-mail and address.")
@click.option("--smtp-password-stdin", is_flag=True,
              help="Read the SMTP password from standard input (kept for you on this computer, not in the file).")
@click.option("--no-input", is_flag=True, help="Ask nothing: what no flag gives is left out.")
@click.option("--force", is_flag=True, help="Change an existing pdpacket.yaml (only the keys init asks about).")
def init(folder, address, office, office_email, verified_on, smtp_password_stdin, no_input, force, **given):
    """Write FOLDER/pdpacket.yaml (default: this folder), the firm's settings, by asking questions."""
    from assembler import api
    from assembler.errors import OutputError, UsageError

    if not Path(folder).is_dir():  # before any question, as for an existing file
        raise OutputError(f"{folder}: no such folder: create it first, or name the folder that holds your cases")
    target = Path(folder) / "pdpacket.yaml"
    if target.exists() and not force:  # before any question: the answers would be lost
        raise OutputError(f"{target} already exists: pass --force to change the keys init asks about "
                          "(the others are kept), or edit the file")
    ask = not no_input
    answers = api.InitAnswers()
    for _flag, name, question in QUESTIONS:
        setattr(answers, name, _answer(given[name], question, ask))
    answers.address = list(address) or (_lines("Firm street address") if ask else [])
    answers.office = _office(office, ask)
    if answers.office:
        chosen = api.office_directory()[answers.office]
        if ask:
            click.echo(f"{chosen['name']}: " + ("; ".join(chosen["address"]) or "no address on record"))
        answers.office_email = _answer(office_email, "Its e-mail for requests, as checked on ice.gov (empty: not "
                                       "checked yet)", ask)
        if answers.office_email:  # a date only the user gives: pdpacket never says an address was checked
            answers.verified_on = _answer(verified_on, "The day you checked that e-mail and the address above "
                                          "(YYYY-MM-DD)", ask, api.today().isoformat() if ask else None, _DAY)
    for _flag, name, question in SMTP_QUESTIONS:
        if name != "smtp_host" and not answers.smtp_host:
            break
        port = {"starttls": "587", "tls": "465", "none": "25"}[answers.smtp_security or "starttls"]
        # No login offered by default: a server that takes mail without one (a relay inside the firm, a test
        # server) must be answerable with an empty line; the attorney's e-mail kept it from ever being empty.
        default = {"smtp_security": "starttls", "smtp_port": port}.get(name)
        value = _answer(given[name], question, ask, default, _KINDS.get(name))
        setattr(answers, name, int(value) if name == "smtp_port" and value else value)
    password = None
    if smtp_password_stdin:
        password = sys.stdin.readline().rstrip("\r\n") or None
    elif ask and answers.smtp_user:
        # Asked twice, as `smtp-password` asks (the CLI walk-through: a typo here showed only at the first send).
        password = click.prompt("SMTP password (kept for you on this computer, never in the file; empty: skip)",
                                default="", hide_input=True, show_default=False,
                                confirmation_prompt="The SMTP password again") or None
    if verified_on and not office_email:
        raise UsageError("--verified-on is the day the office's e-mail was checked: give --office-email too")
    done = _write_asking_again(Path(folder), answers, force, password, ask)
    click.echo(f"wrote {done.path}")
    for note in done.notes:
        click.echo(note, err=True)


# A settings path the loader names -> the question that answers it: a refused answer is asked again.
_ASKED_FOR = {"attorney.name": "attorney_name", "attorney.bar_number": "bar_number", "attorney.bar_state": "bar_state",
              "attorney.eoir_id": "eoir_id", "attorney.firm": "firm", "attorney.phone": "phone",
              "attorney.email": "attorney_email", "smtp.host": "smtp_host", "smtp.user": "smtp_user"}


def _write_asking_again(folder: Path, answers, force: bool, password: str | None, ask: bool):
    """init_settings; when init asks questions and the loader refuses answers, those questions are asked
    again (with the reason) instead of losing every answer; with --no-input it fails as before."""
    from assembler import api
    from assembler.errors import InvalidSettingsError

    questions = {name: question for _flag, name, question in QUESTIONS + SMTP_QUESTIONS}
    while True:
        try:
            return api.init_settings(folder, answers, force=force, password=password)
        except InvalidSettingsError as exc:
            names = [_ASKED_FOR.get(p.path) for p in exc.problems]
            if not ask or not names or None in names:
                raise
            for problem, name in zip(exc.problems, [n for n in names if n is not None], strict=True):
                click.echo(f"{questions[name]}: {problem.message}", err=True)
                setattr(answers, name, _answer(None, questions[name], True))


def _answer(given, question: str, ask: bool, default: str | None = None, kind: click.ParamType | None = None) -> str:
    if given is not None:
        return str(given).strip()
    if not ask:  # a flag not given is left out (the loader's own defaults apply)
        return ""
    value = click.prompt(question, default="" if default is None else default, show_default=default is not None,
                         type=kind)
    return value.isoformat() if hasattr(value, "isoformat") else str(value).strip()


def _lines(question: str) -> list[str]:
    click.echo(f"{question}, one line at a time (an empty line ends it):")
    lines: list[str] = []
    while True:
        line = click.prompt(f"  line {len(lines) + 1}", default="", show_default=False).strip()
        if not line:
            return lines
        lines.append(line)


def _office(query: str | None, ask: bool) -> str:
    """The office's key; asked again, with the nearest names, until one is found (or left empty)."""
    from assembler import api
    from assembler.errors import UsageError

    offices = api.office_directory()
    suggested: list[str] = []  # what the last "Did you mean ...?" offered: "y" takes it when it was one office
    while True:
        if query is None:
            if not ask:
                return ""
            query = click.prompt("The office you file with most: its city or name (empty: none)", default="",
                                 show_default=False)
        if not query.strip():
            return ""
        if suggested and query.strip().casefold() in ("y", "yes"):
            if len(suggested) > 1:  # "y" is no office's name: say what to type instead of searching for "y"
                click.echo(f"Type the one you mean: {' or '.join(suggested)}", err=True)
                query = None
                continue
            query = suggested[0]
        try:
            return api.find_office(query, offices)
        except UsageError as exc:
            if not ask:
                raise
            click.echo(exc.message, err=True)
            suggested = list(getattr(exc, "near", []))
            query = None


@cli.command("smtp-password")
@click.argument("folder", required=False, default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--stdin", "from_stdin", is_flag=True, help="Read the password from standard input, not a prompt.")
@click.option("--remove", is_flag=True, help="Forget the password kept on this computer.")
@click.option("--show-status", is_flag=True, help="Only say whether a password is kept, and where.")
def smtp_password(folder, from_stdin, remove, show_status):
    """Set, replace or remove the password of the SMTP login named in FOLDER/pdpacket.yaml (default: this
    folder). It is kept for you on this computer (the system keyring, or a file only you can read), never in
    the settings file; the environment variable PDPACKET_SMTP_PASSWORD, when set, wins over it."""
    from assembler import api
    from assembler.errors import UsageError

    target = Path(folder) / "pdpacket.yaml"  # the file init writes; else looked up as for any command
    settings = api.case_settings(Path(folder), api.CommandOptions.of(target if target.is_file() else None))
    user = (settings.smtp or {}).get("user")
    if not user:
        raise UsageError(f"{Path(folder) / 'pdpacket.yaml'}: smtp.user: no SMTP login is set, so there is no password "
                         "to keep: set the login first (`pdpacket init --force`, or the web app's Settings page)")
    env = settings.smtp.get("password_env") or "PDPACKET_SMTP_PASSWORD"
    if remove:
        found = api.remove_smtp_password(user)
        click.echo(f"The SMTP password of {user} is no longer kept on this computer" if found else
                   f"No SMTP password was kept for {user} on this computer")
    elif not show_status:
        secret = sys.stdin.readline().rstrip("\r\n") if from_stdin else \
            click.prompt(f"SMTP password of {user}", hide_input=True, confirmation_prompt=True, default="",
                         show_default=False)
        if not secret:
            raise UsageError("no password given: nothing was changed")
        click.echo(f"The SMTP password of {user} is kept {api.store_smtp_password(user, secret)}")
    status = api.smtp_password_status(user, env)
    if show_status:
        click.echo(f"The SMTP password of {user} is kept {status.where}" if status.kept else
                   f"No SMTP password is kept for {user} on this computer")
    if status.env_set:
        click.echo(f"Note: the environment variable {env} is set here, and wins over the kept password", err=True)
