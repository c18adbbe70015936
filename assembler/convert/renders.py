"""Documents on their way through LibreOffice, and the parts of the filing their PDFs become.

Renders of one template (from one case or a whole batch) are converted as one
combined document when that cannot change their pages (see combine.py): a
LibreOffice document costs a few hundredths of a second on top of its start.
"""
from __future__ import annotations

import concurrent.futures
import dataclasses
import tempfile
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from assembler.convert import cache, combine, soffice, warm
from assembler.convert.cache import Cache
from assembler.documents.plan import Part
from assembler.progress import Progress


@dataclass(frozen=True)
class Render:
    """A document for LibreOffice, and the part of the filing its PDF becomes."""

    doc: Path
    part: Part
    label: str
    template: Path | None  # None for a case's own .docx/.odt exhibit: never combined


@dataclass(frozen=True)
class PartPdf:
    """Where a part's pages are: `pages` pages of `pdf` from `offset` (several parts may share one PDF)."""

    pdf: Path
    offset: int
    pages: int


@dataclass(frozen=True)
class LibreOffice:
    """The LibreOffice to convert with: the program, the time a conversion may take, and the
    LibreOffices kept running to try first, in order (a convert-server, one of the build's own);
    when none can be used, one `soffice --convert-to` start per conversion."""

    binary: str
    profile: Path  # the one-shot path's private profile; a kept-running LibreOffice has its own
    timeout: int
    kept: tuple[warm.Converter, ...] = ()
    # The converted PDFs kept between builds (None: off, by --no-cache or PDPACKET_CACHE=off).
    cache: Cache | None = None
    # Started by its first conversion only: the record of the last build says every document is
    # in the cache (memo.py), so a rebuild with nothing changed starts no LibreOffice.
    lazy: bool = False

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
        if current is not None and not self.lazy:
            try:
                current.start()
            except warm.Unavailable:
                pass  # said when the first conversion falls back

    def convert(self, jobs: list[soffice.Job], outdir: Path, bookmarks: bool,
                progress: Progress | None = None, fallback: bool = True) -> dict[Path, soffice.Converted]:
        """Convert on the first kept-running LibreOffice that works; with none, one `soffice
        --convert-to` start, unless not `fallback` (then warm.Unavailable: the caller decides)."""
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
        if any(k.closed for k in self.kept):  # stopped by its owner (Ctrl-C): no one-shot start instead
            raise soffice.ConversionError("LibreOffice was stopped before it converted the documents")
        if not fallback:
            raise warm.Unavailable("no LibreOffice kept running can be used")
        return soffice.convert(jobs, outdir, self.profile, self.binary, self.timeout, bookmarks=bookmarks)

    def in_folder(self, work: Path) -> LibreOffice:
        """The same LibreOffice for a build whose work folder is `work`: the PDFs it converts go there
        (convert_renders writes beside the profile), not into the folder of whoever keeps it running,
        which lives as long as the web app or the batch worker does."""
        return dataclasses.replace(self, profile=work / "lo-profile")

    def close(self) -> None:
        """Stop the kept-running LibreOffices of this build (whole process groups) and remove their profiles."""
        for kept in self.kept:
            kept.close()

    def __enter__(self) -> LibreOffice:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def convert_renders(renders: list[Render], lo: LibreOffice, progress: Progress,
                    fallback: bool = True) -> dict[Path, PartPdf]:
    """Convert documents in one LibreOffice start; return where each render's pages are, by its document."""
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
    looked = time.monotonic()
    keys = _keys(lo, jobs, bookmarks=True)
    converted = _cached(lo, keys, jobs, work / "cached")
    progress.add("cache", time.monotonic() - looked)  # the cost of the cache on a cold build: bench/
    missing = [j for j in jobs if j.source not in converted]
    hits = sum(len(combined.get(j.source, [j])) for j in jobs if j.source in converted)
    if lo.cache is not None:
        lo.cache.hits, lo.cache.misses = lo.cache.hits + hits, lo.cache.misses + len(renders) - hits
    progress.step(_saying(len(renders), hits, lo))
    if missing:
        started = time.monotonic()
        fresh = lo.convert(missing, work / "pdf", bookmarks=True, progress=progress, fallback=fallback)
        progress.add("libreoffice", time.monotonic() - started)
        kept = time.monotonic()
        _keep(lo, keys, fresh)
        progress.add("cache", time.monotonic() - kept)
        converted |= fresh
    made: dict[Path, PartPdf] = {}
    retry = []
    for doc, members in combined.items():
        bounds = combine.split(converted[doc].pdf, len(members))
        if bounds is None:
            retry += members
            continue
        for m, (offset, pages) in zip(members, bounds, strict=True):
            made[m.doc] = PartPdf(converted[doc].pdf, offset, pages)
    for doc in singles:
        made[doc] = PartPdf(converted[doc].pdf, 0, converted[doc].pages)
    if retry:  # pragma: no cover - LibreOffice dropped a destination; convert those one by one
        converted = lo.convert([soffice.Job(r.doc, r.label) for r in retry], work / "pdf-retry", bookmarks=False)
        _keep(lo, _keys(lo, [soffice.Job(r.doc, r.label) for r in retry], bookmarks=False), converted)
        for r in retry:
            made[r.doc] = PartPdf(converted[r.doc].pdf, 0, converted[r.doc].pages)
    return made


def step_saying(documents: int, lo: LibreOffice) -> str:
    """The progress line of conversions handed to Ahead, before it is known what the cache holds."""
    through = "from the cache of converted PDFs, else " if lo.cache is not None else ""
    return f"convert {documents} documents ({through}with LibreOffice ({lo.how}))"


def cache_saying(lo: LibreOffice) -> str | None:
    """How many documents came from the cache, said after the conversions (None: no cache)."""
    if lo.cache is None:
        return None
    hits, misses = lo.cache.hits, lo.cache.misses
    return (f"{hits} of {hits + misses} documents came from the cache of converted PDFs"
            + ("" if misses else ": LibreOffice was not needed"))


def _saying(documents: int, hits: int, lo: LibreOffice) -> str:
    """The progress line of a conversion: how many documents came from the cache."""
    if lo.cache is None or not hits:
        return f"convert {documents} documents with LibreOffice ({lo.how})"
    if hits == documents:
        return f"convert {documents} documents: all from the cache of converted PDFs, no LibreOffice needed"
    return f"convert {documents} documents: {hits} from the cache, {documents - hits} with LibreOffice ({lo.how})"


def _keys(lo: LibreOffice, jobs: list[soffice.Job], bookmarks: bool) -> dict[Path, str]:
    """Each job's cache key: the bytes LibreOffice is given, the export options, which LibreOffice."""
    if lo.cache is None:
        return {}
    options = soffice.PDF_FILTER if bookmarks else soffice.PLAIN_FILTER
    identity = cache.libreoffice_identity(lo.binary)
    return {j.source: lo.cache.key(j.source.read_bytes(), options, identity) for j in jobs}


def _cached(lo: LibreOffice, keys: dict[Path, str], jobs: list[soffice.Job], folder: Path) -> dict[Path, soffice.Converted]:
    """The jobs whose PDFs the cache holds, written out as LibreOffice would have written them."""
    found: dict[Path, soffice.Converted] = {}
    if lo.cache is None:
        return found
    for job in jobs:
        entry = lo.cache.get(keys[job.source])
        if entry is not None:
            folder.mkdir(parents=True, exist_ok=True)
            pdf = folder / f"{job.source.stem}.pdf"
            pdf.write_bytes(entry.pdf)
            found[job.source] = soffice.Converted(pdf, entry.pages)
    return found


def _keep(lo: LibreOffice, keys: dict[Path, str], made: dict[Path, soffice.Converted]) -> None:
    """Put what LibreOffice just converted into the cache (checked already: soffice.checked)."""
    if lo.cache is None or not made:
        return
    for source, converted in made.items():
        lo.cache.put(keys[source], converted.pdf.read_bytes(), converted.pages)
    lo.cache.trim()


class Ahead:
    """Conversions that start while the build is still rendering.

    A build's LibreOffice otherwise sits idle until every document is rendered, and
    the renders then wait for it: here each template's renders go to LibreOffice as
    soon as the last of them is filled (converted in a thread of its own, so Python
    fills the next template meanwhile, on the other core). Only for a kept-running
    LibreOffice: with one start per conversion, converting in pieces would start it
    many times. The results are the same as converting everything at once: each
    group goes through convert_renders, which is all a conversion ever is.
    """

    def __init__(self, lo: LibreOffice, progress: Progress, owned: bool = True):
        self.lo, self.owned = lo, owned  # owned: the build's own LibreOffice, stopped when the build ends
        self.progress = _Relay(progress)  # the thread's own timings, added to the build's at finish()
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="pdpacket-convert")
        self.futures: list[tuple[Future, list[Render]]] = []  # sent since the last finish()
        self.all: list[Future] = []
        self.sent: set[int] = set()  # id() of the renders handed over
        self.converted: dict[Path, PartPdf] = {}  # what the finished conversions made, by document

    @staticmethod
    def usable(lo: LibreOffice) -> bool:
        return lo.current is not None

    def send(self, renders: list[Render]) -> None:
        # Once the kept-running LibreOffice proved unusable, the rest waits for one start of its own.
        if renders and self.usable(self.lo):
            self.sent.update(id(r) for r in renders)
            self.futures.append((self.pool.submit(self._convert, renders), renders))
            self.all.append(self.futures[-1][0])

    def _convert(self, renders: list[Render]) -> dict[Path, PartPdf] | None:
        """In the thread: convert on the kept-running LibreOffice, or leave the renders to the build's
        own thread (None) when it cannot be used: a one-shot start here, in a thread and a session of
        its own, would be out of Ctrl-C's reach."""
        try:
            return convert_renders(renders, self.lo, self.progress, fallback=False)
        except warm.Unavailable:
            return None

    def unsent(self, renders: list[Render]) -> list[Render]:
        return [r for r in renders if id(r) not in self.sent]

    def finish(self, progress: Progress) -> None:
        """Wait for every conversion sent; raise the first failure, as converting at once would."""
        try:
            _wait([f for f, _ in self.futures])
            for future, renders in self.futures:
                made = future.result()
                if made is None:  # not converted: convert_documents does it, in one start
                    self.sent.difference_update(id(r) for r in renders)
                else:
                    self.converted.update(made)
        finally:
            self.futures = []
            for key, seconds in self.progress.timings.items():
                if key.startswith(("libreoffice", "cache")):
                    progress.add(key, seconds)
            self.progress.timings.clear()

    def __enter__(self) -> Ahead:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if kind is not None and (self.owned or not issubclass(kind, Exception)):
            # The build failed, or Ctrl-C: stop LibreOffice now rather than wait for a conversion
            # in flight (or a start that hangs) to time out. A LibreOffice the build borrowed (the
            # web app's, a batch worker's) is stopped only when the process is ending.
            self.lo.close()
        self.pool.shutdown(wait=False, cancel_futures=True)
        _wait(self.all)


def _wait(futures: list[Future]) -> None:
    """Wait for `futures`, a tenth of a second at a time: Ctrl-C may reach the conversion thread
    instead of this one, and a wait without a timeout would not notice it (seen: a build that
    went on waiting for LibreOffice after Ctrl-C).

    Done is asked of each future, not of concurrent.futures.wait: a future cancelled by
    `shutdown(cancel_futures=True)` is CANCELLED, which wait() never counts as done (it waits
    for CANCELLED_AND_NOTIFIED), so a build that failed with a group still queued waited for ever."""
    pending = [f for f in futures if not f.done()]
    while pending:
        concurrent.futures.wait(pending, timeout=0.1)
        pending = [f for f in pending if not f.done()]


class _Relay(Progress):
    """The conversion thread's progress: quiet, but what LibreOffice.convert has to say (a
    kept-running LibreOffice that cannot be used, and what is used instead) reaches the build's."""

    def __init__(self, build: Progress):
        super().__init__(enabled=False)
        self.build = build

    def step(self, what: str) -> None:
        super().step(what)
        if what.startswith("convert:"):
            self.build.note(what)
