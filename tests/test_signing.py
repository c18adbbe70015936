"""Sample 1's signatures and signing packet, read as a paralegal and a scanner would: the manifest's list
against the case file and the filing's own text; the packet's pages rendered at 150 dpi and every QR
code decoded with zxing-cpp; the codes never over the text."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
import zxingcpp
from PIL import Image, ImageChops, ImageDraw
from pypdf import PdfReader
from pypdf.generic import RectangleObject

from assembler.documents.context import full_name
from assembler.pdf import codes
from assembler.pdf.draft_mark import TEXT as DRAFT_TEXT
from assembler.pdf.draft_mark import mark_box
from helpers import SAMPLES, TODAY, copy_firm_settings

pytestmark = pytest.mark.libreoffice

SAMPLE = "1-garcia-lopez"


@pytest.fixture(scope="module")
def signed(tmp_path_factory):
    """Sample 1 (with the firm settings) built into CASE/out, and its signing packet made once."""
    from assembler.api import build, sign_packet

    root = tmp_path_factory.mktemp("signing")
    mp = pytest.MonkeyPatch()
    mp.setenv("PDPACKET_TODAY", TODAY)
    mp.delenv("PDPACKET_SETTINGS", raising=False)
    mp.setenv("XDG_CONFIG_HOME", str(root / "xdg"))
    mp.setenv("PDPACKET_LEDGER", str(root / "pdpacket.db"))
    try:
        copy_firm_settings(root)
        case = root / SAMPLE
        shutil.copytree(SAMPLES / SAMPLE, case, ignore=shutil.ignore_patterns("out", "signed"))  # sample 1 unsigned
        result = build(case)
        packet = sign_packet(case)
    finally:
        mp.undo()
    manifest = json.loads(result.manifest.read_text(encoding="utf-8"))
    return {"root": root, "case": case, "filing": result.filing, "manifest": manifest, "packet": packet,
            "data": yaml.safe_load((case / "case.yaml").read_text(encoding="utf-8")),
            "settings": yaml.safe_load((root / "pdpacket.yaml").read_text(encoding="utf-8"))}


def _pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")


def _expected(data: dict, settings: dict) -> set[tuple]:
    """(document, role, signer, kind) for every signature the case file calls for."""
    want = {("letter", "attorney", settings["attorney"]["name"], "electronic"),
            ("service", "server", data["service"]["served_by"], "electronic")}
    for d in data["declarations"]:
        want.add((f"declaration:{d['id']}", "declarant", d["declarant"], "ink"))
        if d.get("interpreter"):
            want.add((f"declaration:{d['id']}", "interpreter", d["interpreter"]["name"], "ink"))
    for e in data["exhibits"]:
        if e.get("translation"):
            want.add((f"translator_certificate:{e['id']}", "translator", e["translation"]["translator"]["name"],
                      "ink"))
    names = {"client": full_name(data["respondent"]), "attorney": settings["attorney"]["name"]}
    for i, form in enumerate(data["forms"]):
        for entry in settings["forms"][form["kind"]]["signers"]:
            want.add((f"form:{i}", entry["role"], names[entry["role"]], "ink"))
    return want


def test_the_manifest_lists_exactly_the_signatures_the_case_calls_for(signed):
    required = signed["manifest"]["signatures"]["required"]
    got = [(s["document"], s["role"], s["signer"], s["kind"]) for s in required]
    assert len(got) == len(set(got))
    assert set(got) == _expected(signed["data"], signed["settings"])
    assert {s["found"] for s in required} <= {"signature line", "typed signature", "form mapping"}


def test_each_listed_page_is_in_its_document_and_holds_that_signers_line(signed):
    manifest, pages = signed["manifest"], _pages(signed["filing"])
    docs = {d["id"]: d for d in manifest["signatures"]["documents"]}
    parts = {(p["kind"], p["first_page"], p["last_page"]) for s in manifest["sections"] for p in s["parts"]}
    for doc in docs.values():
        assert (doc["kind"], doc["first_page"], doc["last_page"]) in parts, doc["id"]
        assert len(doc["page_text_sha256"]) == doc["last_page"] - doc["first_page"] + 1
    for sig in manifest["signatures"]["required"]:
        doc = docs[sig["document"]]
        assert doc["first_page"] <= sig["filing_page"] <= doc["last_page"]
        assert sig["filing_page"] == doc["first_page"] + sig["page"] - 1
        name = re.escape(sig["signer"])
        if sig["document"].startswith("form:"):
            line = rf"Signature of {sig['role']}"
        elif sig["kind"] == "ink":
            line = rf"_{{10,}}\s*\n\s*{name}\b"
        else:
            line = rf"(/s/|\(unsigned draft\))\s*{name}"  # a draft (not approved: test_approval.py) or final
        own = [n for n in range(doc["first_page"], doc["last_page"] + 1) if re.search(line, pages[n - 1])]
        assert own == [sig["filing_page"]], (sig, own)


def test_status_and_the_web_app_say_how_many_signatures_are_awaited(signed, run, monkeypatch):
    from starlette.testclient import TestClient

    from assembler.web.app import Config, create_app

    monkeypatch.setenv("PDPACKET_LEDGER", str(signed["root"] / "pdpacket.db"))
    want = _expected(signed["data"], signed["settings"])
    ink = {w for w in want if w[3] == "ink"}
    result = run("status", signed["case"])
    assert result.code == 0, result.err
    line = next(x.strip() for x in result.out.splitlines() if "awaiting signatures" in x)
    assert line.startswith(f"awaiting signatures: {len(ink)} of {len(want)}: ")
    for _, _, name, _ in ink:
        assert name in line
    assert "`pdpacket signed CASE SCAN...` reads the signed pages back" in result.out
    assert "signed in ink" not in line  # nothing read back yet: nothing claims a signature

    c = TestClient(create_app(Config(signed["root"], "tok")), base_url="http://127.0.0.1:8765")
    c.get("/?token=tok")
    page = c.get(f"/case/{SAMPLE}/build").text
    shown = re.search(r'id="signatures">([^<]*)<', page)
    assert shown is not None
    import html
    assert html.unescape(shown.group(1)).lower() == line.lower()


# --- the signing packet -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def decoded(signed, tmp_path_factory):
    """Every page of the packet at 150 dpi, with the page codes zxing-cpp reads on it."""
    folder = tmp_path_factory.mktemp("packet-png")
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(signed["packet"].file), str(folder / "p")], check=True)
    out = []
    for png in sorted(folder.glob("p-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1])):
        with Image.open(png) as im:
            image = im.convert("L")
        found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
        out.append((image, [codes.PageCode.parse(r.text) for r in found], found))
    return out


def test_every_page_carries_one_code_naming_the_case_and_the_filing_page(signed, decoded):
    manifest = signed["manifest"]
    docs = {d["id"]: d for d in manifest["signatures"]["documents"]}
    a_number = re.sub(r"\D", "", signed["data"]["respondent"]["a_number"])
    packet_pages = _pages(signed["packet"].file)
    assert len(decoded) == signed["packet"].pages == len(PdfReader(signed["packet"].file).pages)
    for n, (_, found, _) in enumerate(decoded):
        assert len(found) == 1, f"packet page {n + 1}: {len(found)} codes read"
        code = found[0]
        assert code.case == a_number
        if code.document == "cover":
            assert "PAGES TO SIGN" in packet_pages[n] or "PÁGINAS PARA FIRMAR" in packet_pages[n]
            continue
        doc = docs[code.document]
        assert code.pages == doc["last_page"] - doc["first_page"] + 1
        assert code.text == doc["page_text_sha256"][code.page - 1][:codes.HASH_CHARS]
        filing_page = doc["first_page"] + code.page - 1
        assert f"Page {filing_page} of {manifest['filing']['pages']}" in packet_pages[n]
        assert f"page {code.page} of {code.pages} (filing page {filing_page}, copy {code.copy})" in packet_pages[n]


def test_each_signer_gets_a_cover_naming_their_documents_then_every_page_of_them(signed, decoded):
    required = signed["manifest"]["signatures"]["required"]
    docs = {d["id"]: d for d in signed["manifest"]["signatures"]["documents"]}
    packet_pages = [re.sub(r"\s+", " ", p) for p in _pages(signed["packet"].file)]
    ink = [s for s in required if s["kind"] == "ink"]
    signers_ = list(dict.fromkeys(s["signer"] for s in sorted(ink, key=lambda s: s["filing_page"])))
    by_copy: dict[int, list[tuple[int, codes.PageCode]]] = {}
    for n, (_, [code], _) in enumerate(decoded):
        by_copy.setdefault(code.copy, []).append((n, code))
    assert sorted(by_copy) == list(range(1, len(signers_) + 1))
    for copy, name in enumerate(signers_, start=1):
        pages = by_copy[copy]
        cover = [n for n, c in pages if c.document == "cover"]
        assert cover and cover == list(range(pages[0][0], pages[0][0] + len(cover)))  # the cover comes first
        cover_text = " ".join(packet_pages[n] for n in cover)
        assert name in cover_text
        theirs = {s["document"] for s in ink if s["signer"] == name}
        for doc_id, doc in docs.items():
            label = doc["label"]
            if doc_id in theirs:
                assert label in cover_text, (name, label)
                seen = [c.page for _, c in pages if c.document == doc_id]
                assert seen == list(range(1, doc["last_page"] - doc["first_page"] + 2)), (name, doc_id, seen)
            elif not any(label in docs[t]["label"] for t in theirs):
                assert label not in cover_text, (name, label)
                assert not any(c.document == doc_id for _, c in pages)
        spanish = any(s.get("language") == "Spanish" for s in ink if s["signer"] == name)
        assert ("PÁGINAS PARA FIRMAR" in cover_text) == spanish
        assert ("PAGES TO SIGN" in cover_text) != spanish


def test_a_cover_counts_its_pages_in_good_grammar(signed, decoded):
    """A walk-through: a signer of one page read "The 1 pages after this one" ("Las 1 páginas")."""
    packet_pages = [re.sub(r"\s+", " ", p) for p in _pages(signed["packet"].file)]
    covers = [packet_pages[n] for n, (_, [code], _) in enumerate(decoded) if code.document == "cover"]
    assert covers and not any(re.search(r"\b1 (pages|páginas)\b", text) for text in covers)
    singles = [text for text in covers if "The page after this one is the document listed here" in text
               or "La página que sigue a esta es el documento de esta lista" in text]
    plurals = [text for text in covers if re.search(r"The \d+ pages after this one|Las \d+ páginas que siguen", text)]
    assert singles and plurals  # sample 1 has both: a one-page declaration and the respondent's three pages


def test_the_declarant_who_needed_an_interpreter_reads_the_cover_in_spanish(signed):
    d = next(d for d in signed["data"]["declarations"] if d.get("interpreter"))
    section = next(s for s in signed["packet"].sections if s.name == d["declarant"])
    assert section.language == d["language"] == "Spanish"


def _render(pdf: Path, page: int, folder: Path, name: str) -> Image.Image:
    subprocess.run(["pdftoppm", "-r", "72", "-gray", "-png", "-singlefile", "-f", str(page), "-l", str(page),
                    str(pdf), str(folder / name)], check=True)
    with Image.open(folder / f"{name}.png") as im:
        return im.convert("L")


def test_the_codes_and_marks_are_drawn_on_blank_paper_only(signed, decoded, tmp_path):
    """Where a packet page differs from its filing page, the filing page was blank (pages not shrunk);
    on every page, no word of the document lies under the QR code."""
    docs = {d["id"]: d for d in signed["manifest"]["signatures"]["documents"]}
    shrunk = compared = 0
    words_per_page = _words(signed["packet"].file)
    assert not any(DRAFT_TEXT in page for page in _texts(signed["packet"].file))  # no one signs a page saying DRAFT
    for n, (_, [code], [result]) in enumerate(decoded):
        qr = _qr_box_points(result)
        for w in words_per_page[n]:
            if w["size"] > 6.5:  # a word of the document (the code's own label is 5.5 pt)
                assert not _overlap(qr, w["box"]), f"packet page {n + 1}: {w['text']!r} under the code"
        if code.document == "cover":
            continue
        filing_page = docs[code.document]["first_page"] + code.page - 1
        before = _without_draft_mark(_render(signed["filing"], filing_page, tmp_path, f"f{n}"))
        after = _render(signed["packet"].file, n + 1, tmp_path, f"p{n}")
        changed = ImageChops.difference(before, after).point(lambda v: 255 if v > 40 else 0)
        inked_before = before.point(lambda v: 255 if v < codes.BLANK else 0)
        covered = ImageChops.multiply(changed, inked_before).histogram()[255]
        if covered > 0.3 * inked_before.histogram()[255]:  # most of the text moved: shrunk to make room
            shrunk += 1
            continue
        compared += 1
        assert covered == 0, f"packet page {n + 1}: {covered} pixels of text changed"
    assert compared >= 5 and shrunk <= 2


def _without_draft_mark(image: Image.Image) -> Image.Image:
    """A page of the filing (a draft: not approved) without its DRAFT mark, which the packet leaves off by
    design: that band is not compared (72 dpi: a pixel a point)."""
    x0, y0, x1, y1 = mark_box(RectangleObject([0, 0, 612, 792]))
    image = image.copy()
    ImageDraw.Draw(image).rectangle((x0 - 2, 792 - y1 - 2, x1 + 2, 792 - y0 + 2), fill=255)
    return image


def _texts(pdf: Path) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(pdf).pages]


def _qr_box_points(result) -> tuple[float, float, float, float]:
    xs = [p.x for p in (result.position.top_left, result.position.top_right, result.position.bottom_left,
                        result.position.bottom_right)]
    ys = [p.y for p in (result.position.top_left, result.position.top_right, result.position.bottom_left,
                        result.position.bottom_right)]
    k = 72 / 150
    return min(xs) * k, min(ys) * k, max(xs) * k, max(ys) * k


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _words(pdf: Path) -> list[list[dict]]:
    bbox = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = []
    for chunk in bbox.split("<page ")[1:]:
        pages.append([{"box": tuple(float(v) for v in m[:4]), "size": float(m[3]) - float(m[1]), "text": m[4]}
                      for m in re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                                          r'yMax="([\d.]+)">(.*?)</word>', chunk)])
    return pages


def test_the_signature_lines_are_marked_in_the_signers_language(signed, decoded):
    packet_pages = [p for p, (_, [code], _) in zip(_pages(signed["packet"].file), decoded)
                    if code.document != "cover"]  # the covers quote the mark in their instructions
    marks = sum(p.count("Sign here") + p.count("Firme aquí") for p in packet_pages)
    ink_lines = [s for s in signed["manifest"]["signatures"]["required"]
                 if s["kind"] == "ink" and s["found"] == "signature line"]
    assert marks == len(ink_lines)
    assert any("Firme aquí" in p for p in packet_pages)


def test_the_same_case_gives_the_same_packet_bytes(signed, tmp_path, monkeypatch):
    from assembler.api import sign_packet

    monkeypatch.setenv("PDPACKET_LEDGER", str(signed["root"] / "pdpacket.db"))
    again = sign_packet(signed["case"], target=tmp_path / "again.pdf")
    assert again.file.read_bytes() == signed["packet"].file.read_bytes()


# --- what the user can get wrong -------------------------------------------------------------------

def test_an_unbuilt_case_or_an_unwritable_output_is_one_clear_error(signed, run, tmp_path, monkeypatch):
    monkeypatch.setenv("PDPACKET_LEDGER", str(signed["root"] / "pdpacket.db"))
    unbuilt = signed["root"] / "unbuilt"
    shutil.copytree(signed["case"], unbuilt, ignore=shutil.ignore_patterns("out"))
    result = run("sign", unbuilt)
    assert result.code == 5
    assert "no built filing" in result.err and "pdpacket build" in result.err and "Traceback" not in result.err

    missing = tmp_path / "no-such-folder" / "packet.pdf"
    result = run("sign", signed["case"], "-o", missing)
    assert result.code == 9
    assert str(missing.parent) in result.err and "-o" in result.err
    assert not missing.parent.exists()

    result = run("sign", signed["case"], "-o", signed["filing"])
    assert result.code == 9 and "the filing" in result.err


def test_a_case_changed_since_its_build_is_refused_and_nothing_is_written(signed, run, tmp_path, monkeypatch):
    monkeypatch.setenv("PDPACKET_LEDGER", str(signed["root"] / "pdpacket.db"))
    changed = signed["root"] / "changed"
    shutil.copytree(signed["case"], changed)
    file = changed / "case.yaml"
    file.write_text(file.read_text(encoding="utf-8").replace("I am fourteen years old", "I am 14 years old"),
                    encoding="utf-8")
    target = tmp_path / "packet.pdf"
    result = run("sign", changed, "-o", target)
    assert result.code == 5
    assert "changed since" in result.err and "build it again" in result.err
    assert not target.exists()


def test_a_translators_certificate_dated_before_the_packet_is_printed_is_named_with_the_field_to_change(signed):
    # The CLI walk-through: the translator signed on the 8th a certificate dated the 25th of the month before
    # ("Date: November 25, 2026"), and `sign` warned of the declarations only.
    notes = [n for n in signed["packet"].notes if n.path.startswith("exhibits")]
    dated = [(i, e) for i, e in enumerate(signed["data"]["exhibits"]) if (e.get("translation") or {}).get("translator", {}).get("date")]
    assert dated  # sample 1's birth certificate translation is dated 2026-11-18, before TODAY
    assert [n.path for n in notes] == [f"exhibits[{i}].translation.translator.date" for i, _ in dated]
    for note, (_, e) in zip(notes, dated, strict=True):
        day = e["translation"]["translator"]["date"]
        assert f"Date: {day:%B} {day.day}, {day.year}" in note.message and "cannot sign it that day" in note.message
        assert e["translation"]["translator"]["name"] in note.message


def test_a_declaration_dated_before_the_packet_is_printed_is_named_with_the_field_to_change(signed, run, tmp_path,
                                                                                          monkeypatch):
    # Walking the round: a packet printed on the 7th for a declaration dated the 4th was signed, read back,
    # approved and sent mis-dated ("Executed on December 4") with no word from any command.
    # printed on TODAY, 2026-11-28; sample 1's four declarations are dated before
    notes = [n for n in signed["packet"].notes if n.path.startswith("declarations")]
    declarants = [d["declarant"] for d in signed["data"]["declarations"]]
    assert len(notes) == len(declarants)
    for note, d, i in zip(notes, signed["data"]["declarations"], range(len(declarants)), strict=True):
        day = d["signed"]["date"]
        assert note.path == f"declarations[{i}].signed.date" and "cannot be signed that day" in note.message
        assert f"Executed on {day:%B} {day.day}, {day.year}" in note.message and d["declarant"] in note.message
    monkeypatch.setenv("PDPACKET_TODAY", "2026-11-18")  # the day Robert Chen's is dated: nothing to say of his
    monkeypatch.setenv("PDPACKET_LEDGER", str(tmp_path / "ledger.db"))
    monkeypatch.delenv("PDPACKET_SETTINGS", raising=False)
    result = run("sign", signed["case"], "-o", tmp_path / "p.pdf")
    assert result.code == 0, result.err
    assert "Robert Chen's declaration" not in result.err
    assert "Sofía García's declaration prints \"Executed on November 20, 2026\": Sofía García must sign it on that day" \
        in result.err


def test_sign_says_when_a_cover_is_not_in_the_signers_language():
    """The re-walk: `sign` listed "Rafael ... (Portuguese)" above a cover all in English, and said nothing."""
    from assembler.sign.packet import Section

    note = Section(1, "Rafael Moreira", "Portuguese").cover_note
    assert note == "the cover page is in English (none ships in Portuguese): have the interpreter read it to them"
    assert Section(1, "Ana", "Spanish").cover_note == "" and Section(1, "Ana", "English").cover_note == ""
