"""`main`: the command run, and the one place its errors become messages and exit codes."""
from __future__ import annotations

import atexit
import os
import sys
import traceback
from typing import NoReturn

import click

from assembler import stopping
from assembler.cli.group import cli
from assembler.errors import BUG, ExitCode, said


def main(argv=None):
    verbose = "-v" in (argv or sys.argv[1:]) or "--verbose" in (argv or sys.argv[1:])
    stopping.install()
    try:
        rv = cli.main(args=argv, prog_name="pdpacket", standalone_mode=False)
    except (click.exceptions.Abort, KeyboardInterrupt) as exc:
        # click wraps Ctrl-C in Abort; the signal that stopped the run is the cause
        code, word = stopping.exit_code(exc.__cause__ or exc.__context__ or exc
                                        if isinstance(exc, click.exceptions.Abort) else exc)
        click.echo(word, err=True)
        _exit_interrupted(code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except Exception as exc:  # noqa: BLE001 - the boundary: every failure ends in its message and exit code
        stop = stopping.stopped_by(exc)
        if stop is not None:  # an error in the cleanup after Ctrl-C, SIGTERM or SIGHUP: the signal ends the run
            if verbose:
                traceback.print_exc()
            code, word = stopping.exit_code(stop)
            click.echo(f"{word} (and while stopping: {BUG}: {type(exc).__name__}: {exc})", err=True)
            _exit_interrupted(code)
        told = said(exc)
        if verbose and not told.problems:  # a list of problems says it all; a traceback would not help
            traceback.print_exc()
        for problem in told.problems:
            click.echo(problem.render(), err=True)
        if not told.bug:
            click.echo(f"error: {told.message}", err=True)
        elif not verbose:
            click.echo(f"{BUG}: run again with -v for details and report it", err=True)
        sys.exit(told.exit_code)
    sys.exit(rv if isinstance(rv, int) else 0)


def _exit_interrupted(code: int = ExitCode.interrupted) -> NoReturn:
    """Exit with the documented code after Ctrl-C (130), SIGTERM (143) or SIGHUP (129).

    Not sys.exit: CPython 3.11 remembers a KeyboardInterrupt that passed through code run
    by exec() of a string (dataclasses builds its methods that way, so an import can be
    caught in one) and, at exit, kills itself with SIGINT instead of returning our code,
    even though we handled it. So run the exit handlers (the early LibreOffice's stop,
    weakref finalizers), flush, and leave with os._exit.
    """
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)
