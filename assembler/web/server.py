"""`pdpacket serve`: bind, print the address with its token, run until Ctrl-C."""
from __future__ import annotations

import ipaddress
import socket
import sys
import threading
import webbrowser
from pathlib import Path

import click
import uvicorn

from assembler.api import NO_OPTIONS, CommandOptions
from assembler.web.app import Config, create_app
from assembler.web.security import ANY_ADDRESS, new_token, split_host


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound before anything is printed, so the address shown is one that works."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise click.UsageError(f"cannot listen on {host}:{port} ({exc.strerror}): another program uses the port? "
                               "choose another with --port") from exc
    sock.listen(64)
    sock.set_inheritable(True)
    return sock


def is_host_name(value: str) -> bool:
    """Whether `value` is what --allow-host takes: a host name or address, with an optional :PORT."""
    try:
        split_host(value)
    except ValueError:
        return False
    return True


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def announce(cases: Path, host: str, port: int, token: str) -> str:
    """Print where the app is (with its token), and a warning when others may reach it."""
    shown_host = f"[{host}]" if ":" in host else host
    url = f"http://{shown_host}:{port}/?token={token}"
    if not is_loopback(host):
        click.echo(f"warning: listening on {host}, not only on this computer: anyone who can reach it on port "
                   f"{port} and has the address below can read and change the cases. Use it only on a network "
                   "you trust.", err=True)
    if host in ANY_ADDRESS:
        click.echo("note: listening on every address, it answers only to localhost and to the names given with "
                   "--allow-host: give the name or address the others type", err=True)
    click.echo(f"pdpacket serves the cases in {cases.resolve()}")
    click.echo(f"open {url}")
    click.echo("(the address holds the access token: do not share it; Ctrl-C stops the server)", err=True)
    sys.stdout.flush()
    return url


def serve(cases: Path, host: str = "127.0.0.1", port: int = 8765, open_browser: bool = False, jobs: int = 2,
          options: CommandOptions = NO_OPTIONS, token: str | None = None, allow_hosts: tuple[str, ...] = (),
          keep: bool = False) -> None:
    token = token or new_token()
    sock = bind(host, port)
    port = sock.getsockname()[1]  # the one chosen, for --port 0
    url = announce(cases, host, port, token)
    config = Config(cases.resolve(), token, jobs, options, host=host, port=port, allow_hosts=allow_hosts, keep=keep)
    app = create_app(config)
    if open_browser:
        threading.Timer(0.5, webbrowser.open, args=(url,)).start()
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))
    try:
        server.run(sockets=[sock])
    finally:
        app.state.builds.shutdown()
        sock.close()
