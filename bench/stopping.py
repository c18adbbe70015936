"""How fast a build stops: SIGINT, SIGTERM and SIGHUP (issue 19's target: each ends the build
within 2 s, with nothing left running), measured here and not asserted in the tests, because a
timed assertion fails on a shared machine (CI once saw 6.4 s while two suites shared two CPUs).

Two measurements, each from the signal to the build's exit:
- moments: builds of sample 1 signalled at seeded random moments between 0.05 and 2.5 s after
  their start (any stage: reading, rendering, converting, assembling, writing);
- stuck: a build whose LibreOffice is stopped (the UNO client fake's HANGME), the case where a
  build used to wait for soffice.timeout.
Usage: python bench/stopping.py [N]   (N signals for `moments`, default 24); run.py calls measure().
"""
from __future__ import annotations

import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
FAULTY_PYTHON = ROOT / "tests" / "fakes" / "uno-python"
SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
CODES = {signal.SIGINT: 130, signal.SIGTERM: 143, signal.SIGHUP: 129}


def _build(case: Path, out: Path, env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "assembler", "build", str(case), "-o", str(out), "-q"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _stop(proc: subprocess.Popen, sig: signal.Signals) -> tuple[float, int | None]:
    proc.send_signal(sig)
    sent = time.monotonic()
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
        return float("inf"), None
    proc.said = err  # type: ignore[attr-defined]
    return time.monotonic() - sent, proc.returncode


def _summary(times: list[float], codes_ok: int) -> dict:
    ordered = sorted(times)
    return {"signals": len(times), "median_s": round(statistics.median(ordered), 3),
            "p95_s": round(ordered[max(0, round(0.95 * len(ordered)) - 1)], 3), "max_s": round(ordered[-1], 3),
            "over_2s": sum(t >= 2 for t in ordered), "right_exit_code": codes_ok}


def moments(work: Path, n: int) -> dict:
    case = work / "case"
    shutil.copytree(SAMPLES / "1-garcia-lopez", case)
    for name in ("pdpacket.yaml", "g28-stand-in.pdf"):
        shutil.copy(SAMPLES / name, work / name)
    # The cache off: every build here must have a LibreOffice to signal.
    env = {**os.environ, "TMPDIR": str(work), "PDPACKET_LEDGER": str(work / "ledger.db"), "PDPACKET_CACHE": "off"}
    draw = random.Random(19)
    times, ok, odd = [], 0, []
    for i in range(n):
        sig = SIGNALS[i % len(SIGNALS)]
        proc = _build(case, work / "out", env)
        at = draw.uniform(0.05, 2.5)
        time.sleep(at)
        took, code = _stop(proc, sig)
        times.append(took)
        right = code in (0, CODES[sig])  # 0: the build had finished before the signal came
        ok += right
        if not right or took >= 1:
            odd.append({"signal": sig.name, "after_s": round(at, 2), "took_s": round(took, 2), "exit": code,
                        "said": getattr(proc, "said", "")[-int(os.environ.get("BENCH_SAID", "300")):]})
    return {**_summary(times, ok), "odd": odd}


def stuck(work: Path, rounds: int = 2) -> dict | None:
    if not FAULTY_PYTHON.exists():
        return None
    sys.path.insert(0, str(ROOT / "tests"))
    from helpers import minimal, write_case  # the tests' own minimal case, with the fake's HANGME cue

    case = work / "hang"
    write_case(case, minimal(**{"request.summary": "Summary HANGME."}))
    env = {**os.environ, "TMPDIR": str(work), "PDPACKET_LEDGER": str(work / "ledger.db"), "PDPACKET_CACHE": "off",
           "PDPACKET_UNO_PYTHON": str(FAULTY_PYTHON)}
    times, ok = [], 0
    for sig in SIGNALS * rounds:
        proc = _build(case, work / "out-hang", env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not _stopped_libreoffice(proc.pid):
            time.sleep(0.05)
        took, code = _stop(proc, sig)
        times.append(took)
        ok += code == CODES[sig]
    return _summary(times, ok)


def _stopped_libreoffice(pid: int) -> bool:
    """A LibreOffice of the build `pid` in state T (stopped), as HANGME leaves it."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
            state = (entry / "stat").read_text().rsplit(")", 1)[-1].split()[0]
        except OSError:
            continue
        if f"pdpacket-{pid}-" in cmdline and "soffice" in cmdline and state == "T":
            return True
    return False


def measure(n: int = 24) -> dict:
    with tempfile.TemporaryDirectory(prefix="pdpacket-bench-stop-") as tmp:
        work = Path(tmp)
        (work / "a").mkdir()
        (work / "b").mkdir()
        return {"moments": moments(work / "a", n), "stuck": stuck(work / "b")}


def report(result: dict) -> list[str]:
    lines = []
    for key, label in (("moments", "at random moments"), ("stuck", "LibreOffice stuck")):
        r = result.get(key)
        if r:
            lines.append(f"{'6. a signal ends a build, ' + label + ' (' + str(r['signals']) + ')':48} "
                         f"median {r['median_s']:.2f} s, max {r['max_s']:.2f} s {'<= 2 s':>10}")
    return lines


if __name__ == "__main__":
    os.environ.setdefault("PDPACKET_TODAY", "2026-11-28")
    found = measure(int(sys.argv[1]) if len(sys.argv) > 1 else 24)
    print("\n".join(report(found)))
    print(found)
