"""Who signs what in a case's current build, and where each signature stands: the web app's Signatures page.

Read from the build's manifest (`signatures`, documents/signers.py) and CASE/signed/ (documents/signed.py),
the same records `pdpacket status`, `sign` and `signed` read; nothing is written. Each signer is one section
of the signing packet (packet.sections), numbered as its copy there.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from assembler.casefile.case import case_settings, today, validate_case
from assembler.documents import signed as record_mod
from assembler.documents import signers
from assembler.errors import Finding, PdpacketError
from assembler.options import BuildOptions
from assembler.sign.packet import COVER_ROLES, current_signatures, executed_on_notes, sections

SIGNED, MISSING, OUTDATED = "signed", "missing", "outdated"


@dataclass(frozen=True)
class Signature:
    document: str  # its label: "Declaration of Sofía García"
    page: int  # within the document
    filing_page: int
    role: str  # declarant, interpreter, translator, client, attorney...
    state: str  # SIGNED, MISSING or OUTDATED (ink); SIGNED for an electronic one the build types
    source: str = ""  # where a signed page came from: "scans/visit.pdf page 2"


@dataclass
class Signer:
    copy: int  # the signer's section of the signing packet, from 1
    name: str
    language: str
    signatures: list[Signature] = field(default_factory=list)

    @property
    def instructions(self) -> str:
        """The language of the signer's cover page: theirs when a cover in it ships (COVER_ROLES), else
        English (the web walk-through was promised Vietnamese instructions and printed an English cover)."""
        return self.language if self.language in COVER_ROLES else "English"


@dataclass
class SigningView:
    problem: str = ""  # why no signing packet can be printed now (not built, changed since), "" when it can
    signers: list[Signer] = field(default_factory=list)  # who signs in ink, in filing order
    electronic: list[tuple[str, str]] = field(default_factory=list)  # (name, document) typed as "/s/" by the build
    notes: list[Finding] = field(default_factory=list)  # a declaration still to sign dated another day than today

    @property
    def total(self) -> int:
        return sum(len(s.signatures) for s in self.signers)

    @property
    def signed(self) -> int:
        return sum(1 for s in self.signers for g in s.signatures if g.state == SIGNED)


def signing_view(case_path: Path, options: BuildOptions | None = None) -> SigningView:
    """Who signs what in the build in CASE/out, each ink signature signed, missing or outdated. An invalid case,
    or one not built, raises its PdpacketError; a case changed since its build gives the list of that build with
    `problem` saying to build again (the packet is printed from a current build only)."""
    options = options or BuildOptions()
    settings = case_settings(Path(case_path), options)
    case = validate_case(Path(case_path), options, settings=settings)
    view = SigningView()
    try:
        _, record = current_signatures(case, settings, case.dir / "out", options.templates_dir,
                                       "again first ({build})", signed_since=True)
    except PdpacketError as exc:
        from assembler.send.built import load_built

        view.problem = exc.message
        record = load_built(case, settings, case.dir / "out", options.templates_dir).manifest.get("signatures") or {}
    docs = {d["id"]: d.get("label") or d["title"] for d in record.get("documents", [])}
    entries = {(e["document"], e["page"], e["role"]): e for e in record_mod.read_record(case.dir)["pages"]
               if isinstance(e, dict) and {"document", "page", "role", "file"} <= e.keys()}
    unsigned: set[str] = set()
    for section in sections(record):
        signer = Signer(section.copy, section.name, section.language)
        for sig in section.signatures:
            entry = entries.get((sig["document"], sig["page"], sig["role"]))
            state = (MISSING if entry is None else SIGNED if record_mod.is_current(entry, record, case.dir)
                     else OUTDATED)
            source = f"{entry.get('scan')} page {entry.get('scan_page')}" if entry and state == SIGNED else ""
            signer.signatures.append(Signature(docs.get(sig["document"], sig["document"]), sig["page"],
                                               sig["filing_page"], sig.get("role") or "", state, source))
        view.signers.append(signer)
        unsigned.update(sig["document"] for sig, g in zip(section.signatures, signer.signatures, strict=True)
                        if g.state != SIGNED)
    view.notes = executed_on_notes(case, unsigned, today())
    view.electronic = [(s["signer"], docs.get(s["document"], s["document"])) for s in record.get("required", [])
                       if s["kind"] == signers.SignKind.electronic]
    return view
