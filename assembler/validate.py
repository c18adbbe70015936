"""Validating a case as every command does: the case data's own checks (casefile/) and the one that
needs the documents, whether each form's fill expressions work (only filling them can tell:
pdf/fill.py). The drivers validate through here; casefile/ never imports the documents."""
from __future__ import annotations

from pathlib import Path

from assembler.casefile import case as casefile
from assembler.casefile.case import Case, future_service_date
from assembler.casefile.forms import FillChecks
from assembler.casefile.offices import office_warnings
from assembler.casefile.read import LoadedFile
from assembler.casefile.settings import Settings
from assembler.errors import Finding
from assembler.options import NO_OPTIONS, CommandOptions
from assembler.pdf.fill import check_fills

FILL_CHECKS: FillChecks = (check_fills,)


def check_case(case: Case, loaded: LoadedFile, settings: Settings) -> Case:
    """Check already-read case data (from a file or a spreadsheet row) in `case.dir`."""
    return casefile.check_case(case, loaded, settings, FILL_CHECKS)


def load_case(case_path: Path, settings: Settings) -> Case:
    """Read and check a case; the case carries every problem found."""
    return casefile.load_case(case_path, settings, FILL_CHECKS)


def validate_case(case: Path, options: CommandOptions = NO_OPTIONS, strict: bool = False,
                  settings: Settings | None = None) -> Case:
    """Read and check a case; raise InvalidCaseError listing every problem if it fails."""
    return casefile.validate_case(case, options, strict, settings, FILL_CHECKS)


def filing_notes(case: Case, settings: Settings) -> list[Finding]:
    """What a build of the valid case also says, beyond the case's own checks: the office's data and the law
    the filing relies on, not checked by the firm, and a service date to come. `validate` says them too (the
    CLI walk-through: "valid", then every build warned of an unchecked law entry); like `build --strict`,
    `validate --strict` does not refuse them: they are the firm's to check, not the case's."""
    from assembler.documents.citations import law_warnings  # documents/ only when a valid case is reported

    return office_warnings(case) + law_warnings(case, settings) + future_service_date(case)
