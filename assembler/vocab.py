"""The words the pipeline shares: kinds of part, template roles, severities, batch statuses.

They are `StrEnum`s so that they print, compare and serialize (manifest, batch
report) as the plain words they replace.
"""
from __future__ import annotations

from enum import StrEnum


class Severity(StrEnum):
    error = "error"
    warning = "warning"


class Role(StrEnum):
    """A Word template's role: the file `<role>.docx` in a template folder."""

    letter = "letter"
    declaration = "declaration"
    index = "index"  # type: ignore[assignment]  # a member named like str.index: fine at run time
    tab = "tab"
    translator_certificate = "translator_certificate"
    certificate_of_service = "certificate_of_service"
    # The court papers (`pdpacket court`): documents/court.py
    court_cover = "court_cover"
    joint_motion = "joint_motion"
    proposed_order = "proposed_order"
    # The signing packet's cover page (`pdpacket sign`), one per language: assembler/sign/
    signing_cover = "signing_cover"
    signing_cover_es = "signing_cover_es"


# The roles of `pdpacket court`'s papers and of `pdpacket sign`'s covers; a filing uses the others
# (and records only those).
COURT_PAPER_ROLES = (Role.court_cover, Role.joint_motion, Role.proposed_order)
SIGNING_ROLES = (Role.signing_cover, Role.signing_cover_es)
FILING_ROLES = tuple(r for r in Role if r not in COURT_PAPER_ROLES + SIGNING_ROLES)


class PartKind(StrEnum):
    """One PDF of the filing: made from a template, or one of the case's own files."""

    letter = "letter"
    form = "form"  # an official form (G-28...) after the letter, filled and flattened: pdf/fill.py
    index = "index"  # type: ignore[assignment]
    tab = "tab"
    declaration = "declaration"
    exhibit = "exhibit"
    translation = "translation"
    translator_certificate = "translator_certificate"
    service = "service"
    # The court papers (`pdpacket court`), one of each per relief: documents/court.py
    court_cover = "court_cover"
    joint_motion = "joint_motion"
    proposed_order = "proposed_order"


class BatchStatus(StrEnum):
    built = "built"
    skipped = "skipped"
    invalid = "invalid"
    failed = "failed"
    interrupted = "interrupted"
    valid = "valid"


MB = 1024 * 1024
# The pictures a case may give where a document goes (an exhibit; a form signed on paper and scanned):
# each becomes PDF pages (convert/exhibits.py), a TIFF a page per frame.
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".tif", ".tiff", ".heic", ".heif"})
LETTER = (612.0, 792.0)  # US Letter in points: every page of a filing  # sizes are given in MB (the courts' 25 MB means MiB in practice)
