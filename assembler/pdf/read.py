"""Opening a PDF the user gave (an exhibit, a form): a reader, or one clear error saying what is wrong."""
from __future__ import annotations

import io
import logging
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError

from assembler.errors import InputFileError


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def open_pdf(path: Path, label: str, notices: list[str] | None = None, raw: bytes | None = None) -> PdfReader:
    """A reader for an exhibit PDF, or one clear error saying what is wrong and how to fix it.
    `raw`: the file's bytes as the caller read them (None: read the file).

    pypdf reads past many kinds of damage (a broken cross-reference table, a
    wrong length); what it had to repair is reported in `notices`."""
    collector = _Collect()
    pypdf_log = logging.getLogger("pypdf")
    pypdf_log.addHandler(collector)
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
        if collector.messages and notices is not None:
            notices.append(f"{label} was damaged and has been repaired ({collector.messages[0]}): check its "
                           "pages in the filing, or export it again")
        return reader
    except InputFileError:
        raise
    except Exception as exc:  # pypdf raises many kinds for a broken file
        raise InputFileError(f"{label} is damaged and cannot be read ({type(exc).__name__}: {exc}): "
                             "export or scan it again") from exc
    finally:
        pypdf_log.removeHandler(collector)
