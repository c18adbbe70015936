"""Reading signed scans back (issue 23), and what signed pages add to a filing (bench/run.py section 8).

- reading: 100 scanned pages (150 dpi gray JPEG, as a phone app or office scanner gives them) of
  sample 1's signing packet, every signature page signed (tools/simulate_signing.py), each page
  a little tilted and some turned 90 or 180 degrees or grainy, read by `pdpacket signed`'s own
  code (api.read_signed, --dry-run: nothing written): seconds per page, target at most 0.2 s;
  and the part of it spent finding and decoding the page codes (sign/scans.read_codes).
- size: sample 1's filing built with its shipped signed pages (samples/1-garcia-lopez/signed/)
  against the same case built without them: target at most 1.3x.

Alone: python bench/reading.py [PAGES]  (prints JSON and the two lines of the table)
"""
from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE1 = ROOT / "samples" / "1-garcia-lopez"
sys.path.insert(0, str(ROOT / "tools"))
os.environ.setdefault("PDPACKET_TODAY", "2026-11-28")

PAGES = 100
TARGET_S_PER_PAGE = 0.2
TARGET_SIZE_RATIO = 1.3


def _scans(case: Path, work: Path, pages: int) -> list[Path]:
    """`pages` JPEGs of the case's signing packet pages, signed where someone signs, damaged a little."""
    from simulate_signing import jpeg, noisy, packet_pages, sign, signature_pages

    from assembler.api import sign_packet

    manifest = json.loads((case / "out" / "manifest.json").read_text(encoding="utf-8"))
    packet = packet_pages(sign_packet(case, target=work / "packet.pdf").file, work / "png")
    signing = set(signature_pages(packet, manifest["signatures"]["required"]))
    rng = random.Random(8)
    folder = work / "scans"
    folder.mkdir()
    out = []
    for n in range(pages):
        i = n % len(packet)
        image = sign(packet[i], rng) if i in signing else packet[i].image
        image = image.rotate(rng.choice([0, 0, 0, 90, 180]) + rng.uniform(-3, 3), expand=True, fillcolor=250)
        if n % 5 == 0:
            image = noisy(image)
        out.append(jpeg(image, folder / f"scan-{n:03d}.jpg", 60))
    return out


def reading(work: Path, pages: int = PAGES, runs: int = 3) -> dict:
    from PIL import Image

    from assembler.api import build, read_signed
    from assembler.sign import scans as scan_pages

    case = work / "reading-case"
    shutil.copytree(SAMPLE1, case, ignore=shutil.ignore_patterns("out", "signed"))
    build(case)
    files = _scans(case, work, pages)
    times = []
    for _ in range(runs):
        started = time.monotonic()
        result = read_signed(case, files, dry_run=True)
        times.append(time.monotonic() - started)
    decode = []
    for f in files:
        with Image.open(f) as im:
            image = im.convert("L")
        started = time.monotonic()
        found, _ = scan_pages.read_codes(image)
        decode.append(time.monotonic() - started)
    per_page = statistics.median(times) / pages
    return {"pages": pages, "dpi": 150, "runs_s": [round(t, 2) for t in times],
            "s_per_page": round(per_page, 3), "target_max_s_per_page": TARGET_S_PER_PAGE,
            "codes_s_per_page": round(statistics.mean(decode), 3),
            "accepted": len(result.accepted), "other_pages": result.other_pages,
            "unreadable": len(result.unreadable), "refused": len(result.refused)}


def size(work: Path) -> dict:
    from assembler.api import build

    out = {}
    for name, ignore in (("unsigned", ("out", "signed")), ("signed", ("out",))):
        case = work / f"size-{name}"
        shutil.copytree(SAMPLE1, case, ignore=shutil.ignore_patterns(*ignore))
        result = build(case)
        out[name] = Path(result.filing).stat().st_size
    manifest = json.loads((work / "size-signed" / "out" / "manifest.json").read_text(encoding="utf-8"))
    in_filing = sum(1 for s in manifest["signatures"]["required"] if s.get("in_filing") == "signed")
    return {"unsigned_bytes": out["unsigned"], "signed_bytes": out["signed"], "signed_pages": in_filing,
            "ratio": round(out["signed"] / out["unsigned"], 3), "target_max_ratio": TARGET_SIZE_RATIO}


def measure(work: Path, pages: int = PAGES) -> dict:
    # The sample's own settings (the firm, the forms); a ledger of the benchmark's own.
    os.environ["PDPACKET_SETTINGS"] = str(ROOT / "samples" / "pdpacket.yaml")
    os.environ.setdefault("PDPACKET_LEDGER", str(work / "reading-ledger.db"))
    return {"reading": reading(work, pages), "size": size(work)}


def report(r: dict) -> list[str]:
    rd, sz = r["reading"], r["size"]
    return [f"{'10. reading ' + str(rd['pages']) + ' scanned pages (150 dpi JPEG)':48} "
            f"{rd['s_per_page']:>11.3f} s/page (codes {rd['codes_s_per_page']:.3f}) {'<= 0.2 s':>10}",
            f"{'10. sample 1 filing, signed vs unsigned':48} "
            f"{sz['signed_bytes'] / 1e6:>7.2f} MB / {sz['unsigned_bytes'] / 1e6:.2f} MB = {sz['ratio']:.2f}x "
            f"{'<= 1.3x':>10}"]


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else PAGES
    with tempfile.TemporaryDirectory(prefix="pdpacket-reading-") as tmp:
        result = measure(Path(tmp), count)
    print(json.dumps(result, indent=2))
    print("\n".join(report(result)))
