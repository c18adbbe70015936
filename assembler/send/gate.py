"""The send gate: a filing leaves the office only approved and signed (issue 23 points 5 and 8).

`email` and `send` (and the web app's Send) refuse while the filing is a draft (no current
approval by the attorney, pdf/approval.py), or while any signature in ink the filing needs
(the build's manifest, documents/signers.py) has no signed page read back on the build's text
(CASE/signed/, documents/signed.py). Each missing signature is named, document, page and
signer, with the command that fixes it. Once the build puts the signed scans into the filing,
the manifest's signatures carry `in_filing`; where the build knows that field, a signature
counts only when its scan is in the filing (`in_filing: "signed"`).

`email --unsigned-draft` is the one way around: a draft for internal review, marked as such,
never sent and never recorded as sent.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from assembler.casefile.case import Case
from assembler.casefile.settings import Settings
from assembler.documents import signed, signers
from assembler.errors import ExitCode, PdpacketError, command
from assembler.pdf import approval
from assembler.send.built import Built

UNSIGNED_DRAFT = "UNSIGNED DRAFT - internal review only"
IN_FILING = "in_filing"  # the manifest's field, per signature, once the build uses the signed scans
SIGNED_IN_FILING = "signed"


class NotReadyError(PdpacketError, code=ExitCode.not_ready):
    """Not sent: the filing is a draft, or a signature in ink is missing or outdated."""


@dataclass
class Readiness:
    """What stands between a built filing and its sending; nothing: it may go."""

    case_dir: Path
    approval: str | None = None  # why it is a draft (pdf/approval.py says it, with the fix)
    missing: list[str] = field(default_factory=list)  # "Form G-28, page 1 (filing page 4): NAME (client)"
    outdated: list[str] = field(default_factory=list)  # signed on a text that changed since
    not_in_filing: list[str] = field(default_factory=list)  # signed, but the build did not put the scan in yet

    @property
    def ready(self) -> bool:
        return not (self.approval or self.missing or self.outdated or self.not_in_filing)

    def problems(self) -> list[str]:
        """One line per kind of problem, each naming what is wrong and the commands that fix it."""
        sign, read = f"`{command('sign', self.case_dir)}`", f"`{command('signed', self.case_dir, 'SCAN...')}`"
        build = f"`{command('build', self.case_dir)}`"
        found = [self.approval] if self.approval else []
        if self.missing:
            found.append(f"{len(self.missing)} signature(s) in ink missing: {'; '.join(self.missing)}: print the "
                         f"pages to sign ({sign}), have them signed in ink, read them back ({read}) and build again "
                         f"({build})")
        if self.outdated:
            found.append(f"{len(self.outdated)} signed on a text that changed since: {'; '.join(self.outdated)}: "
                         f"print those pages again ({sign}) and have them signed again")
        if self.not_in_filing:
            found.append(f"{len(self.not_in_filing)} signed page(s) not in this filing yet: "
                         f"{'; '.join(self.not_in_filing)}: build again ({build})")
        return found


def readiness(case: Case, settings: Settings, built: Built, templates_dir: Path | None = None) -> Readiness:
    """What stands between the built filing and its sending."""
    found = Readiness(case.dir)
    state = approval.state(case, settings, templates_dir)
    if state.draft:
        found.approval = state.line()
    elif (built.manifest.get("approval") or {}).get("state") != "approved":
        found.approval = (f"{built.filing.name} was built before the approval by {state.by}: it is still the draft, "
                          f"with the DRAFT mark and no /s/: build the final filing (`{command('build', case.dir)}`)")
    record = built.manifest.get("signatures")
    if record is None:
        found.missing.append(f"{built.out / 'manifest.json'} lists no signatures (built by an earlier pdpacket)")
    else:
        _ink(found, record)
    return found


def _ink(found: Readiness, record: dict) -> None:
    now = signed.signed_now(found.case_dir, record)
    outdated = _outdated(found.case_dir, now)
    # Once the build puts signed scans into the filing, it says so per signature: then that is required too.
    strict = any(IN_FILING in s for s in record.get("required", []))
    labels = {d["id"]: d.get("label") or d["title"] for d in record.get("documents", [])}
    for s in record.get("required", []):
        if s["kind"] != signers.SignKind.ink:
            continue
        key = (s["document"], s.get("role"), s["signer"])
        named = (f"{labels.get(s['document'], s['document'])}, page {s['page']} (filing page {s['filing_page']}): "
                 f"{s['signer']} ({s.get('role')})")
        if key in outdated:
            found.outdated.append(named)
        elif key not in now:
            found.missing.append(named)
        elif strict and s.get(IN_FILING) != SIGNED_IN_FILING:
            found.not_in_filing.append(named)


def _outdated(case_dir: Path, now: set) -> set[tuple[str, str, str]]:
    """(document, role, signer) of signatures read back on a text that is no longer the build's."""
    try:
        pages = signed.read_record(case_dir)["pages"]
    except PdpacketError:
        return set()  # `pdpacket signed` names the broken record; here, the signature is missing
    return {(e["document"], e["role"], e["signer"]) for e in pages
            if isinstance(e, dict) and {"document", "role", "signer"} <= e.keys()} - now


def require_ready(case: Case, settings: Settings, built: Built, templates_dir: Path | None = None) -> None:
    """Refuse, naming every problem and how to fix it, a filing that may not go out yet."""
    found = readiness(case, settings, built, templates_dir).problems()
    if found:
        raise NotReadyError(f"{built.filing.name}: not sent: not ready: " + "; and ".join(found)
                            + f"; for an internal review only, `{command('email', case.dir, '--unsigned-draft')}` "
                            "writes a marked draft that is never sent")
