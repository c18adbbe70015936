"""Progress lines on stderr, only when a person is watching (a terminal)."""
from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, enabled: bool | None = None):
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.start = time.monotonic()

    def step(self, what: str) -> None:
        if self.enabled:
            print(f"[{time.monotonic() - self.start:6.1f}s] {what}", file=sys.stderr, flush=True)
