"""The approved filing's digital signature (issue 23 point 7): PAdES baseline B with pyHanko, and its check.

Where the firm configured a PKCS#12 certificate (settings `signing.pkcs12`, its password in the
environment variable `signing.password_env`, never in the settings file), the final filing (an
approval current, no DRAFT mark) is signed as the last step of the build: after PDF/A and the
stamps, as an incremental update, so everything before it stays byte for byte what the build made.

The same inputs give the same bytes: the signing time is the approval's time, the second half of
the /ID and the modification date are fixed from it, and an RSA PKCS#1 v1.5 signature is
deterministic (an ECDSA or RSA-PSS key signs with fresh randomness each time, so those filings
differ in their signature bytes from build to build; the rest is identical).

`pdpacket check` reads the signature back with pyHanko's validator. The firm's own certificate
authority is in no trust store, so the check trusts the certificates the file carries: it says who
signed and whether the signature is intact (the file unchanged since), never that it is legally valid.
"""
from __future__ import annotations

import hashlib
import importlib
import io
import logging
import os
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assembler import atomic
from assembler.errors import Finding, InvalidSettingsError, OutputError

if TYPE_CHECKING:
    from assembler.casefile.settings import Settings
    from assembler.pdf.approval import State

DEFAULT_PASSWORD_ENV = "PDPACKET_SIGNING_PASSWORD"
KEYRING_SERVICE = "pdpacket-signing"  # the keyring entry: this service, the file's name
FIELD = "pdpacket-approval"  # the signature field's name


@dataclass(frozen=True)
class Certificate:
    """Where the firm's certificate is, and where its password is: settings `signing`."""

    pkcs12: Path
    password_env: str = DEFAULT_PASSWORD_ENV
    settings_file: str = "the settings file"


def _import_pyhanko() -> None:
    """Import pyHanko once with cryptography's warning about its DSA names silenced: that warning is
    printed on every run otherwise, and says nothing to the user (the later imports are cached)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="DSA is deprecated")
        import pyhanko.sign.signers  # noqa: F401


def _from_keyring(cert: Certificate) -> str | None:
    """The password kept in the system keyring (the optional `keyring` package), under the file's name."""
    try:
        keyring = importlib.import_module("keyring")
        return keyring.get_password(KEYRING_SERVICE, cert.pkcs12.name) or None
    except ImportError:
        return None
    except Exception as exc:  # keyring backends raise their own kinds
        raise _refuse(cert, "signing.password_env", f"the system keyring could not be read ({exc}): put the "
                      f"password in {cert.password_env} instead") from exc


def _refuse(cert: Certificate, key: str, message: str) -> InvalidSettingsError:
    return InvalidSettingsError([Finding(cert.settings_file, key, message)], f"{cert.settings_file} {key}: {message}")


def _load(cert: Certificate, at: datetime) -> Any:
    """pyHanko's signer for the firm's certificate, or one clear error naming the setting to fix."""
    _import_pyhanko()
    from cryptography.hazmat.primitives.serialization import pkcs12
    from pyhanko.keys.internal import translate_pyca_cryptography_cert_to_asn1, translate_pyca_cryptography_key_to_asn1
    from pyhanko.sign.signers import SimpleSigner
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    try:
        data = cert.pkcs12.read_bytes()
    except OSError as exc:
        raise _refuse(cert, "signing.pkcs12", f"the certificate file {cert.pkcs12} cannot be read "
                      f"({exc.strerror}): check the path (relative to the settings file), or remove signing.pkcs12 "
                      "to build without a digital signature") from exc
    password = os.environ.get(cert.password_env) or _from_keyring(cert)
    if password is None:
        raise _refuse(cert, "signing.password_env", f"the environment variable {cert.password_env} is not set: set "
                      f"it to the password of {cert.pkcs12.name} before building, or keep it in the system keyring "
                      f"(`keyring set {KEYRING_SERVICE} {cert.pkcs12.name}`); it is never read from the settings file")
    try:
        key, signer_cert, others = pkcs12.load_key_and_certificates(data, password.encode())
    except ValueError as exc:
        raise _refuse(cert, "signing.password_env", f"{cert.pkcs12.name} does not open with the password in "
                      f"{cert.password_env} (a wrong password, or not a PKCS#12 file): set the right password, or "
                      "export the certificate again as .p12/.pfx") from exc
    if key is None or signer_cert is None:
        raise _refuse(cert, "signing.pkcs12", f"{cert.pkcs12.name} holds no private key with its certificate: "
                      "export the certificate with its private key (.p12/.pfx)")
    not_after, not_before = signer_cert.not_valid_after_utc, signer_cert.not_valid_before_utc
    now = datetime.now(UTC)
    for moment, what in ((at, "the approval's time"), (now, "today")):
        if not not_before <= moment <= not_after:
            raise _refuse(cert, "signing.pkcs12", f"the certificate in {cert.pkcs12.name} is valid from "
                          f"{not_before:%Y-%m-%d} to {not_after:%Y-%m-%d}, not at {what} ({moment:%Y-%m-%d}): "
                          "renew it and point signing.pkcs12 at the new file")
    store = SimpleCertificateStore()
    # A fixed order of the chain: the signature container lists them as registered.
    store.register_multiple(sorted((translate_pyca_cryptography_cert_to_asn1(c) for c in others or ()),
                                   key=lambda c: c.dump()))
    return SimpleSigner(signing_key=translate_pyca_cryptography_key_to_asn1(key),
                        signing_cert=translate_pyca_cryptography_cert_to_asn1(signer_cert), cert_registry=store)


def sign_final(found: State | None, settings: Settings, filing: Path) -> str | None:
    """Sign the final filing with the firm's certificate, when the settings name one: the build's last
    change to it. A draft, or a paper built without asking for approval (None), is never signed.
    Returns the signer's common name, None when not signed."""
    if found is None or found.draft or settings.signing_pkcs12 is None:
        return None
    cert = Certificate(settings.signing_pkcs12, settings.signing_password_env, str(settings.path or "the settings"))
    return sign(filing, cert, (found.approval or {})["approved_at"])


def sign(filing: Path, cert: Certificate, approved_at: str) -> str:
    """Sign `filing` in place (an incremental update). Returns the signer's common name."""
    _import_pyhanko()
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.metadata.model import DocumentMetadata
    from pyhanko.sign import fields, signers

    at = datetime.fromisoformat(approved_at)
    signer = _load(cert, at)

    class FixedMeta(DocumentMetadata):
        """pyHanko sets the modification date to 'now' as it writes: this keeps the approval's time."""

        def __setattr__(self, name: str, value: Any) -> None:
            super().__setattr__(name, at if name == "last_modified" and value == "now" else value)

    class AtApproval(signers.PdfSigner):
        def init_signing_session(self, pdf_out, existing_fields_only=False):  # type: ignore[no-untyped-def]
            session = super().init_signing_session(pdf_out, existing_fields_only)
            session.system_time = at  # the signing time: the approval's, not the clock's
            return session

    original = filing.read_bytes()
    writer = IncrementalPdfFileWriter(io.BytesIO(original))
    # pyHanko draws the /ID's second half at random, and the first too when the file has none (a plain
    # PDF from pypdf): both from the content and the approval's time instead.
    fixed = hashlib.sha256(original + approved_at.encode()).digest()
    first = writer._document_id[0] if "/ID" in writer.prev.trailer else generic.ByteStringObject(fixed[16:])
    writer._document_id = generic.ArrayObject([first, generic.ByteStringObject(fixed[:16])])
    _producer_as_xmp(writer)
    writer._meta = FixedMeta()  # private: pyHanko has no other way to fix the modification date
    meta = signers.PdfSignatureMetadata(field_name=FIELD, subfilter=fields.SigSeedSubFilter.PADES,
                                        md_algorithm="sha256", reason="Approved for filing")
    out = io.BytesIO()
    AtApproval(meta, signer=signer, new_field_spec=fields.SigFieldSpec(FIELD)).sign_pdf(writer, output=out)
    try:
        atomic.write_bytes(filing, out.getvalue())
    except OSError as exc:
        raise OutputError(f"cannot write {filing}: {exc.strerror}") from exc
    return common_name(signer.signing_cert)


def _producer_as_xmp(writer: Any) -> None:
    """pyHanko appends its name to the document information's /Producer but writes its name alone into
    the XMP metadata's pdf:Producer: PDF/A wants the two to agree, so /Producer becomes its name too
    (pyHanko did write this last revision)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.metadata.model import VENDOR

    if "/Metadata" not in writer.root or writer._info is None:  # private: the trailer's /Info
        return
    info = writer._info.get_object()
    info["/Producer"] = generic.TextStringObject(VENDOR)
    writer.mark_update(writer._info)


def common_name(cert: Any) -> str:
    return str(cert.subject.native.get("common_name") or cert.subject.human_friendly)


@dataclass(frozen=True)
class SignatureState:
    signed: bool
    intact: bool = False
    signer: str = ""

    def line(self) -> str:
        if not self.signed:
            return "no digital signature"
        if self.intact:
            return f"digital signature: valid, signed by {self.signer}"
        return f"digital signature: INVALID (the file changed after signing), signed by {self.signer}"


def _may_be_signed(filing: Path) -> bool:
    """Whether the file holds a /ByteRange: a signature's byte ranges leave out its /Contents by their offsets
    in the file, so a signature dictionary is never compressed away in an object stream."""
    import mmap

    try:
        with filing.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
            return data.find(b"/ByteRange") >= 0
    except (OSError, ValueError):  # an empty or unreadable file: pyHanko's reading says what it can
        return True


def read_signature(filing: Path) -> SignatureState:
    """The state of the filing's digital signatures (the last one that covers it; any broken one is reported)."""
    if not _may_be_signed(filing):
        return SignatureState(False)  # pyHanko's import (about half a second) only for a file that can be signed
    _import_pyhanko()
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    # pyHanko logs each step of a chain it cannot check against a public trust store: the line this
    # returns says what matters, once.
    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    with filing.open("rb") as f:
        try:
            sigs = PdfFileReader(f, strict=False).embedded_signatures
        except Exception:  # noqa: BLE001 - a file pyHanko cannot read: the rest of check reports it
            return SignatureState(False)
        if not sigs:
            return SignatureState(False)
        states = []
        for number, sig in enumerate(sigs, 1):
            embedded = list(sig.signed_data["certificates"])
            certs = [c.chosen for c in embedded if c.name == "certificate"]
            roots = [c for c in certs if c.self_signed != "no"] or certs  # trust what the file carries
            # An earlier signature covers its own revision; the last one must cover the whole file, or
            # something was added after signing.
            whole = (SignatureCoverageLevel.ENTIRE_FILE if number == len(sigs)
                     else SignatureCoverageLevel.ENTIRE_REVISION)
            try:
                status = validate_pdf_signature(sig, ValidationContext(trust_roots=roots, other_certs=certs,
                                                                       allow_fetching=False))
                intact = bool(status.intact and status.valid and status.coverage >= whole)
                who = common_name(status.signing_cert)
            except Exception:  # noqa: BLE001 - a damaged signature is an invalid one, said plainly
                intact, who = False, (common_name(sig.signer_cert) if _has_signer(sig) else "unknown")
            states.append(SignatureState(True, intact, who))
        broken = [s for s in states if not s.intact]
        return broken[0] if broken else states[-1]


def _has_signer(sig: Any) -> bool:
    try:
        return sig.signer_cert is not None
    except Exception:  # noqa: BLE001
        return False
