"""Progress lines on stderr, only when a person is watching (a terminal).

Every step's duration is recorded either way, for reports and benchmarks.
"""
from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, enabled: bool | None = None):
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.start = time.monotonic()
        self.current: str | None = None
        self.current_start = self.start
        self.timings: dict[str, float] = {}

    def step(self, what: str) -> None:
        self._close()
        self.current, self.current_start = what, time.monotonic()
        if self.enabled:
            print(f"[{self.current_start - self.start:6.1f}s] {what}", file=sys.stderr, flush=True)

    def note(self, what: str) -> None:
        """A line about the current step (from another thread too), without ending it."""
        if self.enabled:
            print(f"[{time.monotonic() - self.start:6.1f}s] {what}", file=sys.stderr, flush=True)

    def add(self, what: str, seconds: float) -> None:
        self.timings[what] = self.timings.get(what, 0.0) + seconds

    def done(self) -> dict[str, float]:
        self._close()
        self.timings["total"] = time.monotonic() - self.start
        return self.timings

    def _close(self) -> None:
        if self.current is not None:
            key = self.current.split(" ", 1)[0] if self.current.startswith("convert") else self.current
            self.add(key, time.monotonic() - self.current_start)
            self.current = None
