"""`pdpacket edit` and the web app's hand edits: a case's own copy of a document to change by hand
(CASE/edits/), started from the current render, brought back after editing, refreshed, set aside. A build
then uses the copy instead of rendering the document (documents/edits.py says when it is out of date)."""
from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from assembler import atomic, drive
from assembler import build as build_stages
from assembler.casefile.case import today
from assembler.casefile.settings import load_settings
from assembler.errors import InputFileError, OutputError, UsageError
from assembler.options import BuildOptions
from assembler.progress import Progress
from assembler.validate import validate_case as load_valid_case


@dataclass
class StartedEdit:
    """What `pdpacket edit` did: the copy to edit (None when no document was named), the documents
    that can be edited, and with --refresh the old copy kept and the passages that differ."""

    copy: Path | None
    names: list[str]
    edited: dict = field(default_factory=dict)  # name -> documents.edits.Edit: those already hand-edited
    kept: Path | None = None
    passages: list = field(default_factory=list)  # documents.edits.Passage


def start_edit(case: Path, document: str | None, options: BuildOptions | None = None, force: bool = False,
               refresh: bool = False) -> StartedEdit:
    """Copy the current render of one of a case's documents into CASE/edits/, to edit by hand;
    a build then uses that copy instead of rendering the document. With `refresh`, an edited copy
    already there is kept beside it as `<name>.old-<date>.docx` (never overwritten) and the passages
    where it differs from the fresh render are listed, to carry the hand changes over."""
    from assembler.documents import edits

    options = options or BuildOptions()
    loaded = load_valid_case(Path(case), options)
    settings = load_settings(options.settings_file, loaded.dir)

    def edit(run: drive.Run) -> StartedEdit:
        planned = run.plan(loaded, settings, run.work / "out")
        names = list(build_stages.editable_documents(planned))
        edited = {e.name: e for e in edits.examine_case(loaded, settings, options.templates_dir)}
        if document is None:
            return StartedEdit(None, names, edited)
        name = _document_name(document, names)
        dest = loaded.dir / edits.EDITS_DIR / name
        if dest.exists() and not (force or refresh):
            raise UsageError(edited.get(name, edits.Edit(name, dest, recorded=False)).already_edited(case))
        try:
            dest.parent.mkdir(exist_ok=True)
            fresh = build_stages.render_for_edit(planned, name)
            started = StartedEdit(dest, names)
            if refresh and dest.exists():
                started.passages = edits.passages(dest, fresh)
                started.kept = edits.keep_old_copy(dest, today())
            atomic.copy(fresh, dest)
        except OSError as exc:
            raise OutputError(f"cannot write into {loaded.dir / edits.EDITS_DIR}: {exc.strerror}: check the "
                              "folder's permissions") from exc
        return started

    return drive.drive(edit, options, Progress(False), loaded.dir / edits.EDITS_DIR, office=False)


def bring_back_edit(case: Path, document: str, docx: Path) -> Path | None:
    """A hand-edited copy made elsewhere (downloaded, changed in Word) becomes the case's edited copy of
    `document`; the one it replaces is kept beside it. Returns where that was kept, or None."""
    from assembler.documents import edits

    word = zipfile.is_zipfile(docx)
    if word:
        with zipfile.ZipFile(docx) as z:
            word = "word/document.xml" in z.namelist()
    if not word:
        raise InputFileError("the file is not a Word document (.docx): in Word use Save As, Word Document")
    return edits.replace_copy(Path(case), document, docx, today())


def set_edit_aside(case: Path, document: str) -> Path:
    """Stop using the edited copy of `document` (the next build renders it): the copy is kept aside."""
    from assembler.documents import edits

    target = Path(case) / edits.EDITS_DIR / document
    if not target.is_file():
        raise InputFileError(f"{document} has no edited copy in {target.parent}")
    return edits.keep_old_copy(target, today())


def _document_name(document: str, names: list[str]) -> str:
    """'01-request-letter', '01-request-letter.docx', or a kind of document when the filing has one of it."""
    wanted = Path(document).name
    for name in names:
        if wanted in (name, name.removesuffix(".docx")):
            return name
    key = wanted.lower().replace("_", "-")
    matches = [n for n in names if key in n]
    if len(matches) == 1:
        return matches[0]
    raise InputFileError(f"no document of this case is named '{document}'"
                         + (" (several match)" if len(matches) > 1 else "")
                         + f": choose one of {', '.join(names)}")
