"""Compression of PDF exhibits holding oversized scans (issue 24 point 2, convert/compress.py), measured in one run:

- size: sample 1's filing with a 12-megapixel phone photo of a page wrapped as a PDF exhibit (as a phone's
  "save as PDF" gives it), against the same filing with a 300 dpi scan of that page as a PDF. Target: at
  most 1.2x. The same with images.dpi 0 (compression off) is reported beside it, for scale.
- the same with a 600 dpi colour scan of the page as the PDF exhibit (at most 1.2x too).
- cost: seconds convert/compress.py takes over each exhibit (median of 3, in this process, no cache: a
  rebuild takes the result from the cache). Whole builds on a shared machine are too noisy to show it.

Alone: python bench/compression.py  (prints JSON; --record writes it into bench/results.json as "compress")
"""
from __future__ import annotations

import io
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import img2pdf
from PIL import Image, ImageChops, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent / "pdpacket"
FONT = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"
WORDS = ("respondent family church letter employer school record tax return court the of and to in that "
         "certify volunteer pantry shelter winter Sunday years honest reliable").split()
EXHIBIT = "exhibits/food-pantry.jpg"  # sample 1's photo exhibit, replaced by each PDF in turn


def page(size: tuple[int, int], seed: int = 9) -> Image.Image:
    """A typed page photographed or scanned in colour: off-white paper, dark ink, a sensor's grain."""
    img = Image.new("RGB", size, (236, 232, 222))
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(FONT, size[0] // 54)
    step = size[1] // 45
    for line in range(38):
        draw.text((size[0] // 12, size[1] // 14 + line * step),
                  " ".join(WORDS[(line * 5 + i) % len(WORDS)] for i in range(9)), font=font, fill=(35, 35, 45))
    grain = Image.frombytes("L", size, random.Random(seed).randbytes(size[0] * size[1])).point(lambda v: 120 + v // 16)
    return ImageChops.add(img, Image.merge("RGB", (grain,) * 3), 1, -128)


def as_pdf(image: Image.Image, quality: int, letter: bool, dpi: int | None = None) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="JPEG", quality=quality, **({"dpi": (dpi, dpi)} if dpi else {}))
    if not letter:  # a phone app: the photo's own size
        return img2pdf.convert(buf.getvalue(), nodate=True)
    return img2pdf.convert(buf.getvalue(), layout_fun=img2pdf.get_layout_fun((612, 792)), nodate=True)


def build(case: Path, out: Path, settings: Path) -> int:
    env = {**os.environ, "PDPACKET_OCR": "off", "PDPACKET_CACHE": "off", "PDPACKET_SETTINGS": str(settings)}
    subprocess.run([BIN, "build", "-q", case, "-o", out], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return next(out.glob("*.pdf")).stat().st_size


def compress_seconds(pdf: Path, work: Path, runs: int = 3) -> float:
    from assembler.convert.compress import compress_pdf

    times = []
    for n in range(runs):
        started = time.monotonic()
        compress_pdf(pdf, work / f"compressed-{n}.pdf", "bench", 300, 85)
        times.append(time.monotonic() - started)
    return statistics.median(times)


def measure() -> dict:
    with tempfile.TemporaryDirectory(prefix="pdpacket-bench-compress-") as tmp:
        work = Path(tmp)
        samples = work / "samples"
        shutil.copytree(ROOT / "samples", samples)
        case = samples / "1-garcia-lopez"
        case_file = case / "case.yaml"
        case_file.write_text(case_file.read_text(encoding="utf-8").replace(EXHIBIT, "exhibits/food-pantry.pdf"),
                             encoding="utf-8")
        firm = samples / "pdpacket.yaml"
        off = samples / "compression-off.yaml"  # beside the firm's: its paths are relative to its folder
        off.write_text(firm.read_text(encoding="utf-8") + "\nimages: {dpi: 0}\n", encoding="utf-8")
        photo = page((3000, 4000))
        exhibits = {
            "photo_12mp": as_pdf(photo, 92, letter=False),
            "scan_600dpi": as_pdf(page((5100, 6600)), 90, letter=True, dpi=600),
            "scan_300dpi": as_pdf(page((2550, 3300)), 85, letter=True, dpi=300),
        }
        found: dict = {}
        for name, pdf in exhibits.items():
            exhibit = case / "exhibits" / "food-pantry.pdf"
            exhibit.write_bytes(pdf)
            found[name] = {"exhibit_bytes": len(pdf), "filing_bytes": build(case, work / f"out-{name}", firm),
                           "filing_bytes_uncompressed": build(case, work / f"off-{name}", off),
                           "compress_s": round(compress_seconds(exhibit, work), 2)}
        reference = found["scan_300dpi"]["filing_bytes"]
        for name in ("photo_12mp", "scan_600dpi"):
            found[name]["ratio"] = round(found[name]["filing_bytes"] / reference, 3)
            found[name]["ratio_uncompressed"] = round(found[name]["filing_bytes_uncompressed"] / reference, 3)
        found["target_max"] = 1.2
        return found


def report(results: dict) -> list[str]:
    lines = []
    for name, label in (("photo_12mp", "a 12 MP photo as PDF"), ("scan_600dpi", "a 600 dpi colour scan")):
        r = results[name]
        lines.append(f"{'9. sample 1 with ' + label + ' vs a 300 dpi scan':48} "
                     f"{r['filing_bytes'] / 1e6:>6.2f} MB / {results['scan_300dpi']['filing_bytes'] / 1e6:.2f} MB = "
                     f"{r['ratio']:.2f}x {'<= 1.2x':>8}   (uncompressed: {r['ratio_uncompressed']:.2f}x; "
                     f"compressing took {r['compress_s']:.2f} s)")
    return lines


if __name__ == "__main__":
    measured = measure()
    print(json.dumps(measured, indent=2))
    print("\n".join(report(measured)))
    if "--record" in sys.argv:
        results_file = ROOT / "bench" / "results.json"
        results = json.loads(results_file.read_text())
        results["compress"] = {**measured, "date": time.strftime("%Y-%m-%d")}
        results_file.write_text(json.dumps(results, indent=2) + "\n")
