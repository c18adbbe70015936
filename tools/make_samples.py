"""Generate the synthetic exhibit files of the sample cases.

Every person, number and document here is fictional. Run from the repository
root: `python tools/make_samples.py`. The output is committed; re-running it
rewrites the same files (reportlab in invariant mode, fixed image content).
Sample 1 also ships its signed pages (samples/1-garcia-lopez/signed/): built,
signed with drawn strokes and read back with `pdpacket signed` (LibreOffice needed);
and its attorney's approval (samples/1-garcia-lopez/approval.json), so it builds final.
"""
from __future__ import annotations

import sys
import zipfile
from pathlib import Path

from docx import Document
from docx.shared import Pt
from PIL import Image, ImageDraw
from reportlab.lib.pagesizes import A4, landscape, letter
from reportlab.lib.units import inch
from reportlab.pdfgen import canvas

ROOT = Path(__file__).resolve().parent.parent / "samples"


SIGNED = "[signature]"  # a line of a page that is this marker is drawn as a hand signature


def scribble(c: canvas.Canvas, x: float, y: float, seed: int) -> None:
    """A hand signature stand-in: a fixed wavy stroke (deterministic, different per seed)."""
    c.setLineWidth(1.2)
    path = c.beginPath()
    path.moveTo(x, y)
    for i in range(6):
        dx = 18 + (seed * 7 + i * 5) % 11
        dy = 10 + (seed * 3 + i * 7) % 9
        path.curveTo(x + dx * 0.3, y + dy, x + dx * 0.7, y - dy, x + dx, y + (i % 2) * 3)
        x += dx
    c.drawPath(path, stroke=1, fill=0)


def pdf(path: Path, pages: list[list[str]], size=letter, title="") -> None:
    """One page per list of lines; the first line is the heading. A line that is SIGNED is a
    signature drawn by hand above the next line (the signer's name)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    c = canvas.Canvas(str(path), pagesize=size, invariant=1)
    c.setTitle(title or path.stem)
    w, h = size
    for number, lines in enumerate(pages):
        y = h - 1 * inch
        for i, line in enumerate(lines):
            if line == SIGNED:
                y -= 8
                scribble(c, 1 * inch, y, seed=len(path.stem) + number)
                y -= 18
                continue
            c.setFont("Helvetica-Bold" if i == 0 else "Helvetica", 14 if i == 0 else 11)
            c.drawString(1 * inch, y, line)
            y -= 22 if i == 0 else 16
        c.showPage()
    c.save()


def photo(path: Path, caption: str, orientation: int | None, size=(1600, 1200), color=(90, 140, 200)) -> None:
    img = Image.new("RGB", size, color)
    draw = ImageDraw.Draw(img)
    for i in range(0, size[0], 80):
        draw.line([(i, 0), (size[0] - i, size[1])], fill=(240, 230, 200), width=3)
    draw.rectangle([40, 40, size[0] - 40, 200], fill=(255, 255, 255))
    draw.text((60, 60), caption, fill=(0, 0, 0))
    draw.text((60, 100), "TOP OF PICTURE (synthetic sample photo)", fill=(200, 0, 0))
    if orientation:
        # Store the pixels sideways, as a phone held upright does, and say so in EXIF.
        img = img.transpose(Image.Transpose.ROTATE_90)
        exif = Image.Exif()
        exif[0x0112] = orientation
        img.save(path, quality=82, exif=exif)
    else:
        img.save(path, quality=82)


SCAN_FONT = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"  # fonts-liberation2 (Makefile)


def scan(path: Path, lines: list[str]) -> None:
    """A page as a scanner makes it: printed at 300 dpi, black and white (CCITT G4 in the PDF, a few
    kB), no text layer. What OCR reads in a build (issue 24: a scanned Spanish exhibit in a sample)."""
    import img2pdf
    from PIL import ImageFont

    path.parent.mkdir(parents=True, exist_ok=True)
    img = Image.new("L", (2550, 3300), 255)
    draw = ImageDraw.Draw(img)
    y = 300
    for i, line in enumerate(lines):
        if line == SIGNED:
            draw.line([(300, y + 40), (420, y), (520, y + 50), (640, y + 5), (760, y + 45)], fill=0, width=5)
            y += 90
            continue
        draw.text((300, y), line, fill=0, font=ImageFont.truetype(SCAN_FONT, 58 if i == 0 else 46))
        y += 110 if i == 0 else 80
    tiff = path.with_suffix(".tif")
    img.convert("1").save(tiff, compression="group4", dpi=(300, 300))
    path.write_bytes(img2pdf.convert(str(tiff), layout_fun=img2pdf.get_layout_fun(letter), nodate=True))
    tiff.unlink()


def signature_png(path: Path) -> Path:
    """A hand signature stand-in as an image (for the .docx letter, which is signed and scanned in life)."""
    img = Image.new("RGB", (360, 90), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    points = [(10 + i * 12, 45 + (18 if i % 2 else -14) + (i % 3) * 4) for i in range(28)]
    draw.line(points, fill=(20, 30, 90), width=3, joint="curve")
    img.save(path, dpi=(150, 150))
    return path


def support_letter_docx(path: Path) -> None:
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(12)
    doc.add_paragraph("St. Brendan Community Church")
    doc.add_paragraph("88-10 Roosevelt Ave, Jackson Heights, NY 11372")
    doc.add_paragraph("November 12, 2026")
    doc.add_paragraph("To the Office of the Chief Counsel:")
    for text in [
        "I have known María José García López since 2013 as a member of our parish.",
        "Since 2014 she has organized our weekly food pantry, which serves about 300 families every Saturday, "
        "and she has hardly ever missed a shift.",
        "Her children, Sofía and Mateo, attend our youth program. The family is an anchor of our community, "
        "and I respectfully ask that she be allowed to remain with them.",
    ]:
        doc.add_paragraph(text)
    doc.add_paragraph("Sincerely,")
    doc.add_picture(str(signature_png(path.with_name("signature-keane.png"))))
    path.with_name("signature-keane.png").unlink()
    doc.add_paragraph("Rev. Thomas Keane, Pastor")
    doc.add_paragraph("(718) 555-0173")
    doc.core_properties.author = "St. Brendan Community Church"
    doc.save(path)
    fixed_zip_times(path)


def fixed_zip_times(path: Path) -> None:
    """python-docx stamps each zip entry with the current time: rewrite them with a fixed one, so that
    running this script again rewrites the same bytes."""
    with zipfile.ZipFile(path) as z:
        entries = [(info.filename, z.read(info)) for info in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            z.writestr(zipfile.ZipInfo(name, date_time=(2026, 11, 12, 0, 0, 0)), data,
                       compress_type=zipfile.ZIP_DEFLATED)


def sample_1(base: Path) -> None:
    ex = base / "exhibits"
    ex.mkdir(parents=True, exist_ok=True)
    pdf(ex / "passport.pdf", [["PASAPORTE / PASSPORT - ESTADOS UNIDOS MEXICANOS (synthetic)",
                               "Surname: GARCIA LOPEZ", "Given names: MARIA JOSE",
                               "Nationality: MEXICANA", "Date of birth: 14 MAR 1985",
                               "Place of birth: PUEBLA", "Date of issue: 01 JUL 2019",
                               "Issued by: Consulado General de Mexico en Nueva York",
                               "Passport no.: X00000000 (fictional)"]])
    pdf(ex / "lease.pdf", [[f"RESIDENTIAL LEASE - page {n} of 4", "Premises: 41-12 Junction Blvd, Apt 3C, Corona, NY",
                            "Tenant: Maria Jose Garcia Lopez", "Landlord: Junction Realty LLC (fictional)",
                            "Term: 2009 - present, renewed yearly"] for n in range(1, 5)])
    pdf(ex / "tax-returns.pdf", [[f"FORM 1040 (synthetic summary) - tax year {y}",
                                  "Taxpayer: Maria Jose Garcia Lopez (ITIN 9XX-XX-XXXX, fictional)",
                                  "Address: 41-12 Junction Blvd, Apt 3C, Corona, NY 11368",
                                  "Filing status: Head of household",
                                  "Dependents: Sofia Garcia (daughter), Mateo Garcia (son)",
                                  "Employer (Form W-2): Queens Fresh Market Inc.", f"Wages: {wages}"]
                                 for y, wages in ((2023, "$36,900"), (2024, "$38,400"), (2025, "$39,800"))])
    pdf(ex / "birth-certificate-sofia.pdf", [["CERTIFICATE OF BIRTH - City of New York (synthetic)",
                                             "Name: Sofia Garcia", "Date of birth: May 2, 2012",
                                             "Place of birth: Elmhurst Hospital, Queens, NY",
                                             "Mother: Maria Jose Garcia Lopez"]])
    pdf(ex / "birth-certificate-mateo.pdf", [["CERTIFICATE OF BIRTH - City of New York (synthetic)",
                                             "Name: Mateo Garcia", "Date of birth: August 19, 2015",
                                             "Place of birth: Elmhurst Hospital, Queens, NY",
                                             "Mother: Maria Jose Garcia Lopez"]])
    pdf(ex / "acta-de-nacimiento.pdf", [["ACTA DE NACIMIENTO (documento ficticio)", "Estados Unidos Mexicanos",
                                        "Registro Civil de Puebla", "Nombre: María José García López",
                                        "Fecha de nacimiento: 14 de marzo de 1985", "Lugar: Atlixco, Puebla"]],
        size=A4)
    pdf(ex / "acta-de-nacimiento-en.pdf", [["BIRTH CERTIFICATE (English translation)", "United Mexican States",
                                           "Civil Registry of Puebla", "Name: Maria Jose Garcia Lopez",
                                           "Date of birth: March 14, 1985", "Place: Atlixco, Puebla"]])
    pdf(ex / "employer-letter.pdf", [["Queens Fresh Market Inc. (fictional)",
                                     "95-15 Queens Blvd, Rego Park, NY 11374", "November 10, 2026",
                                     "To whom it may concern:",
                                     "Maria Jose Garcia Lopez has worked for us since March 2011. She started as",
                                     "a stock clerk and has been our produce manager since 2016.",
                                     "She is reliable and trusted with opening and closing the store.",
                                     "Sincerely,", SIGNED, "Robert Chen, Owner"]])
    pdf(ex / "school-records.pdf", [["Junction Intermediate School (fictional) - report, 2025-26",
                                     "Student: Sofia Garcia, grade 8", "Parent: Maria Jose Garcia Lopez",
                                     "Attendance 2025-26: 98%", "Honor roll: all quarters",
                                     "Issued June 26, 2026"],
                                    ["Corona Park Elementary School (fictional) - report, 2025-26",
                                     "Student: Mateo Garcia, grade 5", "Parent: Maria Jose Garcia Lopez",
                                     "Attendance 2025-26: 94% (absences: asthma, excused)",
                                     "Health plan on file: asthma; inhaler kept by the school nurse",
                                     "Issued June 26, 2026"]])
    pdf(ex / "medical-letter.pdf", [["Elmhurst Pediatrics (fictional)", "October 30, 2026",
                                    "Patient: Mateo Garcia, born August 19, 2015",
                                    "Diagnosis: asthma, moderate persistent, since 2019",
                                    "Treatment: daily inhaled controller medication; visits every two months.",
                                    "His mother, Maria Jose Garcia Lopez, manages his medication and appointments.",
                                    SIGNED, "Dr. Priya Raman, MD, pediatrician"]],
        size=landscape(letter))
    photo(ex / "family-photo.jpg", "Garcia family, Flushing Meadows, 2024", orientation=6)
    photo(ex / "food-pantry.jpg", "Food pantry volunteers, St. Brendan, 2025", orientation=None,
          color=(160, 120, 80))
    support_letter_docx(ex / "church-letter.docx")


def sample_2(base: Path) -> None:
    ex = base / "exhibits"
    ex.mkdir(parents=True, exist_ok=True)
    pdf(ex / "disposition.pdf", [["CERTIFIED DISPOSITION (synthetic)", "State of Florida v. Jean-Baptiste Pierre-Louis",
                                 "County Court, Miami-Dade County", "Case no. 2016-012345-TT-20 (fictional)",
                                 "Arrest: April 17, 2016",
                                 "Charge: DUI, first offense, Fla. Stat. 316.193", "Plea: nolo contendere, August 1, 2016",
                                 "Disposition: adjudication withheld; 12 months of probation; substance abuse",
                                 "treatment program", "Probation terminated successfully: August 1, 2017"],
                                ["CERTIFIED DISPOSITION (synthetic), page 2", "Case closed.",
                                 "Certified a true copy on November 5, 2026.", "Clerk of Court (fictional seal)"]])
    pdf(ex / "treatment-certificate.pdf", [["CERTIFICATE OF COMPLETION (synthetic)",
                                           "Jean-Baptiste Pierre-Louis completed a 26-week",
                                           "substance abuse treatment program on June 30, 2017.",
                                           SIGNED, "Program director, Biscayne Recovery Services (fictional)"]])
    pdf(ex / "i130-receipt.pdf", [["FORM I-797C NOTICE OF ACTION (synthetic)", "Receipt notice: Form I-130",
                                   "Received: September 12, 2025",
                                   "Petitioner: Nadege Pierre-Louis (U.S. citizen)",
                                   "Beneficiary: Jean-Baptiste Pierre-Louis",
                                   "Classification: spouse of a U.S. citizen"]])
    pdf(ex / "naturalization-certificate.pdf", [["CERTIFICATE OF NATURALIZATION (synthetic)",
                                                 "Nadege Pierre-Louis", "Date of naturalization: March 15, 2024",
                                                 "Place: Miami, Florida", "Certificate no.: 00000000 (fictional)"]])
    pdf(ex / "marriage-certificate.pdf", [["CERTIFICATE OF MARRIAGE - State of Florida (synthetic)",
                                          "Jean-Baptiste Pierre-Louis and Nadege Celestin",
                                          "Married June 4, 2014, Miami-Dade County",
                                          "The bride's name after marriage: Nadege Pierre-Louis"]])
    letters = [
        ["LETTER OF SUPPORT (synthetic)", "Eglise Baptiste Bethel, North Miami (fictional)", "November 14, 2026",
         "To the Office of the Chief Counsel:",
         "I have been the pastor of Jean-Baptiste Pierre-Louis since 2008. Until his detention he sang",
         "in our choir and drove our older members to Sunday service. He has been sober since 2017.",
         "I ask that he be allowed to return home to his wife and her mother.",
         SIGNED, "Rev. Jacques Hyppolite, Pastor"],
        ["LETTER OF SUPPORT (synthetic)", "North Miami, Florida", "November 16, 2026",
         "To the Office of the Chief Counsel:",
         "I have lived next door to Jean-Baptiste and Nadege Pierre-Louis since 2010. Until he was",
         "detained, I saw him every day help his mother-in-law, who has Parkinson's disease, to the car.",
         "He is a kind and dependable neighbor.",
         SIGNED, "Gloria Martinez, neighbor"],
        ["LETTER OF SUPPORT (synthetic)", "North Miami Neurology Associates (fictional)", "November 17, 2026",
         "To the Office of the Chief Counsel:",
         "I treat Marie-Ange Celestin for Parkinson's disease. She needs help to walk, dress and take",
         "her medication. From 2021 until his detention in October 2026, her son-in-law, Jean-Baptiste",
         "Pierre-Louis, was her daytime caregiver and brought her to every appointment.",
         SIGNED, "Dr. Samuel Etienne, MD, neurologist"],
    ]
    pdf(ex / "letters-of-support.pdf", letters)
    photo(ex / "family.png", "Jean-Baptiste, Nadege and Marie-Ange, 2025", orientation=None, size=(900, 700),
          color=(100, 170, 120))
    Image.open(ex / "family.png").save(ex / "family.png", optimize=True)


def sample_3(base: Path) -> None:
    ex = base / "exhibits"
    ex.mkdir(parents=True, exist_ok=True)
    pdf(ex / "i918-receipt.pdf", [["FORM I-797C NOTICE OF ACTION (synthetic)", "Receipt notice: Form I-918",
                                   "Petition for U Nonimmigrant Status", "Received: July 20, 2023",
                                   "Petitioner: Tenzin (no given name)", "A-number: A087-654-321"]])
    pdf(ex / "i918-supplement-b.pdf", [["FORM I-918 SUPPLEMENT B (synthetic summary)",
                                        "U Nonimmigrant Status Certification",
                                        "Certifying agency: Chicago Police Department (fictional certifier)",
                                        "Victim: Tenzin", "Criminal activity: felonious assault, in the course of a robbery",
                                        "Date of the crime: March 3, 2022, Chicago, Illinois",
                                        "The victim has been, is being or is likely to be helpful in the",
                                        "investigation or prosecution of the criminal activity.",
                                        "Certified on May 9, 2023", SIGNED, "Certifying official (fictional)"]])


def sample_4(base: Path) -> None:
    ex = base / "exhibits"
    ex.mkdir(parents=True, exist_ok=True)
    pdf(ex / "g28.pdf", [["FORM G-28 (synthetic placeholder for the sample; a firm files the official form)",
                          "Notice of Entry of Appearance as Attorney or Accredited Representative",
                          "Client: Rosa Elena Quispe Mamani", "Attorney: Daniel Okafor, Okafor & Reyes LLP",
                          "Signed by the client and the attorney on November 16, 2026 (fictional)"]])
    pdf(ex / "i130-approval.pdf", [["FORM I-797 NOTICE OF ACTION (synthetic)", "Approval notice: Form I-130",
                                    "Petitioner: Tomas Huaman (U.S. citizen, fictional)",
                                    "Beneficiary: Rosa Elena Quispe Mamani",
                                    "Classification: spouse of a U.S. citizen (immediate relative)",
                                    "Approved: August 21, 2026",
                                    "The approved petition has been sent to the National Visa Center."]])
    pdf(ex / "marriage-certificate.pdf", [["CERTIFICATE OF MARRIAGE - State of Texas (synthetic)",
                                          "Tomas Huaman and Rosa Elena Quispe Mamani",
                                          "Married March 9, 2019, Harris County"]])
    pdf(ex / "tax-transcripts.pdf", [[f"IRS ACCOUNT TRANSCRIPT (synthetic) - tax year {y}",
                                      "Taxpayers: Tomas Huaman and Rosa Elena Quispe Mamani",
                                      "Address: 7720 Long Point Rd, Apt 12, Houston, TX 77055",
                                      "Filing status: married filing jointly"] for y in (2023, 2024, 2025)])
    # Signed on paper and scanned, as such letters come in: the filing is searchable in Spanish by OCR.
    scan(ex / "carta-de-la-iglesia.pdf", ["IGLESIA SAN JOSÉ, HOUSTON (documento ficticio)", "12 de noviembre de 2026",
                                          "A quien corresponda:", "Rosa Elena es voluntaria de nuestra parroquia",
                                          "desde 2014 y coordina el programa de alimentos.", SIGNED,
                                          "P. Miguel Ángel Torres, párroco"])
    pdf(ex / "carta-de-la-iglesia-en.pdf", [["ST. JOSEPH CHURCH, HOUSTON (English translation)", "November 12, 2026",
                                             "To whom it may concern:", "Rosa Elena has volunteered at our parish",
                                             "since 2014 and coordinates the food program.", "[signed]",
                                             "Fr. Miguel Angel Torres, pastor"]])


G28_FIELDS = [  # (label, field name, kind): the stand-in's fields, in the order drawn
    ("Part 1. Attorney", None, "heading"),
    ("Name of attorney", "Attorney_Name", "text"),
    ("Law firm or organization", "Attorney_Firm", "text"),
    ("Address", "Attorney_Address", "text"),
    ("Telephone", "Attorney_Phone", "text"),
    ("E-mail", "Attorney_Email", "text"),
    ("Bar number", "Attorney_BarNumber", "text"),
    ("Licensing state", "Attorney_BarState", "text"),
    ("Eligible attorney", "Eligibility_Attorney", "checkbox"),
    ("Part 2. Appearance before", "Appearance_Agency", "radio"),
    ("Part 3. Client", None, "heading"),
    ("Family name", "Client_FamilyName", "text"),
    ("Given name", "Client_GivenName", "text"),
    ("A-number", "Client_ANumber", "text"),
    ("Detained", "Client_Detained", "checkbox"),
    ("Matter", "Client_Matter", "text"),
]
AGENCIES = ("USCIS", "ICE", "CBP")


def g28_stand_in(path: Path) -> None:
    """A fillable stand-in for Form G-28 (never the official form: firms supply that one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    c = canvas.Canvas(str(path), pagesize=letter, invariant=1)
    c.setTitle("Stand-in for Form G-28 (sample)")
    w, h = letter
    c.setFont("Helvetica-Bold", 13)
    c.drawString(inch, h - inch, "STAND-IN FOR FORM G-28 (synthetic sample, not the official form)")
    c.setFont("Helvetica", 9)
    c.drawString(inch, h - inch - 14, "Notice of Entry of Appearance as Attorney or Accredited Representative: "
                                       "firms supply the official form")
    y = h - inch - 50
    form = c.acroForm
    for label, name, kind in G28_FIELDS:
        if kind == "heading":
            y -= 8
            c.setFont("Helvetica-Bold", 11)
            c.drawString(inch, y, label)
            y -= 24
            continue
        c.setFont("Helvetica", 10)
        c.drawString(inch, y + 5, label)
        if kind == "text":
            form.textfield(name=name, x=3.3 * inch, y=y, width=4.2 * inch, height=18, fontName="Helvetica",
                           fontSize=10, borderWidth=1)
        elif kind == "checkbox":
            form.checkbox(name=name, x=3.3 * inch, y=y, size=16, buttonStyle="check")
        else:
            for i, agency in enumerate(AGENCIES):
                form.radio(name=name, value=agency, x=3.3 * inch + i * 1.1 * inch, y=y + 1, size=14,
                           selected=False)
                c.drawString(3.3 * inch + i * 1.1 * inch + 20, y + 5, agency)
        y -= 28
    y -= 20
    c.setFont("Helvetica", 10)
    for who in ("Signature of client", "Signature of attorney"):
        c.line(inch, y, 4.5 * inch, y)
        c.drawString(inch, y - 12, f"{who} (signed by hand)")
        y -= 48
    c.showPage()
    c.save()


READ_AT = "2026-11-21T10:00:00+00:00"  # the sample's signed pages say they were read then (not the run's time)
SCANS = "simulated-scans"  # what the record names as the scans (made in a temporary folder, not shipped)


def sign_sample_1(base: Path) -> None:
    """Sample 1 ships signed: built, its signing packet made, every signature page signed by the simulated
    signing the tests use (tools/simulate_signing.py: drawn strokes, fictional people), scanned a little
    tilted as a phone or scanner gives it, and read back with `pdpacket signed` into base/signed/."""
    import json
    import os
    import random
    import shutil
    import tempfile

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from simulate_signing import jpeg, packet_pages, sign, signature_pages

    from assembler.api import build, read_signed, sign_packet

    shutil.rmtree(base / "signed", ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix="pdpacket-sample-signing-") as tmp:
        work = Path(tmp)
        os.environ.update({"PDPACKET_TODAY": "2026-11-28", "PDPACKET_SETTINGS": str(ROOT / "pdpacket.yaml"),
                           "PDPACKET_LEDGER": str(work / "ledger.db")})
        build(base, out=work / "out")
        manifest = json.loads((work / "out" / "manifest.json").read_text(encoding="utf-8"))
        pages = packet_pages(sign_packet(base, out=work / "out", target=work / "packet.pdf").file, work / "png")
        rng = random.Random(1)
        (work / SCANS).mkdir()
        scans = []
        for i in signature_pages(pages, manifest["signatures"]["required"]):
            tilted = sign(pages[i], rng).rotate(rng.uniform(-1.5, 1.5), expand=True, fillcolor=250)
            scans.append(jpeg(tilted, work / SCANS / f"page-{i + 1}.jpg", 70))
        reading = read_signed(base, scans, out=work / "out")
        assert reading.ok and len(reading.accepted) == len(scans), (reading.refused, reading.unreadable)
    record_file = base / "signed" / "record.json"
    record = json.loads(record_file.read_text(encoding="utf-8"))
    for entry in record["pages"]:  # the same bytes on every run: no time of day, no temporary folder
        entry["read_at"] = READ_AT
        entry["scan"] = f"{SCANS}/{Path(entry['scan']).name}"
    record_file.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


APPROVED_AT = "2026-11-28T16:00:00+00:00"  # the sample's approval says it was given then (not the run's time)


def approve_sample_1(base: Path) -> None:
    """Sample 1 ships approved too: built with its signed pages, read, then approved by the sample firm's
    attorney (`pdpacket approve`), so `make demo` builds its final filing ("/s/", no DRAFT mark) while the
    other samples build as drafts. A change to what the filing is made of (the case, an exhibit, a template,
    pdpacket's version) makes the approval stale: run this again, as an attorney would approve again."""
    import json
    import os
    import tempfile

    from assembler.api import approve, build

    (base / "approval.json").unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="pdpacket-sample-approval-") as tmp:
        work = Path(tmp)
        os.environ.update({"PDPACKET_TODAY": "2026-11-28", "PDPACKET_SETTINGS": str(ROOT / "pdpacket.yaml"),
                           "PDPACKET_LEDGER": str(work / "ledger.db")})
        build(base, out=work / "out")
        approve(base, "Daniel Okafor", out=work / "out")
    record_file = base / "approval.json"
    record = json.loads(record_file.read_text(encoding="utf-8"))
    record["approved_at"] = APPROVED_AT
    record_file.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main() -> int:
    g28_stand_in(ROOT / "g28-stand-in.pdf")
    sample_1(ROOT / "1-garcia-lopez")
    sample_2(ROOT / "2-pierre-louis-detained")
    sample_3(ROOT / "3-minimal")
    sample_4(ROOT / "4-quispe-board")
    sign_sample_1(ROOT / "1-garcia-lopez")
    approve_sample_1(ROOT / "1-garcia-lopez")
    print(f"sample exhibits written under {ROOT}; sample 1's signed pages under {ROOT / '1-garcia-lopez' / 'signed'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
