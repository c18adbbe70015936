"""Validating a case as every command does: the case data's own checks (casefile/) and the one that
needs the documents, whether each form's fill expressions work (only filling them can tell:
pdf/fill.py). The drivers validate through here; casefile/ never imports the documents."""
from __future__ import annotations

from pathlib import Path

from assembler.casefile import case as casefile
from assembler.casefile.case import Case
from assembler.casefile.forms import FillChecks
from assembler.casefile.read import LoadedFile
from assembler.casefile.settings import Settings
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
