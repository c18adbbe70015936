"""Wall time of `pdpacket build` on a sample, and how much of it is LibreOffice.

Usage: python bench/build_sample.py [SAMPLE] [RUNS]
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
from pathlib import Path

from assembler.api import build

ROOT = Path(__file__).resolve().parent.parent
# Builds record themselves in a ledger (api.build): the benchmark's own, never one beside the samples.
os.environ["PDPACKET_CACHE"] = "off"  # each build converts: its stages are what is measured
os.environ.setdefault("PDPACKET_LEDGER", os.path.join(tempfile.gettempdir(), f"pdpacket-bench-{os.getpid()}.db"))


def main() -> int:
    sample = ROOT / "samples" / (sys.argv[1] if len(sys.argv) > 1 else "1-garcia-lopez")
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    totals, lo = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as out:
            t = build(sample, Path(out)).timings
        totals.append(t["total"])
        lo.append(t["libreoffice"])
        print(" ".join(f"{k}={v:.2f}s" for k, v in t.items()), flush=True)
    total, office = statistics.median(totals), statistics.median(lo)
    print(f"median of {runs}: build {total:.2f} s, LibreOffice {office:.2f} s ({office / total:.0%}), "
          f"the rest {total - office:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
