"""`pdpacket offices, law, convert-server, serve`: the office directory, the legal rules, and the long-running services."""
from __future__ import annotations

from pathlib import Path

import click

from assembler.cli.group import (
    cli,
    no_keep_option,
    settings_option,
)
from assembler.options import CommandOptions
from assembler.vocab import MB


@cli.command()
@settings_option
@click.option("--case", "case", type=click.Path(path_type=Path), default=None,
              help="Look up settings as for this case folder.")
@click.option("--court", default=None, help="Only the offices covering this immigration court (a part of its name).")
def offices(settings_file, case, court):
    """List the Offices of the Chief Counsel a case can name: courts, sub-offices, rules."""
    from assembler.api import list_offices

    for view in list_offices(CommandOptions.of(settings_file), case, court):
        indent = "  " if view.sub else ""
        first, *rest = view.lines()
        click.echo(f"{indent}{view.key:{22 - len(indent)}} {first}")
        for line in rest:
            click.echo(f"{'':22} {line}")


@cli.command()
@settings_option
@click.option("--case", "case", type=click.Path(path_type=Path), default=None,
              help="Look up settings as for this case folder.")
def law(settings_file, case):
    """List the legal rules pdpacket applies: text, authority, source, and the date each was checked."""
    from assembler.api import law_table

    for lines in law_table(CommandOptions.of(settings_file), case):
        click.echo("\n".join(lines))


@cli.group()
def cache():
    """The cache of converted PDFs: a rebuild converts only the documents that changed."""


def _say(summary, done: str, when_off: str) -> None:
    if summary.folder is None:
        click.echo(f"the cache of converted PDFs is off (PDPACKET_CACHE=off){when_off}")
        return
    click.echo(f"{summary.folder}: {done}{summary.entries} entr{'y' if summary.entries == 1 else 'ies'}, "
               f"{summary.bytes / MB:.1f} MB")


@cache.command("info")
def cache_info():
    """Where the cache is, and how much it holds."""
    from assembler.api import cache_info as info

    _say(info(), "", "")


@cache.command("clear")
def cache_clear():
    """Remove every converted PDF kept (the next build converts everything again)."""
    from assembler.api import cache_clear as clear

    _say(clear(), "removed ", ": nothing to clear")


@cli.group()
def keeper():
    """The LibreOffice kept running between commands (the keeper): show it, stop it.

    The first `build` or `court` starts it; it stops by itself after `keeper: {idle_minutes: 10}`
    (settings) with nothing to convert. Off with --no-keep, idle_minutes: 0, or PDPACKET_KEEPER=off."""


@keeper.command("status")
def keeper_status():
    """Whether the keeper runs: its pid, the idle time left before it stops, the documents it converted."""
    from assembler.api import keeper_status as status

    click.echo(status())


@keeper.command("stop")
def keeper_stop():
    """Stop the keeper now, LibreOffice with it (the next build starts another)."""
    from assembler.api import keeper_stop as stop

    click.echo(stop())


@cli.command("convert-server")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="Port on 127.0.0.1 (0: any free one, printed when ready).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="LibreOffice processes to keep running (default: one per CPU).")
@settings_option
def convert_server(port, jobs, settings_file):
    """Keep LibreOffice running for the builds on this machine, until Ctrl-C.

    Builds use it when the settings say `soffice: {server: "127.0.0.1:PORT"}`;
    when it does not answer, they start LibreOffice themselves."""
    from assembler.api import serve_conversions

    def ready(address: str, said: str) -> None:
        click.echo(address)  # on stdout, alone: for scripts that started it with --port 0
        click.echo(said, err=True)

    serve_conversions(port, jobs, CommandOptions.of(settings_file), ready)
    click.echo("stopped", err=True)


def _host_names(ctx, param, values: tuple[str, ...]) -> tuple[str, ...]:
    from assembler.web.server import is_host_name

    for value in values:
        if not is_host_name(value):
            raise click.BadParameter(f"'{value}' is not a host name or address (with an optional :PORT), e.g. "
                                     "pdpacket.firm.example or 192.168.1.20:8765")
    return values


@cli.command()
@click.argument("cases", required=False, default=".", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True, help="The port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The address to listen on; another than this computer's own needs care (a warning is printed).")
@click.option("--allow-host", "allow_hosts", multiple=True, callback=_host_names, metavar="NAME[:PORT]",
              help="Also answer requests addressed to NAME (repeat for several); others than the address listened "
                   "on (and localhost) get 400.")
@click.option("--open", "open_browser", is_flag=True, help="Open the web app in the browser.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=2, show_default=True,
              help="Builds that may run at the same time (of different cases).")
@no_keep_option
@settings_option
def serve(cases, port, host, allow_hosts, open_browser, jobs, settings_file, no_keep):
    """Start the web app on the cases in CASES (default: this folder): edit, check, build."""
    from assembler.web.server import serve as run_server

    run_server(cases, host=host, port=port, open_browser=open_browser, jobs=jobs, options=CommandOptions.of(settings_file),
               allow_hosts=allow_hosts, keep=not no_keep)
