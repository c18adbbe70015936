"""The library API: what the CLI calls, usable without it."""
from __future__ import annotations

from pathlib import Path

from assembler.casefile.case import Case, load_case
from assembler.errors import InvalidCaseError
from assembler.casefile.settings import load_settings


def validate_case(case: Path, settings_file: Path | None = None, strict: bool = False) -> Case:
    """Load and check a case; raise InvalidCaseError listing every problem if it fails."""
    case_path = Path(case)
    settings = load_settings(settings_file, case_path if case_path.is_dir() else case_path.parent)
    loaded = load_case(case_path, settings)
    failing = loaded.problems if strict else loaded.errors
    if failing:
        message = f"{loaded.file}: {len(loaded.errors)} error(s), {len(loaded.warnings)} warning(s)"
        if strict and not loaded.errors:
            message += " (--strict treats warnings as errors)"
        raise InvalidCaseError(loaded.problems, message)
    return loaded
