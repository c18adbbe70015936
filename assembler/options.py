"""What a caller chose for a build, made once where the call comes in (the CLI, the web app, a batch)
and passed on whole: every driver and stage reads its choices from here, never from loose arguments."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assembler.convert.renders import LibreOffice


@dataclass(frozen=True)
class CommandOptions:
    """What every command takes: the settings file its caller named. Made where the call comes in and
    passed on whole down to casefile/settings.load_settings, the one place that reads the file."""
    settings_file: Path | None = None  # the firm's settings (None: looked for beside the case, then the user's)

    @classmethod
    def of(cls, settings_file: Path | str | None = None) -> CommandOptions:
        """From what a caller typed: the path as given (a string or a Path, or None)."""
        return cls(Path(settings_file) if settings_file else None)


NO_OPTIONS = CommandOptions()  # nothing named: the settings file is looked up


@dataclass(frozen=True)
class BuildOptions(CommandOptions):
    templates_dir: Path | None = None  # a folder of templates used before the chosen set
    strict: bool = False  # warnings (the case's, its edited copies') are errors
    split_parts: bool = False  # a filing over the size limit is cut into numbered parts
    email: bool = False  # the e-mail drafts are written beside the filing
    no_cache: bool = False  # every document converted by LibreOffice, the cache of converted PDFs unused
    no_ocr: bool = False  # scanned exhibits go in without a text layer, whatever the settings' ocr.enabled
    # Convert on the keeper, the LibreOffice kept between commands (convert/keeper.py), starting it if none
    # runs: the CLI's build and court, unless --no-keep. Off for library callers, batches, tests.
    keep: bool = False
    # A LibreOffice kept running by a long-lived caller (the web app's pool) for this build to borrow:
    # converted on, never stopped by the build. None: the build starts its own.
    lo: LibreOffice | None = field(default=None, compare=False)

    @classmethod
    def of(cls, settings_file: Path | str | None = None, templates_dir: Path | str | None = None,
           **choices: object) -> BuildOptions:
        """From what a caller typed: paths as given (strings or Paths, or None)."""
        return cls(Path(settings_file) if settings_file else None, Path(templates_dir) if templates_dir else None,
                   **choices)  # type: ignore[arg-type]
