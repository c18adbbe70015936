"""The `pdpacket` command's first moments.

`pdpacket build` starts its LibreOffice before anything else is imported (click and the
command's own module take about 40 ms), so that it boots while Python does the rest
(convert/early.py). Only the one plain form of the command line is recognised here;
anything else (another command, an option this does not know, --help) starts nothing,
and the build starts its LibreOffice itself, as it always can.
"""
from __future__ import annotations

import sys
from pathlib import Path

_GLOBAL_FLAGS = {"-v", "--verbose"}
_VALUE_OPTIONS = {"-o": "out", "--out": "out", "--settings": "settings", "--templates": "templates"}
_FLAGS = {"--strict", "-q", "--quiet", "--split", "--email", "--no-cache", "--no-ocr", "--no-keep"}
_LONG = {"-q": "--quiet", "-v": "--verbose"}
_HELP = {"--help", "-h", "--version"}  # these load no PDF code


def build_command(args: list[str]) -> dict | None:
    """The parts of a plain `pdpacket build` command line: case, out, settings, templates (Paths or None) and
    the flags given (their long names), else None."""
    rest = list(args)
    while rest and rest[0] in _GLOBAL_FLAGS:
        rest.pop(0)
    if not rest or rest.pop(0) != "build":
        return None
    case, values, flags = None, {}, set()
    while rest:
        arg = rest.pop(0)
        name, eq, value = arg.partition("=")
        if name in _VALUE_OPTIONS and arg.startswith("--") and eq:
            values[_VALUE_OPTIONS[name]] = value
        elif arg in _VALUE_OPTIONS:
            if not rest:
                return None
            values[_VALUE_OPTIONS[arg]] = rest.pop(0)
        elif arg in _FLAGS or arg in _GLOBAL_FLAGS:
            flags.add(_LONG.get(arg, arg))
        elif arg.startswith("-") or case is not None:
            return None  # --help, an unknown option, a second argument: click will say
        else:
            case = arg
    if case is None:
        return None
    paths = {k: Path(values[k]) if values.get(k) else None for k in ("out", "settings", "templates")}
    return {"case": Path(case), **paths, "flags": flags}


def build_arguments(args: list[str]) -> tuple[Path, Path | None, Path | None, bool, bool] | None:
    """(case, settings file, templates folder, --no-cache, --no-keep) of a plain `pdpacket build` command line,
    else None."""
    found = build_command(args)
    if found is None:
        return None
    flags = found["flags"]
    return found["case"], found["settings"], found["templates"], "--no-cache" in flags, "--no-keep" in flags


def unchanged_build(found: dict) -> bool:
    """A rebuild with nothing changed since the last build into the same folder: said, and True
    (unchanged.py), before click, the library and LibreOffice; --no-cache always builds."""
    from assembler import unchanged

    flags = found["flags"]
    if "--no-cache" in flags:
        return False
    key = unchanged.key(found["case"], found["out"], found["settings"], found["templates"],
                        strict="--strict" in flags, split_parts="--split" in flags, email="--email" in flags,
                        no_ocr="--no-ocr" in flags, keep="--no-keep" not in flags)
    return unchanged.replay(found["out"] or unchanged.default_out(found["case"]), key)


def main(argv: list[str] | None = None) -> None:
    from assembler import stopping

    stopping.install()  # SIGTERM/SIGHUP during the imports below end the run as cleanly as later
    try:
        command = build_command(sys.argv[1:] if argv is None else argv)
        if command is not None and unchanged_build(command):
            sys.stdout.flush()
            sys.exit(0)
        found = build_arguments(sys.argv[1:] if argv is None else argv)
        if found is not None:
            from assembler.convert import early
            from assembler.options import BuildOptions

            early.start(found[0], BuildOptions.of(found[1], found[2], no_cache=found[3], keep=not found[4]))
        from assembler.cli import main as cli_main

        if not _HELP.intersection(sys.argv[1:] if argv is None else argv):
            stopping.preload_native()
    except KeyboardInterrupt as exc:
        import atexit
        import os

        code, word = stopping.exit_code(exc)
        sys.stderr.write(f"{word}\n")
        atexit._run_exitfuncs()  # the early LibreOffice's stop, the run folder's removal
        os._exit(code)
    cli_main(argv)
