"""Generate the synthetic exhibit files of the sample cases.

Every person, number and document here is fictional. Run from the repository
root: `python tools/make_samples.py`. The output is committed; re-running it
rewrites the same files (reportlab in invariant mode, fixed image content).
"""
from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.shared import Pt
from PIL import Image, ImageDraw
from reportlab.lib.pagesizes import A4, landscape, letter
from reportlab.lib.units import inch
from reportlab.pdfgen import canvas

ROOT = Path(__file__).resolve().parent.parent / "samples"


def pdf(path: Path, pages: list[list[str]], size=letter, title="") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    c = canvas.Canvas(str(path), pagesize=size, invariant=1)
    c.setTitle(title or path.stem)
    w, h = size
    for lines in pages:
        y = h - 1 * inch
        for i, line in enumerate(lines):
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
        "I have known María José García López for more than twelve years as a member of our parish.",
        "She organizes our weekly food pantry, which serves about 300 families, and she has never missed a "
        "Saturday shift in the years I have known her.",
        "Her children, Sofía and Mateo, attend our youth program. The family is an anchor of our community, "
        "and I respectfully ask that she be allowed to remain with them.",
    ]:
        doc.add_paragraph(text)
    doc.add_paragraph("Rev. Thomas Keane, Pastor")
    doc.core_properties.author = "St. Brendan Community Church"
    doc.save(path)


def sample_1(base: Path) -> None:
    ex = base / "exhibits"
    ex.mkdir(parents=True, exist_ok=True)
    pdf(ex / "passport.pdf", [["PASAPORTE / PASSPORT - ESTADOS UNIDOS MEXICANOS (synthetic)",
                               "Surname: GARCIA LOPEZ", "Given names: MARIA JOSE",
                               "Date of birth: 14 MAR 1985", "Passport no.: X00000000 (fictional)"]])
    pdf(ex / "lease.pdf", [[f"RESIDENTIAL LEASE - page {n} of 4", "Premises: 41-12 Junction Blvd, Apt 3C, Corona, NY",
                            "Tenant: Maria Jose Garcia Lopez", "Landlord: Junction Realty LLC (fictional)",
                            "Term: 2009 - present, renewed yearly"] for n in range(1, 5)])
    pdf(ex / "tax-returns.pdf", [[f"FORM 1040 (synthetic summary) - tax year {y}",
                                  "Taxpayer: Maria Jose Garcia Lopez (ITIN 9XX-XX-XXXX, fictional)",
                                  "Filing status: Head of household", "Wages: $38,400"] for y in (2023, 2024, 2025)])
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
    pdf(ex / "employer-letter.pdf", [["Queens Fresh Market Inc. (fictional)", "November 10, 2026",
                                     "To whom it may concern:",
                                     "Ms. Garcia Lopez has worked for us as a produce manager since 2011.",
                                     "She is reliable and trusted with opening and closing the store."]])
    pdf(ex / "school-records.pdf", [["P.S. 143 Louis Armstrong (synthetic record)", "Student: Sofia Garcia",
                                    "Attendance 2025-26: 98%", "Honor roll: all quarters"],
                                   ["P.S. 143 Louis Armstrong (synthetic record)", "Student: Mateo Garcia",
                                    "Attendance 2025-26: 97%", "Special education plan: speech therapy"]])
    pdf(ex / "medical-letter.pdf", [["Elmhurst Pediatrics (fictional)", "Patient: Mateo Garcia",
                                    "Diagnosis: asthma, moderate persistent",
                                    "His mother manages his medication and appointments."]],
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
                                 "Charge: DUI, first offense, Fla. Stat. 316.193, 2016", "Plea: nolo contendere",
                                 "Disposition: adjudication withheld; 12 months of probation",
                                 "Probation terminated successfully, 2017"],
                                ["CERTIFIED DISPOSITION (synthetic), page 2", "Case closed.",
                                 "Clerk of Court (fictional seal)"]])
    pdf(ex / "treatment-certificate.pdf", [["CERTIFICATE OF COMPLETION (synthetic)",
                                           "Jean-Baptiste Pierre-Louis completed a 26-week",
                                           "substance abuse treatment program on June 30, 2017."]])
    pdf(ex / "tps-receipt.pdf", [["FORM I-797C NOTICE OF ACTION (synthetic)", "Receipt: I-821 (TPS), Haiti",
                                 "Applicant: Jean-Baptiste Pierre-Louis", "Received: 2025-09-12"]])
    pdf(ex / "marriage-certificate.pdf", [["CERTIFICATE OF MARRIAGE - State of Florida (synthetic)",
                                          "Jean-Baptiste Pierre-Louis and Nadège Pierre-Louis",
                                          "Married June 4, 2014, Miami-Dade County"]])
    pdf(ex / "letters-of-support.pdf", [[f"LETTER OF SUPPORT {n} (synthetic)", "I have known Jean-Baptiste for years.",
                                        "He is a devoted father and hard worker."] for n in range(1, 4)])
    photo(ex / "family.png", "Pierre-Louis family, 2025", orientation=None, size=(900, 700), color=(100, 170, 120))
    Image.open(ex / "family.png").save(ex / "family.png", optimize=True)


def sample_4(base: Path) -> None:
    ex = base / "exhibits"
    ex.mkdir(parents=True, exist_ok=True)
    pdf(ex / "g28.pdf", [["FORM G-28 (synthetic placeholder for the sample; a firm files the official form)",
                          "Notice of Entry of Appearance as Attorney or Accredited Representative",
                          "Client: Rosa Elena Quispe Mamani", "Attorney: Daniel Okafor, Okafor & Reyes LLP",
                          "Signed by the client and the attorney on November 16, 2026 (fictional)"]])
    pdf(ex / "i130-approval.pdf", [["FORM I-797 NOTICE OF ACTION (synthetic)", "Approval notice: Form I-130",
                                    "Petitioner: Tomas Quispe (U.S. citizen, fictional)",
                                    "Beneficiary: Rosa Elena Quispe Mamani", "Approved: 2026-08-21"]])
    pdf(ex / "marriage-certificate.pdf", [["CERTIFICATE OF MARRIAGE - State of Texas (synthetic)",
                                          "Tomas Quispe and Rosa Elena Quispe Mamani",
                                          "Married March 9, 2019, Harris County"]])
    pdf(ex / "tax-transcripts.pdf", [[f"IRS ACCOUNT TRANSCRIPT (synthetic) - tax year {y}",
                                      "Taxpayers: Tomas Quispe and Rosa Elena Quispe Mamani",
                                      "Filing status: married filing jointly"] for y in (2023, 2024, 2025)])
    pdf(ex / "carta-de-la-iglesia.pdf", [["IGLESIA SAN JOSE, HOUSTON (documento ficticio)", "12 de noviembre de 2026",
                                          "A quien corresponda:", "Rosa Elena es voluntaria de nuestra parroquia",
                                          "desde 2014 y coordina el programa de alimentos."]])
    pdf(ex / "carta-de-la-iglesia-en.pdf", [["ST. JOSEPH CHURCH, HOUSTON (English translation)", "November 12, 2026",
                                             "To whom it may concern:", "Rosa Elena has volunteered at our parish",
                                             "since 2014 and coordinates the food program."]])


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


def main() -> int:
    g28_stand_in(ROOT / "g28-stand-in.pdf")
    sample_1(ROOT / "1-garcia-lopez")
    sample_2(ROOT / "2-pierre-louis-detained")
    sample_4(ROOT / "4-quispe-board")
    print(f"sample exhibits written under {ROOT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
