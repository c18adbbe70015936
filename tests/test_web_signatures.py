"""The Signatures page (issue 26 with issue 23): who signs what, the signing packet (whole or one signer's part),
and signed scans uploaded from the browser, read with the same call as `pdpacket signed`, with real pixels:
sample 1's packet rendered at 150 dpi and signed with drawn strokes (tools/simulate_signing.py)."""
from __future__ import annotations

import hashlib
import html
import io
import json
import re
import shutil
import sys
from pathlib import Path

import img2pdf
import pytest
from PIL import Image
from pypdf import PdfReader

from helpers import REPO, SAMPLES, copy_firm_settings, isolated_env
from test_web_http import client, csrf

sys.path.insert(0, str(REPO / "tools"))
from simulate_signing import jpeg, packet_pages, sign, signature_pages  # the simulated signing (tools/)

pytestmark = [pytest.mark.libreoffice, pytest.mark.slow]
CASE = "garcia"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Sample 1, unsigned and unapproved, built once; its signing packet downloaded from the page once."""
    from assembler.api import build

    base = tmp_path_factory.mktemp("websign")
    root = base / "cases"
    with pytest.MonkeyPatch.context() as mp:
        isolated_env(mp, base)
        copy_firm_settings(root)
        shutil.copytree(SAMPLES / "1-garcia-lopez", root / CASE,
                        ignore=shutil.ignore_patterns("out", "signed", "approval.json"))
        build(root / CASE)
        got = client(root).get(f"/case/{CASE}/signatures/packet.pdf")
    assert got.status_code == 200, got.text[:2000]
    packet = base / "packet.pdf"
    packet.write_bytes(got.content)
    manifest = json.loads((root / CASE / "out" / "manifest.json").read_text(encoding="utf-8"))
    return {"base": base, "root": root, "packet": packet, "pages": packet_pages(packet, base / "png"),
            "required": manifest["signatures"]["required"], "disposition": got.headers["content-disposition"]}


@pytest.fixture
def case(built, tmp_path, monkeypatch) -> Path:
    """A fresh cases folder holding a copy of the built case (a test may change it)."""
    isolated_env(monkeypatch, built["base"])
    root = tmp_path / "cases"
    copy_firm_settings(root)
    shutil.copytree(built["root"] / CASE, root / CASE)
    return root


def _signed(built, skip: int | None = None) -> list[Image.Image]:
    import random

    rng = random.Random(3)
    wanted = signature_pages(built["pages"], built["required"])
    return [sign(built["pages"][i], rng) for n, i in enumerate(wanted) if n != skip]


def _upload(c, files: list[tuple[str, bytes, str]], check: bool = False):
    data = {"csrf": csrf(), **({"check": "on"} if check else {})}
    return c.post(f"/case/{CASE}/signatures", data=data, files=[("scans", f) for f in files])


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _jpeg(image: Image.Image, tmp: Path, name: str) -> bytes:
    return jpeg(image, tmp / name, 60).read_bytes()


def _text(html: str, element_id: str) -> str:
    start = html.index(f'id="{element_id}"')
    end = html.index("</section>", start)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html[start:end]))


def _dating(page: str) -> list[str]:
    start = page.index('id="dating"')
    return re.findall(r'<li class="warn">(.*?)</li>', page[start:page.index("</ul>", start)], flags=re.S)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".scans-"))


# --- who signs what, and the packet ------------------------------------------------------------------------

def test_the_page_lists_each_signer_with_documents_pages_and_states(built, monkeypatch):
    isolated_env(monkeypatch, built["base"])  # the case as built, in the ledger of its build (read only)
    c = client(built["root"])
    page = c.get(f"/case/{CASE}/signatures").text
    ink = [s for s in built["required"] if s["kind"] == "ink"]
    who = _text(page, "who-signs")
    assert f"0 of {len(ink)} signatures in ink signed" in who
    for s in ink:
        assert s["signer"] in who
    assert who.count("awaited") == len(ink)
    assert "(filing page " in who
    signers = list(dict.fromkeys(s["signer"] for s in sorted(ink, key=lambda s: s["filing_page"])))
    for n, name in enumerate(signers, 1):  # one part of the packet per signer, in the order they first sign
        assert f'href="/case/{CASE}/signatures/packet.pdf?signer={n}" download>Download {name}’s pages only' in page
    # linked from the case page and the Build page
    assert f'href="/case/{CASE}/signatures"' in c.get(f"/case/{CASE}").text
    twin = c.get(f"/case/{CASE}/signatures.json").json()["signing"]  # the page's JSON twin says the same
    assert [s["name"] for s in twin["signers"]] == signers and twin["problem"] == ""
    assert {g["state"] for s in twin["signers"] for g in s["signatures"]} == {"missing"}
    # sample 1's declarations are dated before TODAY: each is named, in words, before the packet is printed
    dating = _text(page, "dating")
    assert dating.count("cannot be signed that day") == 4, dating  # its four declarations
    assert "signed.date" not in dating and "Declarations 1" in dating, dating
    build = c.get(f"/case/{CASE}/build").text
    # the case page and the Build page say the same, in the same words (the re-walk met them only here, once the
    # pages were printed)
    said = _dating(page)
    assert len(said) >= 4  # its four declarations, and the translator's certificate
    for other in (c.get(f"/case/{CASE}").text, build):
        assert 'id="signing-dates"' in other and _dating(other) == said
    assert re.search(r'id="signatures">Awaiting signatures: \d+ of \d+', build)
    assert f'<a href="/case/{CASE}/signatures" id="signatures-link">' in build


def test_the_packet_is_the_clis_file_and_each_signers_part_is_their_pages(built, case):
    whole = PdfReader(built["packet"])
    assert "signing-packet.pdf" in built["disposition"]
    assert built["packet"].read_bytes() == next((case / CASE / "out").glob("*_signing-packet.pdf")).read_bytes()
    c = client(case)
    pages = 0
    copies = sorted({p.code.copy for p in built["pages"]})
    for copy in copies:
        got = c.get(f"/case/{CASE}/signatures/packet.pdf?signer={copy}")
        assert got.status_code == 200 and got.headers["content-type"] == "application/pdf"
        part = PdfReader(io.BytesIO(got.content))
        mine = [p for p in built["pages"] if p.code.copy == copy]
        assert len(part.pages) == len(mine)  # the signer's cover and pages, nobody else's
        assert part.pages[0].extract_text() == whole.pages[pages].extract_text()
        pages += len(part.pages)
    assert pages == len(whole.pages)
    assert c.get(f"/case/{CASE}/signatures/packet.pdf?signer=99").status_code == 404


# --- the signed scans ------------------------------------------------------------------------------------

def test_signed_scans_of_every_kind_are_read_and_reported_per_signer_and_kept(built, case, tmp_path):
    images = _signed(built, skip=0)  # the first signature page never came back
    files = [("photo 1.jpg", _jpeg(images[0].rotate(180), tmp_path, "a.jpg"), "image/jpeg")]
    files += [("scan.png", _png(images[1]), "image/png")] if len(images) > 1 else []
    rest = images[2:]
    if rest:
        pdf = img2pdf.convert([_jpeg(im, tmp_path, f"r{i}.jpg") for i, im in enumerate(rest)])
        files.append(("stack.pdf", pdf, "application/pdf"))
    files.append(("blank.tiff", _tiff(Image.new("L", (1275, 1650), 255)), "image/tiff"))
    sent = {name: hashlib.sha256(data).hexdigest() for name, data, _ in files}
    c = client(case)
    r = _upload(c, files)
    assert r.status_code == 303
    page = c.get(r.headers["location"]).text
    report = _text(page, "reading")
    assert report.count(": signed (from ") == len(images)
    assert "scans/" not in report  # a folder of the case is no name the user gave (issue 26, the re-walk)
    assert "missing page" in report
    assert "Unreadable: blank.tiff page 1: no page code could be read" in report
    assert f"{len(images)} signed pages taken into the case" in report or len(images) == 1
    folder = case / CASE
    record = json.loads((folder / "signed" / "record.json").read_text(encoding="utf-8"))
    assert len(record["pages"]) == len(images)
    assert {e["scan"].split("/")[0] for e in record["pages"]} == {"scans"}
    kept = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (folder / "scans").iterdir()}
    assert "blank.tiff" not in kept and "Not kept (no signed page was taken from them): blank.tiff" in report
    assert {"photo-1.jpg", "scan.png"} <= set(kept)
    assert kept["photo-1.jpg"] == sent["photo 1.jpg"]  # kept as uploaded, never changed
    assert _leftovers(folder) == []
    # the state shows on the list: signed, from which scan
    who = _text(c.get(f"/case/{CASE}/signatures").text, "who-signs")
    assert f"{len(images)} of {len(images) + 1} signatures in ink signed" in who
    assert "from photo-1.jpg page 1" in who and "scans/" not in who


def _tiff(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "TIFF")
    return out.getvalue()


def test_check_only_reports_and_keeps_nothing(built, case, tmp_path):
    images = _signed(built)
    c = client(case)
    r = _upload(c, [("all.jpg", _jpeg(images[0], tmp_path, "x.jpg"), "image/jpeg")], check=True)
    report = _text(c.get(r.headers["location"]).text, "reading")
    assert "Checked only: nothing was kept" in report
    assert ": signed (from all.jpg page 1)" in report
    folder = case / CASE
    assert not (folder / "signed").exists() and not (folder / "scans").exists()
    assert _leftovers(folder) == []


def test_a_page_left_unsigned_warns_that_it_looks_unsigned(built, case):
    wanted = signature_pages(built["pages"], built["required"])
    c = client(case)
    r = _upload(c, [("unsigned.png", _png(built["pages"][wanted[0]].image), "image/png")], check=True)
    report = _text(c.get(r.headers["location"]).text, "reading")
    assert "Warning: page 1 looks unsigned" in report and "check unsigned.png page 1" in report


def test_a_page_signed_on_an_outdated_text_is_refused_in_words(built, case):
    folder = case / CASE
    manifest_file = folder / "out" / "manifest.json"
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    wanted = signature_pages(built["pages"], built["required"])
    code = built["pages"][wanted[0]].code
    doc = next(d for d in manifest["signatures"]["documents"] if d["id"] == code.document)
    doc["page_text_sha256"][code.page - 1] = "0" * 64  # the text of that page changed after the packet was printed
    manifest_file.write_text(json.dumps(manifest), encoding="utf-8")
    c = client(case)
    r = _upload(c, [("old.png", _png(_signed(built)[0]), "image/png")])
    page = c.get(r.headers["location"]).text
    report = _text(page, "reading")
    assert "Refused: old.png page 1: signed on an outdated text: Form G-28, page 1, was printed before the text changed" in report
    assert "was printed before the text changed" in report
    assert "`" not in report and "pdpacket sign" not in report
    assert f'<a href="/case/{CASE}/signatures">the Signatures page</a>' in page
    assert not (folder / "signed").exists() and not (folder / "scans").exists()


def test_a_case_changed_since_its_build_is_refused_and_leaves_nothing(built, case):
    folder = case / CASE
    text = (folder / "case.yaml").read_text(encoding="utf-8")
    (folder / "case.yaml").write_text(text.replace("judge: Hon. Ana Ruiz", "judge: Hon. Ana Ruiz-Soto"), encoding="utf-8")
    c = client(case)
    r = _upload(c, [("a.png", _png(_signed(built)[0]), "image/png")])
    assert r.status_code == 409
    problem = r.text[r.text.index('id="signatures-problem"'):]
    assert "changed since the filing" in problem and f'<a href="/case/{CASE}/build">the Build page</a>' in problem
    assert not (folder / "signed").exists() and not (folder / "scans").exists()
    assert _leftovers(folder) == []


def test_a_file_that_is_no_scan_is_refused_and_leaves_nothing(built, case):
    c = client(case)
    r = _upload(c, [("letter.docx", b"PK\x03\x04 not a scan", "application/octet-stream")])
    assert r.status_code == 400
    assert "'letter.docx' is not a scan pdpacket reads: give PDF scans or JPEG, PNG or TIFF photos" in html.unescape(r.text)
    assert _leftovers(case / CASE) == [] and not (case / CASE / "scans").exists()


# --- the Build page's messages: plain words with links (point 2) -------------------------------------------

def test_the_build_pages_gate_and_approval_say_what_to_do_with_links_not_commands(built, monkeypatch):
    isolated_env(monkeypatch, built["base"])
    page = client(built["root"]).get(f"/case/{CASE}/build").text
    main = page[page.index("<main"):]
    text = re.sub(r"<[^>]+>", " ", main)
    assert "`" not in text and not re.search(r"\bpdpacket (sign|signed|build|approve|email|send)\b", text)
    # on the Build page itself, its own button (the re-walk read "the Approve button on the Build page" there)
    assert '<a href="#approval">Approve button on this page</a>' in main and "on the Build page" not in main
    assert f'<a href="/case/{CASE}/signatures">the Signatures page</a>' in main


def test_with_every_ink_signature_in_the_approval_box_does_not_say_they_are_awaited(tmp_path, monkeypatch):
    # Walking the web app: with both signatures read back and the filing built again, the Approval box still said
    # "Signatures in ink are still awaited (awaiting signatures: 0 of 4; 2 signed in ink ...)"
    from assembler.api import build

    isolated_env(monkeypatch, tmp_path)
    root = tmp_path / "cases"
    copy_firm_settings(root)
    shutil.copytree(SAMPLES / "1-garcia-lopez", root / CASE, ignore=shutil.ignore_patterns("out", "approval.json"))
    build(root / CASE)  # sample 1 as it ships, signed in ink, not approved
    page = client(root).get(f"/case/{CASE}/build").text
    assert re.search(r'id="signatures">Awaiting signatures: 0 of \d+', page), page[:3000]
    assert 'id="approve-early"' not in page and 'id="approve-form"' in page
