"""Opening a PDF the user gave (an exhibit, a form): a reader, or one clear error saying what is wrong."""
from __future__ import annotations

import io
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError

from assembler.errors import InputFileError

# What pypdf repaired while reading, taken where pypdf says it: its `logger_warning`, the function it asks
# users to override (pypdf/_utils.py). Collected per thread (the web app opens files in several), whatever the
# state of the logging module: a logger level raised, or a logger disabled by some library's logging
# configuration, had made a build in a long process lose its "was damaged and has been repaired" notice
# (ci-52, ci-53). The records still go to pypdf's logger as before.
_local = threading.local()


def _collecting(original: Callable[..., None]) -> Callable[..., None]:
    def logger_warning(message: str, *args: Any, **values: Any) -> None:
        found = getattr(_local, "messages", None)
        if found is not None:
            shown = {k: v for k, v in values.items() if k != "source"}
            try:
                found.append(message % shown if shown else message)
            except (TypeError, ValueError, KeyError):
                found.append(message)
        original(message, *args, **values)
    logger_warning.collecting = True  # type: ignore[attr-defined]
    return logger_warning


def _install() -> None:
    for name, module in list(sys.modules.items()):
        if (name == "pypdf" or name.startswith("pypdf.")) and module is not None:
            current = getattr(module, "logger_warning", None)
            if callable(current) and not getattr(current, "collecting", False):
                module.logger_warning = _collecting(current)  # type: ignore[attr-defined]


_install()


def open_pdf(path: Path, label: str, notices: list[str] | None = None, raw: bytes | None = None) -> PdfReader:
    """A reader for an exhibit PDF, or one clear error saying what is wrong and how to fix it.
    `raw`: the file's bytes as the caller read them (None: read the file).

    pypdf reads past many kinds of damage (a broken cross-reference table, a
    wrong length); what it had to repair is reported in `notices`."""
    _install()  # a pypdf module imported since (they import it lazily)
    messages: list[str] = []
    _local.messages = messages
    try:
        reader = PdfReader(path if raw is None else io.BytesIO(raw))
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise FileNotDecryptedError("password required")
            except FileNotDecryptedError:
                raise InputFileError(
                    f"{label} is protected by a password: save an unprotected copy, e.g. "
                    f"`qpdf --decrypt --password=PASSWORD '{path.name}' unlocked.pdf`, and name that file") from None
        if len(reader.pages) == 0:
            raise InputFileError(f"{label} has no pages: export the document again")
        for page in reader.pages:  # damage in the page tree or the content streams shows here
            contents = page.get("/Contents")
            if contents is not None:
                contents = contents.get_object()
                for stream in (contents if isinstance(contents, list) else [contents]):
                    stream.get_object().get_data()
        if messages and notices is not None:
            notices.append(f"{label} was damaged and has been repaired ({messages[0]}): check its "
                           "pages in the filing, or export it again")
        return reader
    except InputFileError:
        raise
    except Exception as exc:  # pypdf raises many kinds for a broken file
        raise InputFileError(f"{label} is damaged and cannot be read ({type(exc).__name__}: {exc}): "
                             "export or scan it again") from exc
    finally:
        _local.messages = None
