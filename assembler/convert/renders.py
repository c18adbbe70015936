"""Documents on their way through LibreOffice, and the parts of the filing their PDFs become.

Renders of one template (from one case or a whole batch) are converted as one
combined document when that cannot change their pages (see combine.py): a
LibreOffice document costs a few hundredths of a second on top of its start.
"""
from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from assembler.convert import combine, soffice, warm
from assembler.documents.plan import Part
from assembler.progress import Progress


@dataclass
class Render:
    """A document for LibreOffice, and the part of the filing its PDF becomes."""

    doc: Path
    part: Part
    label: str
    template: Path | None  # None for a case's own .docx/.odt exhibit: never combined


@dataclass(frozen=True)
class LibreOffice:
    """The LibreOffice to convert with: the program, the time a conversion may take, and the
    LibreOffices kept running to try first, in order (a convert-server, one of the build's own);
    when none can be used, one `soffice --convert-to` start per conversion."""

    binary: str
    profile: Path  # the one-shot path's private profile; a kept-running LibreOffice has its own
    timeout: int
    kept: tuple[warm.Converter, ...] = ()

    @property
    def current(self) -> warm.Converter | None:
        return next((k for k in self.kept if not k.unavailable), None)

    @property
    def how(self) -> str:
        current = self.current
        return current.describe() if current else "one soffice --convert-to start"

    def start(self) -> None:
        """Start the kept-running LibreOffice now, so that it is ready by the first conversion."""
        current = self.current
        if current is not None:
            try:
                current.start()
            except warm.Unavailable:
                pass  # said when the first conversion falls back

    def convert(self, jobs: list[soffice.Job], outdir: Path, bookmarks: bool,
                progress: Progress | None = None) -> dict[Path, soffice.Converted]:
        while (current := self.current) is not None:
            waited = current.waited
            try:
                return current.convert(jobs, outdir, self.timeout, bookmarks)
            except warm.Unavailable as exc:
                current.unavailable = current.unavailable or str(exc)  # never tried again: no loop
                if progress is not None:
                    progress.step(f"convert: {current.describe()} cannot be used ({exc}): {self.how} instead")
            finally:
                if progress is not None:  # the part of the conversion time that was LibreOffice's start
                    progress.add("libreoffice start (waited)", current.waited - waited)
        return soffice.convert(jobs, outdir, self.profile, self.binary, self.timeout, bookmarks=bookmarks)

    def close(self) -> None:
        """Stop the kept-running LibreOffices of this build (whole process groups) and remove their profiles."""
        for kept in self.kept:
            kept.close()

    def __enter__(self) -> LibreOffice:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def convert_renders(renders: list[Render], lo: LibreOffice, progress: Progress) -> None:
    """Convert documents in one LibreOffice start; give each render's part its PDF, offset and pages."""
    # A fresh folder per call: outputs are named by their documents' base names.
    work = Path(tempfile.mkdtemp(prefix="convert-", dir=lo.profile.parent))
    groups: dict[Path, list[Render]] = {}
    jobs: list[soffice.Job] = []
    combined: dict[Path, list[Render]] = {}
    singles: dict[Path, Render] = {}
    for r in renders:
        if r.template is None:
            singles[r.doc] = r
        else:
            groups.setdefault(r.template, []).append(r)
    for number, (template, members) in enumerate(groups.items()):
        if combine.combinable([m.doc for m in members]):
            doc = combine.combine([m.doc for m in members], work / f"combined-{number}-{template.stem}.docx")
            combined[doc] = members
            labels = sorted({m.label for m in members})
            jobs.append(soffice.Job(doc, labels[0] if len(labels) == 1 else f"{len(members)} documents made "
                                                                             f"from template {template.name}"))
        else:
            singles.update({m.doc: m for m in members})
    jobs += [soffice.Job(doc, r.label) for doc, r in singles.items()]
    progress.step(f"convert {len(renders)} documents with LibreOffice ({lo.how})")
    started = time.monotonic()
    converted = lo.convert(jobs, work / "pdf", bookmarks=True, progress=progress)
    progress.add("libreoffice", time.monotonic() - started)
    retry = []
    for doc, members in combined.items():
        bounds = combine.split(converted[doc].pdf, len(members))
        if bounds is None:
            retry += members
            continue
        for m, (offset, pages) in zip(members, bounds, strict=True):
            m.part.pdf, m.part.offset, m.part.pages = converted[doc].pdf, offset, pages
    for doc, r in singles.items():
        r.part.pdf, r.part.offset, r.part.pages = converted[doc].pdf, 0, converted[doc].pages
    if retry:  # pragma: no cover - LibreOffice dropped a destination; convert those one by one
        converted = lo.convert([soffice.Job(r.doc, r.label) for r in retry], work / "pdf-retry", bookmarks=False)
        for r in retry:
            r.part.pdf, r.part.offset, r.part.pages = converted[r.doc].pdf, 0, converted[r.doc].pages
