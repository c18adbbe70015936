"""Batch against single builds: N copies of sample 1, same machine, same run.

`pdpacket batch --jobs 2` over N cases against N sequential `pdpacket build`
calls. Target (issue 4): the batch at least 5x faster.
Usage: python bench/batch_vs_builds.py [N] [JOBS]
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "1-garcia-lopez"
BIN = Path(sys.executable).parent / "pdpacket"
os.environ["PDPACKET_CACHE"] = "off"  # copies of one case share documents: each build must convert its own


def make_cases(folder: Path, n: int) -> None:
    shutil.copy(ROOT / "samples" / "pdpacket.yaml", folder / "pdpacket.yaml")
    for i in range(n):
        dest = folder / f"case{i:03d}"
        shutil.copytree(SAMPLE, dest, ignore=shutil.ignore_patterns("out"))
        text = (dest / "case.yaml").read_text(encoding="utf-8")
        (dest / "case.yaml").write_text(text.replace('"A201-234-567"', f'"A201-234-{i:03d}"'), encoding="utf-8")


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    jobs = sys.argv[2] if len(sys.argv) > 2 else "2"
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "cases"
        src.mkdir()
        make_cases(src, n)
        started = time.monotonic()
        subprocess.run([BIN, "batch", src, "-o", Path(tmp) / "batch-out", "--jobs", jobs, "--force", "-q"],
                       check=True, stdout=subprocess.DEVNULL)
        batch = time.monotonic() - started
        started = time.monotonic()
        for case in sorted(p for p in src.iterdir() if p.is_dir()):
            subprocess.run([BIN, "build", case, "-o", Path(tmp) / "single-out" / case.name, "-q"], check=True,
                           stdout=subprocess.DEVNULL)
        single = time.monotonic() - started
    result = {"cases": n, "jobs": int(jobs), "batch_s": round(batch, 1), "sequential_builds_s": round(single, 1),
              "ratio": round(single / batch, 2)}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
