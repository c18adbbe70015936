"""Which LibreOffice a build converts with, and what makes two builds able to share one.

The vocabulary (docs/developer/architecture.md): a `LibreOffice` (convert/renders.py) is what a
build converts with; it tries its kept-running `Converter`s first (warm.Office, the
build's own over UNO, started early by `pdpacket build` (early.py); server.RemoteOffice,
a convert-server), else starts `soffice --convert-to` once per conversion. A `LibreOfficePool`
keeps LibreOffices running between builds and lends them (the web app, a batch worker).
"""
from __future__ import annotations

import contextlib
import multiprocessing.util
import os
import threading
from pathlib import Path

from assembler import workspace
from assembler.casefile.settings import Settings
from assembler.convert import early, keeper, server, soffice, warm
from assembler.convert.cache import Cache
from assembler.convert.renders import LibreOffice


def libreoffice_key(settings: Settings) -> tuple:
    """What decides which LibreOffice libreoffice() gives: a kept one serves every build whose settings agree."""
    return settings.soffice_path, settings.soffice_timeout, settings.soffice_server, settings.soffice_token


def libreoffice(settings: Settings, work: Path, cache: Cache | None = None, lazy: bool = False,
                keep: bool = False) -> LibreOffice:
    """The LibreOffice a build converts with, its private folders in `work`: the convert-server the
    settings name, if it answers; else one of its own kept running over UNO, where a Python with
    `uno` is at hand; else one `soffice --convert-to` start per conversion. With `cache`, documents
    converted before come from there; when the caller (`lazy`) or early.py foresaw all of them there,
    nothing starts LibreOffice but a document the cache turns out to lack. With `keep`, the keeper (the
    user's LibreOffice kept between commands, keeper.py) comes before one of its own, and is started
    if none runs."""
    binary = soffice.find_soffice(settings.soffice_path)
    kept: list[warm.Converter] = []
    if settings.soffice_server:
        kept.append(server.RemoteOffice(settings.soffice_server, settings.soffice_token))
    own = early.adopt(binary)  # `pdpacket build` started it before importing the library
    python = own.python if own else warm.uno_python(binary)
    if python and keep and not settings.soffice_server and keeper.enabled(settings.keeper_idle_minutes):
        kept.append(keeper.KeeperOffice(binary, settings.keeper_idle_minutes * 60))
    if python:
        kept.append(own or warm.Office(binary, work / "lo-warm", python))
    return LibreOffice(binary, work / "lo-profile", settings.soffice_timeout, tuple(kept), cache,
                       lazy=cache is not None and (lazy or early.foreseen_cached()))


class LibreOfficePool:
    """LibreOffices kept running between builds and lent to them: the web app's (one per build running
    at once) and a batch worker's (one, for every chunk it builds).

    A build of its own starts LibreOffice (about a second) and stops it; here a build takes a running
    one and gives it back (warm.Office restarts it after so many conversions, a crash or a hang). One
    that failed once (a convert-server down for a moment, a start that failed) marks itself unusable
    for good, and the next build gets a fresh one. Everything is stopped, profiles removed, by close(),
    and when the process ends. A pool inherited over fork is never used nor stopped by the child:
    a UNO connection does not survive a fork."""

    def __init__(self, keep: bool = False) -> None:
        self.keep = keep  # the first LibreOffice it lends converts on the keeper (keeper.py); the others are its own
        self._reset()

    def _reset(self) -> None:
        self.pid = os.getpid()
        self.lock = threading.Lock()
        self.free: list[tuple[tuple, LibreOffice]] = []
        self.stack = contextlib.ExitStack()
        self.closed = False
        self.finalizer: multiprocessing.util.Finalize | None = None
        self.kept_lent = False  # a LibreOffice on the keeper was made: one is enough, builds at once get their own

    def take(self, settings: Settings) -> LibreOffice | None:
        """A started LibreOffice for one build; None once the pool is closed for good (the build starts its own)."""
        if self.pid != os.getpid():
            self._reset()  # inherited over fork: the parent's LibreOffices are not this process's to use
        key = libreoffice_key(settings)
        stale = []
        with self.lock:
            if self.closed:
                return None
            if self.finalizer is None:
                self.finalizer = multiprocessing.util.Finalize(self, self.close, exitpriority=10)
            found = None
            for i, (k, _) in enumerate(self.free):
                if k == key:
                    found = self.free.pop(i)[1]
                    break
            if found is not None and any(c.unavailable or c.closed for c in found.kept):
                stale.append(found)
                found = None
            if found is None:
                work = self.stack.enter_context(workspace.workdir())
                keep, self.kept_lent = self.keep and not self.kept_lent, self.kept_lent or self.keep
                found = self.stack.enter_context(libreoffice(settings, work, keep=keep))
        for lo in stale:
            lo.close()
        found.start()
        return found

    def give_back(self, settings: Settings, lo: LibreOffice) -> None:
        with self.lock:
            if not self.closed and self.pid == os.getpid():
                self.free.append((libreoffice_key(settings), lo))
                return
        lo.close()

    def close(self, for_good: bool = True) -> None:
        """Stop every LibreOffice of the pool; unless `for_good`, the pool lends new ones afterwards."""
        if self.pid != os.getpid():
            return
        with self.lock:
            self.closed = for_good
            self.free = []
            self.stack.close()
            self.stack = contextlib.ExitStack()
