"""The one driver: runs a plan of stages (the filing, the court papers, the start of an edit, a
batch chunk) in a private work folder, with the LibreOffice it needs.

A plan is a function of a `Run`: it calls the stages of build.py in its order and returns what
they make. The driver owns everything around it, the same for every plan: the work folder, the
LibreOffice (borrowed from a long-lived caller, or started for this run and stopped with it),
the deadline, removing what a run that did not finish left in the output folder, the run
folders of earlier runs killed before they could clean up, and the words for a file-system
failure.
"""
from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from assembler import build, kept, output, stopping, workspace
from assembler.casefile.case import Case
from assembler.casefile.settings import Settings
from assembler.convert import cache as cache_module
from assembler.convert import memo
from assembler.convert import ocr as ocr_module
from assembler.convert.cache import Cache
from assembler.convert.ocr import Ocr
from assembler.convert.office import libreoffice
from assembler.convert.renders import Ahead, LibreOffice
from assembler.errors import DeadlineError, Finding, PdpacketError
from assembler.options import BuildOptions
from assembler.output import BuildResult
from assembler.progress import Progress
from assembler.vocab import Severity

R = TypeVar("R")


@dataclass
class Run:
    """What a plan of stages is given: its work folder, the caller's options, the LibreOffice."""

    work: Path
    options: BuildOptions
    progress: Progress
    stack: contextlib.ExitStack
    lo: LibreOffice | None = None  # None: the plan converts nothing (the start of an edit), or not yet (a chunk)
    owned: bool = True  # `lo` was started for this run alone: a failure may stop it at once
    planned: list[build.Planned] = field(default_factory=list)
    ocr: Ocr | None = None  # the OCR of scanned exhibits, one for the run (its cases' exhibits in one worker)
    _ahead: Ahead | None = None
    _ahead_asked: bool = False

    @property
    def office(self) -> LibreOffice:
        assert self.lo is not None, "this plan was driven without a LibreOffice"
        return self.lo

    def plan(self, case: Case, settings: Settings, out: Path, folder: str = "case", **how: Any) -> build.Planned:
        """build.plan_build in this run's work folder; what it claims in `out` is removed however the run ends."""
        planned = build.plan_build(case, settings, out, self.work / folder, self.progress,
                                   self.options.templates_dir, **how)
        planned.ocr = self.ocr_for(settings)
        planned.cache = converted_cache(settings, self.options)
        self.planned.append(planned)
        return planned

    def ocr_for(self, settings: Settings) -> Ocr | None:
        """The run's OCR (None: off, by --no-ocr, the settings' ocr.enabled or PDPACKET_OCR=off); stopped
        with the run."""
        if self.ocr is None and settings.ocr and not self.options.no_ocr and ocr_module.enabled():
            self.ocr = self.stack.enter_context(Ocr(self.work, converted_cache(settings, self.options),
                                                    settings.ocr_page_timeout, settings.ocr_languages, self.progress))
        return self.ocr

    def ahead(self) -> Ahead | None:
        """Conversions that start while the rendering goes on, where the LibreOffice is kept running."""
        if not self._ahead_asked and self.lo is not None:
            self._ahead_asked = True
            if Ahead.usable(self.lo):
                self._ahead = self.stack.enter_context(Ahead(self.lo, self.progress, self.owned))
        return self._ahead

    def borrow(self, kept: LibreOffice, settings: Settings) -> LibreOffice:
        """Convert on `kept` (a batch worker's), started now so that it boots while the cases render."""
        kept.start()
        # This run's PDFs in this run's folder, through the cache as this run's options say.
        self.lo, self.owned = replace(kept.in_folder(self.work), cache=converted_cache(settings, self.options)), False
        return self.lo


def drive(stages: Callable[[Run], R], options: BuildOptions, progress: Progress, out: Path, *,
          case: Case | None = None, settings: Settings | None = None, office: bool = True,
          foresee: bool = False) -> R:
    """Run `stages` for `case` (None: a batch chunk, whose stages take care of each of its cases).

    With `office`, a LibreOffice is ready before the stages start: the one the options lend, or one
    started now, so that it boots while the templates are checked and rendered; the build then has
    the settings' deadline. A BuildResult gets the run's timings and a word on what was swept. With
    `foresee` (the filing), a LibreOffice of its own is not started before it is needed when the
    record of the case's last build says every document is in the cache (convert/memo.py)."""
    swept = workspace.sweep_stale() if case is not None else 0
    deadline = stopping.Deadline(settings.deadline if settings else 0)
    try:
        with workspace.workdir() as work, contextlib.ExitStack() as own:
            run = Run(work, options, progress, own)
            try:
                if office:
                    assert settings is not None, "a run with a LibreOffice needs the settings"
                    cache = converted_cache(settings, options)
                    if options.lo is not None:
                        run.lo, run.owned = replace(options.lo.in_folder(work), cache=cache), False
                    else:
                        lazy = foresee and cache is not None and case is not None and memo.all_cached(
                            _memo_of(cache, case, settings, options), case.file, cache.root, memo.today())
                        run.lo = own.enter_context(libreoffice(settings, work, cache, lazy, keep=options.keep))
                        run.lo.start()  # unless early.py foresaw every document in the cache
                    deadline = own.enter_context(stopping.limit(settings.deadline, lambda: _stop_all(run)))
                with kept.bypassed(options.no_cache):  # --no-cache: every result computed again too
                    result = stages(run)
            finally:
                for planned in run.planned:
                    build.abandon(planned)
    except stopping.DeadlinePassed:
        assert settings is not None
        raise _deadline_error(settings) from None
    except OSError as exc:
        raise output.classify_os_error(exc, case.dir if case else out, out) from exc
    except PdpacketError:
        if deadline.passed and settings is not None:  # a build in another thread: its LibreOffice was stopped
            raise _deadline_error(settings) from None
        raise
    if isinstance(result, BuildResult):
        if swept and case is not None:
            result.warnings.append(Finding(
                case.shown, "", f"removed what {swept} earlier pdpacket run(s), killed before they could clean up, "
                "left behind (work folders, LibreOffice)", Severity.warning))
        result.timings = progress.done()
    return result


def _stop_all(run: Run) -> None:
    """At the deadline: LibreOffice, and the OCR worker with every Tesseract it started."""
    if run.ocr is not None:
        run.ocr.close()
    run.office.close()


def converted_cache(settings: Settings, options: BuildOptions) -> Cache | None:
    """The cache of converted PDFs a run converts through (None: --no-cache, PDPACKET_CACHE=off)."""
    return cache_module.open_cache(settings.cache_mb, options.no_cache)


def _deadline_error(settings: Settings) -> DeadlineError:
    return DeadlineError(f"the build did not finish within {settings.deadline} s and was stopped, LibreOffice with it: "
                         "look for a very long text or a document LibreOffice cannot open, or raise filing.deadline "
                         f"in the settings{f' ({settings.path})' if settings.path else ''}")


# --- the plans -------------------------------------------------------------------------------

def build_filing(case: Case, settings: Settings, out: Path, options: BuildOptions,
                 progress: Progress | None = None) -> BuildResult:
    """Build an already validated case's filing into `out`."""
    progress = progress or Progress(False)

    def filing(run: Run) -> BuildResult:
        planned = run.plan(case, settings, out)
        ahead = run.ahead()
        rendered = build.render_documents(planned, run.progress, ahead, draft_index=False)
        [converted] = build.convert_documents([rendered], run.office, run.progress, ahead)
        [settled] = build.settle_indexes([converted], run.office, run.progress)
        result = build.check_and_place(build.assemble_filing(settled, run.progress), out, options.split_parts,
                                       run.progress)
        _remember(run, planned, rendered)
        return result

    return drive(filing, options, progress, out, case=case, settings=settings, foresee=True)


def _remember(run: Run, planned: build.Planned, rendered: build.Rendered) -> None:
    """Record what this build read and which cache entries it used: the next `pdpacket build` of the
    case that finds all of it unchanged starts no LibreOffice early (convert/memo.py)."""
    cache = run.office.cache
    if cache is None:
        return
    case, settings = planned.case, planned.settings
    templates = [c.path for c in planned.choices.values()]
    folders = {t.parent for t in templates} | {p for p in (settings.templates, run.options.templates_dir) if p}
    inputs = [case.file, case.dir / "edits", *templates, *folders, *rendered.inputs,
              *(p for p in (settings.path, planned.signature) if p is not None)]
    memo.record(_memo_of(cache, case, settings, run.options), case.file, inputs, cache.used, memo.today())


def _memo_of(cache: Cache, case: Case, settings: Settings, options: BuildOptions) -> Path:
    return memo.memo_path(cache.root, case.file, settings.path, options.templates_dir)
