"""`pdpacket check`: a finished filing checked as the office will receive it (against the manifest
beside it when it is that filing's), and one over the size limit cut into numbered parts."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pypdf import PdfReader

from assembler.casefile.settings import load_settings
from assembler.errors import InputFileError
from assembler.options import NO_OPTIONS, CommandOptions
from assembler.pdf import pades, preflight, split
from assembler.vocab import MB


@dataclass
class FilingCheck:
    """What `check_filing` found, and the parts it wrote when asked to split."""

    report: preflight.CheckReport
    with_manifest: bool
    parts: list[Path] = field(default_factory=list)
    bytes_saved: int | None = None  # by downsampling the exhibits' images, as the build's manifest records it
    images_downsampled: int | None = None  # how many (None: a manifest from before it counted them)
    signature: str = "no digital signature"  # pdf/pades.py: "digital signature: valid, signed by ..."


def check_filing(filing: Path, limit_mb: float | None = None, split_parts: bool = False,
                 options: CommandOptions = NO_OPTIONS) -> FilingCheck:
    """Preflight a filing (against the manifest beside it, if it is that filing's);
    with `split_parts`, cut one over the size limit into numbered parts beside it."""
    filing = Path(filing)
    if not filing.is_file():
        raise InputFileError(f"{filing}: no such file: check the path")
    limit = limit_mb or load_settings(options.settings_file, filing.parent).size_limit_mb
    manifest = preflight.load_manifest_beside(filing)
    not_pdf = _not_a_pdf(filing)
    if not_pdf:
        report = preflight.CheckReport(filing, size_bytes=filing.stat().st_size)
        report.error(not_pdf)
        return FilingCheck(report, False)
    # pypdf's log of what it repaired never reaches stderr (assembler/pdf/__init__.py): the findings say it
    report = preflight.check_filing(filing, manifest, limit)
    recorded = (manifest or {}).get("filing") or {}
    saved, images = recorded.get("image_bytes_saved"), recorded.get("images_downsampled")
    signature = pades.read_signature(filing)
    if signature.signed and not signature.intact:
        report.error(f"{signature.line()}: build it again (or ask the sender for the file as signed)")
    result = FilingCheck(report, manifest is not None, bytes_saved=saved if isinstance(saved, int) else None,
                         images_downsampled=images if isinstance(images, int) else None, signature=signature.line())
    too_big = [f for f in report.errors if f.kind == "size"]
    if too_big and split_parts:
        reader = PdfReader(filing)
        units = split.units_from_manifest(manifest) if manifest else split.units_from_outline(reader)
        title = (reader.metadata.title if reader.metadata else None) or filing.stem
        result.parts = split.split(filing, units, int(limit * MB), str(title))
        report.findings = [f for f in report.findings if f not in too_big]
    return result


def images_saying(check: FilingCheck) -> str | None:
    """"images: 3 downsampled, 4.2 MB saved" (image exhibits and PDF exhibits' images together), or None
    when nothing was downsampled or the filing has no manifest saying it."""
    if not check.bytes_saved:
        return None
    count = f"{check.images_downsampled} downsampled, " if check.images_downsampled else ""
    return f"images: {count}{check.bytes_saved / MB:.1f} MB saved"


_KINDS = {"jpeg": "a JPEG image", "png": "a PNG image", "tiff": "a TIFF image", "docx": "a Word or OpenDocument file",
          "odt": "a Word or OpenDocument file"}


def _not_a_pdf(path: Path) -> str | None:
    """Why a file is not a PDF at all (an image, a Word file...), or None: it says it is one."""
    from assembler.casefile.rules import MAGIC

    with open(path, "rb") as fh:
        head = fh.read(1024)
    if b"%PDF" in head:
        return None
    kind = next((k for k, marks in MAGIC.items() if any(head.startswith(m) for m in marks)), None)
    if kind not in _KINDS:
        return None  # something else: the check says it does not open as a PDF
    return f"the file is not a PDF (it is {_KINDS[kind]}): check the PDF filing"


