"""One error hierarchy for the whole tool; each kind carries its exit code.

The CLI turns any PdpacketError into its message and exit code; anything else
is a bug (exit 1) and shows a traceback only with -v.
"""
from __future__ import annotations

import shlex
from dataclasses import dataclass
from enum import IntEnum

from assembler.vocab import Severity


class ExitCode(IntEnum):
    ok = 0
    internal_error = 1
    usage = 2  # Click's own code for bad command-line arguments
    invalid_case = 3
    invalid_settings = 4
    input_file = 5
    template_error = 6
    missing_dependency = 7
    conversion_failed = 8
    output_not_writable = 9
    filing_check_failed = 10
    batch_partial_failure = 11
    send_failed = 12  # the mail server refused, dropped the connection or did not answer
    not_sent = 13  # pdpacket refused to send: inputs changed since the build, or already sent
    deadline_passed = 14  # the build took longer than its deadline (filing.deadline) and was stopped
    not_ready = 15  # not sent: a draft (no current approval), or an ink signature missing or outdated
    hangup = 129  # SIGHUP (the terminal closed): the run stopped and cleaned up
    interrupted = 130  # Ctrl-C (SIGINT)
    terminated = 143  # SIGTERM


@dataclass(frozen=True)
class Finding:
    """One thing found about a case, a settings file, a template or a filing: where, what, how to fix.

    Validation, the template check and the filing's preflight all report these."""

    file: str  # the case or settings file, the template's name, the filing
    path: str  # field path such as declarations[1].signed.date ('' for the whole file)
    message: str
    severity: Severity = Severity.error
    line: int | None = None
    kind: str = ""  # what the finding is about, when a caller must tell it apart ("size": --split answers it)

    @property
    def is_error(self) -> bool:
        return self.severity == Severity.error

    def render(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        field = f" {self.path}:" if self.path else ""
        tag = "" if self.is_error else "warning:"
        return printable(" ".join(p for p in (f"{where}:{field}", tag, self.message) if p))


def errors_of(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.is_error]


def warnings_of(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if not f.is_error]


class HasFindings:
    """`errors` and `warnings` of what an object found (`all_findings`): a case, a filing's check."""

    def all_findings(self) -> list[Finding]:
        raise NotImplementedError

    @property
    def errors(self) -> list[Finding]:
        return errors_of(self.all_findings())

    @property
    def warnings(self) -> list[Finding]:
        return warnings_of(self.all_findings())


def command(*words: object) -> str:
    """A pdpacket command line to copy into a shell, each word quoted as the shell needs it: a case folder
    named `Pineda Castro Lucia`, or one with a quote in its name, stays one word."""
    return shlex.join(["pdpacket", *(str(w) for w in words)])


def printable(text: str) -> str:
    """Control characters from case data shown escaped, so one problem stays one line."""
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in text)


class PdpacketError(Exception):
    exit_code = ExitCode.internal_error

    def __init_subclass__(cls, code: ExitCode | None = None, **kwargs: object) -> None:
        """`class XError(PdpacketError, code=ExitCode.x)`: the kind of failure and its exit code, in one line."""
        super().__init_subclass__(**kwargs)
        if code is not None:
            cls.exit_code = code

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidCaseError(PdpacketError):
    exit_code = ExitCode.invalid_case

    def __init__(self, problems: list[Finding], message: str | None = None):
        self.problems = problems
        super().__init__(message or f"{len(errors_of(problems))} problem(s) in the case data")


class InvalidSettingsError(PdpacketError):
    exit_code = ExitCode.invalid_settings

    def __init__(self, problems: list[Finding], message: str | None = None):
        self.problems = problems
        super().__init__(message or f"{len(problems)} problem(s) in the settings")


class InputFileError(PdpacketError):
    """An exhibit or other input file is missing, unreadable, encrypted or damaged."""

    exit_code = ExitCode.input_file


# The failures that carry nothing but their message, each with its exit code (README "Exit codes").
class TemplateError(PdpacketError, code=ExitCode.template_error): ...
class MissingDependencyError(PdpacketError, code=ExitCode.missing_dependency): ...
class ConversionError(PdpacketError, code=ExitCode.conversion_failed): ...
class DeadlineError(PdpacketError, code=ExitCode.deadline_passed): ...
class OutputError(PdpacketError, code=ExitCode.output_not_writable): ...
class FilingCheckError(PdpacketError, code=ExitCode.filing_check_failed): ...
class UsageError(PdpacketError, code=ExitCode.usage): ...  # an option's value the library refuses (a date ahead)


BUG = "internal error (a bug in pdpacket)"


@dataclass(frozen=True)
class Said:
    """What a failure says to the user, the same wherever it is shown (the command line, a batch
    report, the web app): one line, the problems it lists, the exit code."""

    message: str
    problems: list[Finding]
    exit_code: int
    bug: bool  # not the user's to fix: each front end says where the details are


def said(exc: BaseException) -> Said:
    """The one mapping from an error to its message and exit code."""
    if isinstance(exc, (InvalidCaseError, InvalidSettingsError)):
        return Said(exc.message, list(exc.problems), int(exc.exit_code), False)
    if isinstance(exc, PdpacketError):
        return Said(exc.message, [], int(exc.exit_code), False)
    return Said(f"{BUG}: {type(exc).__name__}: {exc}", [], int(ExitCode.internal_error), True)
