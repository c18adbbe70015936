"""The approved filing signed digitally (issue 23 point 7): PAdES baseline B with the firm's PKCS#12
certificate, checked with pyHanko's own validator.

The test makes its own certificate authority and the attorney's certificate with `cryptography`
(RSA, so that the signature is deterministic) and writes them as a password-protected PKCS#12 file.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from assembler.casefile.settings import load_settings
from assembler.errors import ExitCode, InvalidSettingsError
from assembler.pdf import pades
from helpers import TODAY, approve_case, make_pdf, minimal, write_case

PASSWORD = "correct horse"
APPROVED_AT = "2026-12-01T12:00:00+00:00"  # tests/helpers.approve_case's time
OFFICE = {"name": "Office of the Chief Counsel, Chicago", "address": ["55 E Monroe St", "Chicago, IL 60603"],
          "email": "pd-requests@occ-chicago.example"}


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn), x509.NameAttribute(NameOID.ORGANIZATION_NAME,
                                                                                       "Okafor & Reyes LLP")])


def _usage(**on) -> x509.KeyUsage:
    names = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment", "key_agreement",
             "key_cert_sign", "crl_sign", "encipher_only", "decipher_only")
    return x509.KeyUsage(**{n: on.get(n, False) for n in names})


def make_pkcs12(path: Path, cn: str = "Daniel Okafor", days: int = 3650, start: datetime | None = None) -> tuple:
    """A test CA, a signer certificate it issued, written as PKCS#12 with PASSWORD. Returns (CA, signer) certs."""
    start = start or datetime(2026, 1, 1, tzinfo=UTC)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = (x509.CertificateBuilder().subject_name(_name("Okafor & Reyes Test CA")).issuer_name(_name("Okafor & Reyes Test CA"))
          .public_key(ca_key.public_key()).serial_number(1).not_valid_before(start)
          .not_valid_after(start + timedelta(days=3650))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(_usage(key_cert_sign=True, crl_sign=True), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(2).not_valid_before(start)
            .not_valid_after(start + timedelta(days=days))
            .add_extension(_usage(digital_signature=True, content_commitment=True), critical=True)
            .sign(ca_key, hashes.SHA256()))
    path.write_bytes(pkcs12.serialize_key_and_certificates(
        b"attorney", key, cert, [ca], serialization.BestAvailableEncryption(PASSWORD.encode())))
    return ca, cert


def validate_with_pyhanko(pdf: Path, ca: x509.Certificate):
    """pyHanko's own validation, trusting the test CA: the status of the file's only signature.
    (pyHanko is imported here, not at the top: a pytest worker that runs no test of this file
    does not pay for its import, a third of a second, when it collects it.)"""
    from pyhanko.keys.internal import translate_pyca_cryptography_cert_to_asn1
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    with pdf.open("rb") as f:
        sigs = PdfFileReader(f).embedded_signatures
        assert len(sigs) == 1
        return validate_pdf_signature(sigs[0], ValidationContext(
            trust_roots=[translate_pyca_cryptography_cert_to_asn1(ca)], allow_fetching=False))


@pytest.fixture(scope="module")
def firm(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pades")
    ca, cert = make_pkcs12(folder / "attorney.p12")
    return folder, ca, cert


@pytest.fixture
def password(monkeypatch):
    monkeypatch.setenv(pades.DEFAULT_PASSWORD_ENV, PASSWORD)


def _sign(pdf: Path, folder: Path, **cert) -> str:
    return pades.sign(pdf, pades.Certificate(folder / "attorney.p12", **cert), APPROVED_AT)


# --- signing and reading a small PDF (no LibreOffice) ---------------------------------------------

def test_a_signed_pdf_validates_with_pyhanko_names_the_signer_and_is_the_same_bytes_twice(firm, password, tmp_path):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    folder, ca, _ = firm
    one, two = make_pdf(tmp_path / "one.pdf", pages=2), tmp_path / "two.pdf"
    shutil.copyfile(one, two)
    before = one.read_bytes()
    assert _sign(one, folder) == "Daniel Okafor"
    time.sleep(1.1)  # the clock moves on (PDF dates count seconds): nothing of it may show in the bytes
    _sign(two, folder)
    signed = one.read_bytes()
    assert signed.startswith(before)  # an incremental update: what the build made stays as it was
    assert signed == two.read_bytes()
    status = validate_with_pyhanko(one, ca)
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.signing_cert.subject.native["common_name"] == "Daniel Okafor"
    assert status.signer_reported_dt == datetime.fromisoformat(APPROVED_AT)
    with one.open("rb") as f:
        assert PdfFileReader(f).embedded_signatures[0].sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert pades.read_signature(one).line() == "digital signature: valid, signed by Daniel Okafor"


def test_check_reports_a_signature_broken_by_a_changed_byte_or_an_added_revision(firm, password, tmp_path, run):
    folder, ca, _ = firm
    pdf = make_pdf(tmp_path / "filing.pdf")
    _sign(pdf, folder)
    assert run("check", pdf).out.splitlines()[0] == f"{pdf}: digital signature: valid, signed by Daniel Okafor"
    data = bytearray(pdf.read_bytes())
    at = data.index(b"/MediaBox")  # a page's size, inside what the signature covers
    data[at + 12] = ord("7") if data[at + 12] != ord("7") else ord("6")
    changed = tmp_path / "changed.pdf"
    changed.write_bytes(bytes(data))
    assert not validate_with_pyhanko(changed, ca).intact
    r = run("check", changed)
    assert r.code == ExitCode.filing_check_failed
    assert "digital signature: INVALID (the file changed after signing)" in r.err
    appended = tmp_path / "appended.pdf"
    appended.write_bytes(pdf.read_bytes() + b"\n% added later\n")
    assert "INVALID (the file changed after signing)" in pades.read_signature(appended).line()


def test_an_unsigned_file_says_so_and_check_prints_no_library_warning(tmp_path, run):
    pdf = make_pdf(tmp_path / "plain.pdf")
    assert pades.read_signature(pdf).line() == "no digital signature"
    assert f"{pdf}: no digital signature" in run("check", pdf).out
    # A fresh process: pyHanko's import warns about cryptography's DSA names, which is not the user's concern.
    fresh = subprocess.run([sys.executable, "-m", "assembler", "check", str(pdf)], capture_output=True, text=True,
                           timeout=120)
    assert fresh.returncode == 0, fresh.stderr
    assert "Warning" not in fresh.stderr and "no digital signature" in fresh.stdout


def test_a_wrong_or_missing_password_names_the_setting(firm, tmp_path, monkeypatch):
    folder, _, _ = firm
    pdf = make_pdf(tmp_path / "filing.pdf")
    before = pdf.read_bytes()
    monkeypatch.setenv(pades.DEFAULT_PASSWORD_ENV, "wrong")
    with pytest.raises(InvalidSettingsError) as wrong:
        _sign(pdf, folder)
    monkeypatch.delenv(pades.DEFAULT_PASSWORD_ENV)
    monkeypatch.setitem(sys.modules, "keyring", None)  # no keyring either (None: its import fails)
    with pytest.raises(InvalidSettingsError) as unset:
        _sign(pdf, folder)
    assert [f.path for f in wrong.value.problems] == ["signing.password_env"]
    assert "does not open with the password in PDPACKET_SIGNING_PASSWORD" in str(wrong.value)
    assert "PDPACKET_SIGNING_PASSWORD is not set" in str(unset.value)
    assert pdf.read_bytes() == before


def test_a_missing_or_expired_certificate_names_signing_pkcs12(firm, password, tmp_path):
    folder, _, _ = firm
    pdf = make_pdf(tmp_path / "filing.pdf")
    with pytest.raises(InvalidSettingsError) as missing:
        pades.sign(pdf, pades.Certificate(tmp_path / "gone.p12"), APPROVED_AT)
    make_pkcs12(tmp_path / "attorney.p12", days=30)  # expired on 2026-01-31, before the approval
    with pytest.raises(InvalidSettingsError) as expired:
        _sign(pdf, tmp_path)
    assert [f.path for f in missing.value.problems] == ["signing.pkcs12"]
    assert "gone.p12 cannot be read" in str(missing.value)
    assert [f.path for f in expired.value.problems] == ["signing.pkcs12"]
    assert "valid from 2026-01-01 to 2026-01-31" in str(expired.value) and "renew it" in str(expired.value)


def test_settings_read_the_certificate_beside_them_and_refuse_a_password(tmp_path):
    settings = tmp_path / "pdpacket.yaml"
    settings.write_text(yaml.safe_dump({"signing": {"pkcs12": "certs/attorney.p12"}}), encoding="utf-8")
    loaded = load_settings(settings)
    assert loaded.signing_pkcs12 == tmp_path / "certs" / "attorney.p12"
    assert loaded.signing_password_env == "PDPACKET_SIGNING_PASSWORD"
    settings.write_text(yaml.safe_dump({"signing": {"pkcs12": "a.p12", "password": "hunter2"}}), encoding="utf-8")
    with pytest.raises(InvalidSettingsError) as refused:
        load_settings(settings)
    assert [f.path for f in refused.value.problems] == ["signing.password"]
    assert "never read from the settings file" in refused.value.problems[0].message


# --- the build (LibreOffice) -----------------------------------------------------------------------

@pytest.fixture
def signing_case(firm, tmp_path, monkeypatch, password):
    folder, ca, _ = firm
    root = tmp_path / "cases"
    root.mkdir()
    shutil.copyfile(folder / "attorney.p12", root / "attorney.p12")
    (root / "pdpacket.yaml").write_text(yaml.safe_dump({"offices": {"chicago": OFFICE},
                                                        "signing": {"pkcs12": "attorney.p12"}}), encoding="utf-8")
    monkeypatch.setenv("PDPACKET_TODAY", TODAY)
    monkeypatch.setenv("PDPACKET_LEDGER", str(root / "pdpacket.db"))
    monkeypatch.delenv("PDPACKET_SETTINGS", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    case = write_case(root / "tenzin", minimal(**{"service.method": "email", "service.served_by": "Ana Reyes"}))
    return case, ca


def _filing(case: Path) -> Path:
    return next((case / "out").glob("*.pdf"))


@pytest.mark.libreoffice
def test_a_draft_is_never_signed_and_the_approved_build_is_signed_the_same_twice(signing_case, run):
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    case, ca = signing_case
    assert run("build", case, "-q").code == 0
    draft = _filing(case)
    assert pades.read_signature(draft).line() == "no digital signature"
    approve_case(case)
    r = run("build", case, "-q")
    assert r.code == 0, r.err
    filing = _filing(case)
    first = filing.read_bytes()
    status = validate_with_pyhanko(filing, ca)
    assert status.intact and status.valid and status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.signing_cert.subject.native["common_name"] == "Daniel Okafor"
    checked = run("check", filing)
    assert checked.code == 0, checked.err
    assert "digital signature: valid, signed by Daniel Okafor" in checked.out
    assert "fillable form fields" not in checked.err  # the signature field is no form to fill
    assert run("build", case, "-q").code == 0
    assert _filing(case).read_bytes() == first


@pytest.mark.libreoffice
def test_a_wrong_password_stops_the_build_with_one_message_and_leaves_the_output_as_it_was(signing_case, run,
                                                                                          monkeypatch):
    case, _ = signing_case
    assert run("build", case, "-q").code == 0
    draft = _filing(case).read_bytes()
    approve_case(case)
    monkeypatch.setenv(pades.DEFAULT_PASSWORD_ENV, "wrong")
    r = run("build", case, "-q")
    assert r.code == ExitCode.invalid_settings
    assert "signing.password_env" in r.err and "Traceback" not in r.err
    assert len(r.err.strip().splitlines()) <= 2, r.err
    assert _filing(case).read_bytes() == draft  # nothing half-written: the draft stays until a build succeeds


def test_the_password_may_come_from_the_system_keyring_under_the_files_name(firm, tmp_path, monkeypatch):
    folder, ca, _ = firm
    asked = []

    class Keyring:  # the `keyring` package's one call pdpacket makes
        @staticmethod
        def get_password(service, user):
            asked.append((service, user))
            return PASSWORD

    monkeypatch.setitem(sys.modules, "keyring", Keyring)
    monkeypatch.delenv(pades.DEFAULT_PASSWORD_ENV, raising=False)
    pdf = make_pdf(tmp_path / "filing.pdf")
    assert _sign(pdf, folder) == "Daniel Okafor"
    assert asked == [("pdpacket-signing", "attorney.p12")]
    assert validate_with_pyhanko(pdf, ca).intact


def test_a_signed_pdfa_filing_stays_pdfa_its_metadata_agreeing_with_the_document_information(firm, password, tmp_path):
    """PDF/A-2b wants the XMP metadata and the document information to agree: pyHanko rewrites both."""
    import pikepdf

    from assembler.pdf.pdfa import Meta, make_pdfa

    folder, ca, _ = firm
    pdf = make_pdf(tmp_path / "filing.pdf", pages=2)
    make_pdfa(pdf, Meta("Request for prosecutorial discretion", "Daniel Okafor", "OCC Chicago"))
    _sign(pdf, folder)
    assert validate_with_pyhanko(pdf, ca).intact
    with pikepdf.open(pdf) as signed:
        info = signed.docinfo
        xmp = signed.open_metadata()
        assert (xmp["pdfaid:part"], xmp["pdfaid:conformance"]) == ("2", "B")
        assert xmp["pdf:Producer"] == str(info["/Producer"])
        assert xmp["dc:title"] == str(info["/Title"]) and xmp["xmp:CreatorTool"] == str(info["/Creator"])
        modified = datetime.fromisoformat(xmp["xmp:ModifyDate"])
        assert modified == datetime.fromisoformat(APPROVED_AT)
        assert str(info["/ModDate"]).startswith("D:20261201120000")


def test_an_unsigned_file_is_read_without_pyhanko_and_a_signed_one_with_it(tmp_path, monkeypatch):
    """`pdpacket check` of an unsigned filing imported pyHanko (about half a second) only to find no signature."""
    from assembler.pdf import pades
    from helpers import make_pdf

    imported: list[int] = []
    real = pades._import_pyhanko
    monkeypatch.setattr(pades, "_import_pyhanko", lambda: (imported.append(1), real())[1])
    assert pades.read_signature(make_pdf(tmp_path / "plain.pdf")).signed is False
    assert imported == []
    assert pades._may_be_signed(tmp_path / "plain.pdf") is False
    (tmp_path / "empty.pdf").write_bytes(b"")
    assert pades._may_be_signed(tmp_path / "empty.pdf") is True  # not decided here: pyHanko's reading says
