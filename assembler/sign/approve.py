"""`pdpacket approve CASE --as NAME`: the attorney's approval of the filing built now.

The attorney reads the built filing (a draft: DRAFT on every page, no "/s/"), then approves it:
pdpacket writes CASE/approval.json (pdf/approval.py) and an `approve` row in the ledger, naming
the build's inputs by its content key. The next build makes the final filing: "/s/" on the letter
and the certificate of service, no DRAFT mark. Only a current build can be approved: what the
attorney approves is what they read.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from assembler.errors import InputFileError, OutputError, UsageError, command
from assembler.options import NO_OPTIONS, CommandOptions
from assembler.pdf import approval
from assembler.send.built import load_built
from assembler.send.flow import Context
from assembler.send.ledger import Kind, LedgerError


@dataclass
class Approved:
    by: str
    file: Path  # CASE/approval.json
    filing: Path  # the draft the attorney read
    rebuild: str  # the command that makes the final filing
    notes: list[str] = field(default_factory=list)


def approve(case_path: Path, name: str, out: Path | None = None, options: CommandOptions = NO_OPTIONS,
            templates_dir: Path | None = None) -> Approved:
    ctx = Context.load(Path(case_path), options)
    by = _approver(ctx, name)
    out = Path(out) if out else ctx.case.dir / "out"
    built = load_built(ctx.case, ctx.settings, out, templates_dir)
    build = command("build", ctx.case.dir, *(("-o", out) if out != ctx.case.dir / "out" else ()))
    if built.changed:
        raise InputFileError(f"{built.filing}: not approved: {'; '.join(built.changed)} changed since it was built: "
                             f"build it again (`{build}`), read it, then approve it")
    if "content_key" not in built.manifest:
        raise InputFileError(f"{out / 'manifest.json'}: not approved: the build was not recorded (built by an "
                             f"earlier pdpacket, or without the ledger): build it again (`{build}`)")
    path = approval.path_of(ctx.case.dir)
    before = path.read_bytes() if path.is_file() else None
    record = approval.make(ctx.case, ctx.settings, built.manifest, by,
                           datetime.now(UTC).isoformat(timespec="seconds"))
    approval.write(ctx.case.dir, record)
    try:
        ctx.record(ctx.event(Kind.approve, filing_sha256=built.sha256, approved_by=by,
                             content_key=record["content_key"], file=approval.FILE))
    except LedgerError:
        _restore(path, before)  # an approval the ledger does not hold is no approval
        raise
    return Approved(by, path, built.filing, build, ctx.notes)


def _approver(ctx: Context, name: str) -> str:
    """The approver's name as given; one of the firm's attorneys when the settings list them."""
    by = " ".join((name or "").split())
    where = ctx.settings.path or "the firm's settings file"
    if not by:
        raise UsageError("--as: give the name of the attorney who read the filing and approves it")
    known = ctx.settings.attorneys
    if not known:
        ctx.notes.append(f"note: {where} lists no attorneys who may approve (approval: {{attorneys: [NAME, ...]}}): "
                         f"any name is accepted; recorded as approved by {by}")
        return by
    match = next((a for a in known if a.casefold() == by.casefold()), None)
    if match is None:
        raise UsageError(f"--as {by}: not one of the attorneys who may approve in {where} (approval.attorneys: "
                         f"{', '.join(known)}): give one of them, or have the firm add the name there")
    return match


def _restore(path: Path, before: bytes | None) -> None:
    try:
        if before is None:
            path.unlink(missing_ok=True)
        else:
            path.write_bytes(before)
    except OSError as exc:
        raise OutputError(f"{path}: the ledger could not record the approval, and the file could not be put back "
                          f"({exc.strerror}): delete it before sending anything") from exc
