"""The `pdpacket` command: translates arguments into library calls, one module a group of commands.

All user-caused failures are PdpacketError subclasses; `main` prints their
message and exits with their code. Anything else is a bug: exit 1, and the
traceback only with -v.
"""
from __future__ import annotations

from assembler.cli import cases, documents, firm, sending, service  # noqa: F401 - importing them registers their commands
from assembler.cli.group import cli
from assembler.cli.main import main

__all__ = ["cli", "main"]
