"""The OCR child process: `python -m assembler.convert.ocr_worker JOBS.json` runs OCRmyPDF's Python
API (ocrmypdf.ocr) on each job in turn and writes what became of it.

A process of its own, started in a session of its own by convert/ocr.py, so that a build stopped by
Ctrl-C, SIGTERM or its deadline ends it and every Tesseract it started by killing one process group,
and its temporary files (TMPDIR: a folder inside the build's work folder) go with the build's.

OCRmyPDF is asked for a text layer only: pages that have text are skipped (skip_text), nothing is
optimised, deskewed or converted to PDF/A (output_type "pdf": the pages keep their own content, the
text is grafted on, invisible), one page at a time with one Tesseract thread (the parent sets
OMP_THREAD_LIMIT=1), so the same input gives the same text. OCRmyPDF names each text layer's form
XObject at random ("/OCR-" and 22 random characters): renamed here by page, so the same input gives
the same bytes (a filing is byte-identical from one build to the next).
"""
from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

NAME_PREFIX = "/OCR-"
FIXED_NAME = "/PdpkOCR"


def main(jobs_file: Path) -> int:
    import ocrmypdf

    logging.basicConfig(level=logging.ERROR, stream=sys.stderr)  # OCRmyPDF's warnings: what it skipped
    jobs = json.loads(jobs_file.read_text(encoding="utf-8"))
    for i, job in enumerate(jobs):
        result: dict = {"index": i}
        try:
            ocrmypdf.ocr(job["src"], job["out"], language=job["languages"], skip_text=True, output_type="pdf",
                         optimize=0, jobs=1, use_threads=True, progress_bar=False, deskew=False,
                         rotate_pages=False, clean=False, tesseract_timeout=job["timeout"])
            fix_names(Path(job["out"]))
            result["ok"] = True
        except Exception as exc:  # noqa: BLE001 - any failure leaves that exhibit as it was, with a warning
            result.update(ok=False, why=f"{type(exc).__name__}: {exc}".strip().splitlines()[0][:300])
        print(json.dumps(result), flush=True)  # the parent's progress line, and its record of this job
    return 0


def fix_names(pdf_path: Path) -> None:
    """Rename OCRmyPDF's randomly named text layers to a name fixed by page; drop its dates."""
    import pikepdf

    with pikepdf.open(pdf_path, allow_overwriting_input=True) as pdf:
        for page in pdf.pages:
            resources = page.obj.get("/Resources")
            xobjects = resources.get("/XObject") if resources is not None else None
            if xobjects is None:
                continue
            renames = {}
            for n, name in enumerate(sorted(k for k in xobjects.keys() if k.startswith(NAME_PREFIX))):
                new = f"{FIXED_NAME}{n}"
                xobjects[new] = xobjects[name]
                del xobjects[name]
                renames[name.encode()] = new.encode()
            if renames:
                contents = page.obj.Contents
                for stream in (list(contents) if isinstance(contents, pikepdf.Array) else [contents]):
                    data = stream.read_bytes()
                    changed = data
                    for old, new_name in renames.items():
                        changed = changed.replace(old, new_name)
                    if changed != data:
                        stream.write(changed)
        for key in ("/CreationDate", "/ModDate"):
            if key in pdf.docinfo:
                del pdf.docinfo[key]
        if "/Metadata" in pdf.Root:
            del pdf.Root.Metadata  # OCRmyPDF's XMP carries the time: the filing writes its own
        pdf.save(pdf_path, deterministic_id=True)


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
