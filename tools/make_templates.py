"""Write the default Word templates into templates/.

The .docx files are what attorneys open and edit; this script only made the
first version of them (run it again to reset the defaults: it overwrites).
Tags follow docxtpl: `{%p ... %}` alone in its paragraph, `{%tr ... %}` alone
in its table row, spaces inside every tag.
"""
from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Inches, Pt

OUT = Path(__file__).resolve().parent.parent / "templates"


def new_document(title: str) -> Document:
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Inches(8.5), Inches(11)
    for side in ("left_margin", "right_margin", "top_margin"):
        setattr(section, side, Inches(1))
    section.bottom_margin = Inches(1.1)  # room for the packet's page stamp
    normal = doc.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(12)
    normal.paragraph_format.space_after = Pt(6)
    for name in ("Heading 1", "Heading 2", "Title"):
        style = doc.styles[name]
        style.font.name = "Times New Roman"
        style.font.color.rgb = None
        fonts = style.element.rPr.rFonts
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(attr), None)  # a theme font would win over the name set above
    doc.styles["Heading 1"].font.size = Pt(14)
    doc.styles["Heading 2"].font.size = Pt(12)
    props = doc.core_properties
    props.title, props.author, props.comments = title, "pdpacket", ""
    props.subject = props.keywords = props.category = ""
    return doc


def para(doc, text="", bold=False, align=None, style=None, space_after=None, keep=False):
    """`keep`: stay on the page of the next paragraph (a signature block never starts at a page's foot)."""
    p = doc.add_paragraph(style=style)
    if text:
        run = p.add_run(text)
        run.bold = bold
    if align:
        p.alignment = align
    if space_after is not None:
        p.paragraph_format.space_after = Pt(space_after)
    if keep:
        p.paragraph_format.keep_with_next = True
    return p


def detained_mark(doc):
    """'DETAINED' at the top right, as the immigration court's practice manual asks of detained filings."""
    para(doc, "{%p if respondent.detained %}")
    para(doc, "DETAINED", bold=True, align=RIGHT)
    para(doc, "{%p endif %}")


def office_block(doc, keep=False):
    """The office's address, printed the same way in the letter and the certificate of service."""
    para(doc, "{{ office.name }}", space_after=0, keep=keep)
    para(doc, "U.S. Immigration and Customs Enforcement", space_after=0, keep=keep)
    para(doc, "{%p if office.address %}")
    para(doc, "{{ office.address|lines }}", space_after=0, keep=keep)
    para(doc, "{%p endif %}")


def runs(doc, *parts, style=None):
    """A paragraph of (text, bold) runs."""
    p = doc.add_paragraph(style=style)
    for text, bold in parts:
        p.add_run(text).bold = bold
    return p


def heading(doc, text, level=2):
    p = doc.add_paragraph(text, style=f"Heading {level}")
    return p


CENTER = WD_ALIGN_PARAGRAPH.CENTER
RIGHT = WD_ALIGN_PARAGRAPH.RIGHT
NBSP = "\u00a0"


def letter() -> Document:
    doc = new_document("Request for prosecutorial discretion")
    detained_mark(doc)
    para(doc, "{{ attorney.firm or attorney.name }}", bold=True, space_after=0)
    para(doc, "{{ attorney.address|lines }}", space_after=0)
    para(doc, "{{ attorney.phone }} | {{ attorney.email }}")
    para(doc, "{{ letter_date|longdate }}")
    para(doc, "{{ service.via }}", bold=True, space_after=6)
    office_block(doc)
    para(doc, "", space_after=0)
    runs(doc, ("Re:\t", True), ("Request for Prosecutorial Discretion", True))
    for label, value in [
        ("Respondent", "{{ respondent.full_name }}"),
        ("A-Number", "{{ respondent.a_number|a_number }}"),
        ("Date of birth", "{{ respondent.date_of_birth|longdate }}"),
        ("Citizenship", "{{ respondent.country_of_citizenship }}"),
    ]:
        p = runs(doc, (f"\t{label}: ", False), (value, False))
        p.paragraph_format.space_after = Pt(0)
    para(doc, "{%p if respondent.detained %}")
    for label, value in [("Detained at", "{{ respondent.detention_facility }}"),
                         ("Detained since", "{{ respondent.detained_since|longdate }}")]:
        runs(doc, (f"\t{label}: ", False), (value, False)).paragraph_format.space_after = Pt(0)
    para(doc, "{%p endif %}")
    # A fact the case does not give is left out, never printed as "Not assigned" (validation warns).
    for name, label in [("court", "Immigration court"), ("judge", "Immigration judge")]:
        para(doc, f"{{%p if proceedings.{name} %}}")
        runs(doc, (f"\t{label}: ", False), (f"{{{{ proceedings.{name} }}}}", False)).paragraph_format.space_after = Pt(0)
        para(doc, "{%p endif %}")
    para(doc, "{%p if proceedings.next_hearing %}")
    runs(doc, ("\tNext hearing: ", False), ("{{ proceedings.next_hearing_text }}", False)) \
        .paragraph_format.space_after = Pt(0)
    para(doc, "{%p endif %}")
    runs(doc, ("\tStage: ", False), ("{{ proceedings.stage_text }}", False))
    para(doc, "Dear Chief Counsel:")
    para(doc, "We write on behalf of {{ respondent.full_name }} to ask the Office of the Chief Counsel to "
              "exercise prosecutorial discretion in this case. {{ request.summary }}")
    # Ages and years are computed from the case's dates on the letter's date, never typed.
    para(doc, "{{ respondent.full_name }}{% if respondent.years_in_us is not none %}, {{ respondent.age|words }} "
              "years old and a citizen of {{ respondent.country_of_citizenship }}, entered the United States on "
              "{{ respondent.entry.date|longdate }}, and has lived here for {{ respondent.years_in_us|words }} "
              "year{% if respondent.years_in_us != 1 %}s{% endif %}.{% else %} is {{ respondent.age|words }} years "
              "old and a citizen of {{ respondent.country_of_citizenship }}.{% endif %}")
    para(doc, "{%p if respondent.detained %}")
    para(doc, "{{ respondent.full_name }} is detained{% if respondent.detention_facility %} at "
              "{{ respondent.detention_facility }}{% endif %}{% if respondent.detained_since %} and has been for "
              "{{ respondent.time_in_detention }}, since {{ respondent.detained_since|longdate }}{% endif %}. We "
              "respectfully ask for the Office's decision {% if request.decide_by %}by "
              "{{ request.decide_by|longdate }}{% else %}as soon as possible{% endif %}.")
    para(doc, "{%p endif %}")
    heading(doc, "Relief requested")
    para(doc, "{%p for relief in request.relief_labels %}")
    para(doc, "{{ relief|sentence }}", style="List Bullet")
    para(doc, "{%p endfor %}")
    heading(doc, "Statement of facts")
    para(doc, "{%p for paragraph in request.facts|paragraphs %}")
    para(doc, "{{ paragraph }}")
    para(doc, "{%p endfor %}")
    # The office holds the I-213: a letter silent on a known encounter reads as concealment.
    para(doc, "{%p if immigration_history %}")
    heading(doc, "Prior immigration history")
    para(doc, "{%p for item in immigration_history %}")
    runs(doc, ("{{ item.date|longdate }}.", True), (" {{ item.description|sentence }} Source: {{ item.source|sentence }}",
                                                    False))
    para(doc, "{%p endfor %}")
    para(doc, "{%p endif %}")
    heading(doc, "Favorable factors")
    para(doc, "{%p for factor in request.favorable_factors %}")
    runs(doc, ("{{ loop.index }}. {{ factor.title|sentence }}", True),
         (" {{ factor.text }}{{ factor.exhibits|cite }}", False))
    para(doc, "{%p endfor %}")
    para(doc, "{%p if request.negative_factors or request.negative_factors_none %}")
    heading(doc, "Negative factors")
    para(doc, "{%p if request.negative_factors_none %}")
    para(doc, "None known.")
    para(doc, "{%p endif %}")
    para(doc, "{%p for factor in request.negative_factors %}")
    runs(doc, ("{{ factor.title|sentence }}", True), (" {{ factor.text }}{{ factor.exhibits|cite }}", False))
    para(doc, "{%p endfor %}")
    para(doc, "{%p endif %}")
    para(doc, "{%p if request.criminal_history or request.criminal_history_none %}")
    heading(doc, "Criminal history")
    para(doc, "{%p if request.criminal_history_none %}")
    para(doc, "{{ respondent.full_name }} has no criminal history.")
    para(doc, "{%p endif %}")
    para(doc, "{%p for item in request.criminal_history %}")
    runs(doc, ("{{ loop.index }}. {{ item.offense|sentence }}", True),
         (" {{ item.date|longdate }}{% if item.jurisdiction %}, {{ item.jurisdiction }}{% endif %}"
          "{% if item.case_number %}, case no. {{ item.case_number }}{% endif %}."
          "{% if item.statute %} Statute: {{ item.statute|sentence }}{% endif %}"
          " Disposition: {{ item.disposition|sentence }}"
          "{% if item.sentence %} Sentence: {{ item.sentence|sentence }}{% endif %}"
          f"{{% if item.disposition_tab %}} Certified disposition: Tab{NBSP}{{{{ item.disposition_tab }}}}.{{% endif %}}"
          " {{ item.explanation }}{{ item.exhibits|cite }}", False))
    para(doc, "{%p endfor %}")
    para(doc, "{%p endif %}")
    heading(doc, "Conclusion")
    para(doc, "{%p for paragraph in request.conclusion|paragraphs %}")
    para(doc, "{{ paragraph }}", keep=True)  # the signature never stands on a page of its own
    para(doc, "{%p endfor %}")
    para(doc, "", keep=True)
    para(doc, "Respectfully submitted,", keep=True)
    para(doc, "{%p if attorney.signature_image %}")
    para(doc, "{{ attorney.signature_image }}", space_after=0, keep=True)
    para(doc, "{%p else %}")
    para(doc, "{{ attorney.signature_text }}", space_after=0, keep=True)
    para(doc, "{%p endif %}")
    para(doc, "{{ attorney.name }}", space_after=0, keep=True)
    para(doc, f"Bar No.{NBSP}{{{{ attorney.bar_number }}}}, {{{{ attorney.bar_state }}}}"
              "{% if attorney.eoir_id %} | EOIR ID {{ attorney.eoir_id }}{% endif %}", space_after=0, keep=True)
    para(doc, "{%p if attorney.firm %}")
    para(doc, "{{ attorney.firm }}", space_after=0, keep=True)
    para(doc, "{%p endif %}")
    para(doc, "{{ attorney.address|lines }}", space_after=0, keep=True)
    para(doc, "{{ attorney.phone }} | {{ attorney.email }}", space_after=0, keep=True)
    para(doc, "Counsel for Respondent")
    return doc


def declaration() -> Document:
    doc = new_document("Declaration")
    para(doc, "DECLARATION OF {{ declaration.declarant|upper }}", bold=True, align=CENTER, space_after=0)
    para(doc, "In support of the request for prosecutorial discretion of {{ respondent.full_name }}, "
              "{{ respondent.a_number|a_number }}", align=CENTER)
    para(doc, "I, {{ declaration.declarant }}, declare as follows:")
    para(doc, "{%p for paragraph in declaration.paragraphs %}")
    p = para(doc, "{{ loop.index }}.\t{{ paragraph }}")
    # A hanging indent: the number in the margin, every line of the text aligned after it.
    p.paragraph_format.left_indent = Inches(0.5)
    p.paragraph_format.first_line_indent = Inches(-0.5)
    p.paragraph_format.tab_stops.add_tab_stop(Inches(0.5))
    para(doc, "{%p endfor %}")
    para(doc, "{%p if declaration.signed_in_us %}")
    para(doc, "I declare under penalty of perjury that the foregoing is true and correct.", keep=True)
    para(doc, "{%p else %}")
    para(doc, "I declare under penalty of perjury under the laws of the United States of America that the "
              "foregoing is true and correct.", keep=True)
    para(doc, "{%p endif %}")
    para(doc, "Executed on {{ declaration.signed.date|longdate }}, at {{ declaration.signed_place|sentence }}",
         keep=True)
    para(doc, "", keep=True)
    para(doc, "______________________________", space_after=0, keep=True)
    para(doc, "{{ declaration.declarant }}")
    para(doc, "{%p if declaration.interpreter %}")
    heading(doc, "Certificate of interpreter")
    para(doc, "I, {{ declaration.interpreter.name }}, certify that I am competent to interpret between "
              "{{ declaration.language }} and English; that I read the foregoing declaration to "
              "{{ declaration.declarant }} in {{ declaration.language }}, a language the declarant understands; "
              "that the declarant stated that the declaration was understood before signing it; and that I "
              "interpreted accurately and completely.", keep=True)
    para(doc, "", keep=True)
    para(doc, "______________________________", space_after=0, keep=True)
    para(doc, "{{ declaration.interpreter.name }}", space_after=0, keep=True)
    para(doc, "{%p if declaration.interpreter.address %}")
    para(doc, "{{ declaration.interpreter.address|lines }}", space_after=0, keep=True)
    para(doc, "{%p endif %}")
    para(doc, "{%p if declaration.interpreter.phone %}")
    para(doc, "{{ declaration.interpreter.phone }}", space_after=0, keep=True)
    para(doc, "{%p endif %}")
    para(doc, "Date: {{ declaration.signed.date|longdate }}")
    para(doc, "{%p endif %}")
    return doc


def index() -> Document:
    doc = new_document("Index of exhibits")
    detained_mark(doc)
    para(doc, "INDEX OF EXHIBITS", bold=True, align=CENTER, space_after=0)
    para(doc, "Request for Prosecutorial Discretion: {{ respondent.full_name }}, {{ respondent.a_number|a_number }}",
         align=CENTER)
    table = doc.add_table(rows=4, cols=3)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = (Inches(0.6), Inches(4.7), Inches(1.2))
    for col, width in zip(table.columns, widths, strict=True):
        col.width = width
    for row, cells in enumerate([("Tab", "Description", "Pages"),
                                 ("{%tr for entry in index %}", "", ""),
                                 ("{{ entry.tab or '' }}", "{{ entry.title }}{% if entry.date %}, dated "
                                  "{{ entry.date|longdate }}{% endif %}", "{{ entry.pages }}"),
                                 ("{%tr endfor %}", "", "")]):
        for col, text in enumerate(cells):
            cell = table.cell(row, col)
            cell.width = widths[col]
            cell.paragraphs[0].add_run(text).bold = row == 0
    # A translated exhibit says what it holds besides the original.
    table.cell(2, 1).paragraphs[0].add_run("{% if entry.note %}. {{ entry.note }}.{% endif %}").italic = True
    para(doc, "")
    para(doc, "Page numbers are those stamped at the bottom of each page of this filing.")
    return doc


def tab() -> Document:
    doc = new_document("Exhibit tab")
    for _ in range(10):
        para(doc, "")
    para(doc, "TAB {{ tab.letter }}", bold=True, align=CENTER)
    p = para(doc, "{{ tab.title }}", align=CENTER)
    p.runs[0].font.size = Pt(14)
    return doc


def translator_certificate() -> Document:
    doc = new_document("Certificate of translation")
    para(doc, "CERTIFICATE OF TRANSLATION", bold=True, align=CENTER)
    para(doc, "I, {{ translator.name }}, certify that I am competent to translate from {{ language }} into "
              "English, and that the English translation of the document listed below, attached to it, is true "
              "and accurate to the best of my knowledge and ability.")
    para(doc, "{%p for document in documents %}")
    para(doc, "{{ document }}", style="List Bullet")
    para(doc, "{%p endfor %}")
    para(doc, "")
    para(doc, "______________________________", space_after=0)
    para(doc, "{{ translator.name }}", space_after=0)
    para(doc, "{{ translator.address|lines }}", space_after=0)
    para(doc, "{{ translator.phone }}", space_after=0)
    para(doc, "Date: {{ translator.date|longdate }}")
    return doc


def certificate_of_service() -> Document:
    doc = new_document("Certificate of service")
    detained_mark(doc)
    para(doc, "CERTIFICATE OF SERVICE", bold=True, align=CENTER)
    para(doc, "Respondent: {{ respondent.full_name }}, {{ respondent.a_number|a_number }}", align=CENTER)
    served = ("On {{ service.date|longdate }}, I, {{ service.served_by }}, served a complete copy of this request "
              "for prosecutorial discretion{% if service.with_exhibits %}, with all its exhibits,{% endif %} on the "
              "{{ office.name }}, U.S. Immigration and Customs Enforcement, ")
    # Each method with the kind of address it really uses.
    para(doc, "{%p if service.method == 'email' %}")
    para(doc, served + "by e-mail to {{ service.email_to }}.")
    para(doc, "{%p elif service.method == 'eservice' %}")
    para(doc, served + "by electronic service through {{ service.system|sentence }}")
    para(doc, "{%p else %}")
    para(doc, served + "by {{ service.method_label }}{% if service.method == 'mail' %}, addressed to"
                       "{% else %} at{% endif %}:", keep=True)
    para(doc, "{{ office.name }}", space_after=0, keep=True)
    para(doc, "U.S. Immigration and Customs Enforcement", space_after=0, keep=True)
    para(doc, "{{ service.street_address|lines }}")
    para(doc, "{%p endif %}")
    para(doc, "", keep=True)
    para(doc, "{{ service.signature_text }}", space_after=0, keep=True)
    para(doc, "{{ service.served_by }}", space_after=0, keep=True)
    para(doc, "{{ service.served_by_address|lines }}", space_after=0, keep=True)
    para(doc, "Date: {{ service.date|longdate }}")
    return doc


# --- court papers (`pdpacket court`): cover page, joint motion, proposed order -------------------

BOX = "\u2610"  # ☐, drawn in DejaVu Sans: the Times-compatible fonts have no check box
BLANK = "______________________"


def boxes(doc, *items, before="", space_after=None):
    """A paragraph of check boxes: ☐ item ☐ item ..."""
    p = doc.add_paragraph()
    if before:
        p.add_run(before)
    for i, item in enumerate(items):
        box = p.add_run(("" if i == 0 and not before else "   ") + BOX + " ")
        box.font.name = "DejaVu Sans"
        p.add_run(item)
    if space_after is not None:
        p.paragraph_format.space_after = Pt(space_after)
    return p


def borderless(table):
    borders = table._tbl.tblPr.first_child_found_in("w:tblBorders")
    if borders is not None:
        table._tbl.tblPr.remove(borders)


def keep_row_whole(row):
    """A signature block is never cut across two pages."""
    props = row._tr.get_or_add_trPr()
    props.append(props.makeelement(qn("w:cantSplit"), {}))


def cell_lines(cell, lines, bold_first=False, align=None):
    cell.paragraphs[0].text = ""
    for i, text in enumerate(lines):
        p = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
        run = p.add_run(text)
        run.bold = bold_first and i == 0
        p.paragraph_format.space_after = Pt(0)
        if align:
            p.alignment = align


def court_detained_mark(doc):
    para(doc, "{% if respondent.detained %}DETAINED{% endif %}", bold=True, align=WD_ALIGN_PARAGRAPH.RIGHT)


def court_heading(doc):
    for text in ("UNITED STATES DEPARTMENT OF JUSTICE", "EXECUTIVE OFFICE FOR IMMIGRATION REVIEW",
                 "{{ court.body|upper }}"):
        para(doc, text, bold=True, align=CENTER, space_after=0)
    para(doc, "{%p if not court.board %}")
    para(doc, "{{ court.place|upper if court.place else '" + BLANK + " (city, state)' }}", bold=True,
         align=CENTER, space_after=0)
    para(doc, "{%p endif %}")


def caption(doc, judge=True):
    """The caption of every court paper: the court (city and state, by convention no address), then the
    matter beside the file number. `judge`: the judge and the next hearing, where the case gives them
    (a proposed order names none: the case may be reassigned)."""
    court_heading(doc)
    para(doc, "")
    table = doc.add_table(rows=1, cols=2)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = table.rows[0].cells
    cell_lines(left, ["In the Matter of:", "", "{{ respondent.full_name|upper }},", "Respondent.", "",
                      "In Removal Proceedings"])
    cell_lines(right, ["File No.: {{ respondent.a_number|a_number }}", ""] + ([
        "{% if not court.board and proceedings.judge %}Immigration Judge: {{ proceedings.judge }}{% endif %}",
        "{% if not court.board and proceedings.next_hearing %}Next hearing: {{ proceedings.next_hearing_text }}"
        "{% endif %}"] if judge else []))
    para(doc, "")


def signature_blocks(doc):
    """Respondent's counsel beside DHS counsel (left blank for DHS to sign)."""
    table = doc.add_table(rows=1, cols=2)
    borderless(table)
    keep_row_whole(table.rows[0])
    left, right = table.rows[0].cells
    cell_lines(left, ["Respectfully submitted,",
                      "{% if attorney.signature_image %}{{ attorney.signature_image }}{% else %}"
                      "{{ attorney.signature_text }}{% endif %}",
                      "{{ attorney.name }}",
                      "{% if attorney.eoir_id %}EOIR ID {{ attorney.eoir_id }} | {% endif %}"
                      "Bar No. {{ attorney.bar_number }} ({{ attorney.bar_state }})",
                      "{% if attorney.firm %}{{ attorney.firm }}{% endif %}",
                      # Phone and e-mail on lines of their own: in a half-page column the pair wrapped
                      # inside the address, at its hyphen.
                      "{{ attorney.address|lines }}", "{{ attorney.phone }}", "{{ attorney.email }}",
                      "Counsel for Respondent", "Date: " + BLANK])
    cell_lines(right, ["", BLANK + "______", "Assistant Chief Counsel", "Name: " + BLANK,
                       "U.S. Department of Homeland Security", "{{ office.name }}", "Counsel for DHS", "", "",
                       "Date: " + BLANK])


def court_cover() -> Document:
    doc = new_document("Cover page")
    table = doc.add_table(rows=1, cols=2)
    borderless(table)
    left, right = table.rows[0].cells
    cell_lines(left, ["{{ attorney.name }}", "{% if attorney.firm %}{{ attorney.firm }}{% endif %}",
                      "{{ attorney.address|lines }}", "{{ attorney.phone }}", "{{ attorney.email }}",
                      "EOIR ID: {{ attorney.eoir_id or '" + BLANK + "' }}"], bold_first=True)
    cell_lines(right, ["{% if respondent.detained %}DETAINED{% endif %}"], bold_first=True,
               align=WD_ALIGN_PARAGRAPH.RIGHT)
    for _ in range(7):
        para(doc, "")
    court_heading(doc)
    para(doc, "")
    para(doc, "In the Matter of: {{ respondent.full_name|upper }}, Respondent", align=CENTER, space_after=0)
    para(doc, "File No.: {{ respondent.a_number|a_number }}", align=CENTER, space_after=0)
    para(doc, "In Removal Proceedings", align=CENTER)
    para(doc, "{%p if not court.board and proceedings.judge %}")
    para(doc, "Immigration Judge: {{ proceedings.judge }}", align=CENTER, space_after=0)
    para(doc, "{%p endif %}")
    para(doc, "{%p if not court.board and proceedings.next_hearing %}")
    para(doc, "Next hearing: {{ proceedings.next_hearing_text }}", align=CENTER)
    para(doc, "{%p endif %}")
    para(doc, "")
    p = para(doc, "{{ motion.title|upper }}", bold=True, align=CENTER, space_after=0)
    p.runs[0].font.size = Pt(14)
    para(doc, "{%p if motion.order %}")
    para(doc, "AND PROPOSED ORDER", bold=True, align=CENTER)
    para(doc, "{%p endif %}")
    return doc


def joint_motion() -> Document:
    doc = new_document("Joint motion")
    court_detained_mark(doc)
    caption(doc)
    para(doc, "{{ motion.title|upper }}", bold=True, align=CENTER)
    para(doc, "The respondent, {{ respondent.full_name }}, through counsel, and the U.S. Department of Homeland "
              "Security (DHS), through the {{ office.name }}, jointly move the "
              "{% if court.board %}Board of Immigration Appeals{% else %}Immigration Court{% endif %} to "
              "{{ motion.action }}{% if motion.citation %} under {{ motion.citation }}{% endif %}.")
    para(doc, "{%p if motion.ground %}")
    para(doc, "DHS moves on the ground of {{ motion.ground_citation }}: {{ motion.ground }}.")
    para(doc, "{%p endif %}")
    para(doc, "FACTS", bold=True, align=CENTER)
    para(doc, "{%p for paragraph in court.facts %}")
    para(doc, "{{ paragraph }}")
    para(doc, "{%p endfor %}")
    para(doc, "{%p if respondent.detained %}")
    para(doc, "The respondent is detained{% if respondent.detention_facility %} at "
              "{{ respondent.detention_facility }}{% endif %}. The parties ask that this motion be decided "
              "promptly.")
    para(doc, "{%p endif %}")
    para(doc, "DHS has exercised its prosecutorial discretion in this case and joins this motion. The parties "
              "agree that the {% if court.board %}Board{% else %}Court{% endif %} should {{ motion.action }}.")
    para(doc, "{%p if motion.standard %}")
    para(doc, "{{ motion.standard }} No such reason exists here: both parties ask for closure.")
    para(doc, "{%p endif %}")
    para(doc, "{%p if motion.waive_appeal %}")
    para(doc, "Both parties waive appeal of an order granting this motion.")
    para(doc, "{%p endif %}")
    # The prayer goes with the signatures: a signature page without a line of the motion on it
    # could be attached to any motion.
    para(doc, "WHEREFORE, the parties respectfully ask that this motion be granted."
              "{% if motion.order %} A proposed order is attached.{% endif %}", keep=True)
    para(doc, "", keep=True)
    signature_blocks(doc)
    p = para(doc, "CERTIFICATE OF SERVICE", bold=True, align=CENTER)
    p.paragraph_format.page_break_before = True
    para(doc, "In the Matter of {{ respondent.full_name }}, {{ respondent.a_number|a_number }}", align=CENTER)
    para(doc, "I, {{ attorney.name }}, certify that on " + BLANK + " I served a copy of this "
              "{{ motion.title|lower }}{% if motion.order %} and of the proposed order{% endif %} on the U.S. "
              "Department of Homeland Security, {{ office.name }}"
              "{% if office.address %}, {{ office.address|join(', ') }}{% endif %}, by:")
    boxes(doc, "ICE eService", "electronic service through the court's e-filing system (ECAS)", space_after=0)
    boxes(doc, "first-class mail", "hand delivery")
    para(doc, "")
    para(doc, BLANK + BLANK, space_after=0)
    para(doc, "{{ attorney.name }}, Counsel for Respondent", space_after=0)
    para(doc, "Date: " + BLANK)
    return doc


def proposed_order() -> Document:
    doc = new_document("Proposed order")
    court_detained_mark(doc)
    caption(doc, judge=False)
    para(doc, "{% if court.board %}ORDER OF THE BOARD{% else %}ORDER OF THE IMMIGRATION JUDGE{% endif %}",
         bold=True, align=CENTER)
    para(doc, "Upon consideration of the {{ motion.title|lower }} of the respondent and the U.S. Department of "
              "Homeland Security, it is HEREBY ORDERED that the motion be:")
    boxes(doc, "GRANTED", "DENIED")
    para(doc, "because:", space_after=0)
    boxes(doc, "DHS joins the motion.", space_after=0)
    boxes(doc, "the motion is unopposed.", space_after=0)
    boxes(doc, "Other: " + BLANK + BLANK)
    boxes(doc, "It is further ORDERED that {{ motion.ordered }}.")
    para(doc, "{%p if motion.waive_appeal %}")
    boxes(doc, "Both parties waived appeal.")
    para(doc, "{%p endif %}")
    para(doc, "")
    # No judge's name printed: the case may be reassigned before the order is signed.
    para(doc, BLANK + "\t\t" + BLANK, space_after=0)
    para(doc, "Date\t\t\t\t\t{% if court.board %}FOR THE BOARD{% else %}Immigration Judge{% endif %}")
    para(doc, "")
    para(doc, "CERTIFICATE OF SERVICE", bold=True, align=CENTER)
    boxes(doc, "Mail", "Personal service", "Electronic service", before="This document was served by:  ",
          space_after=0)
    boxes(doc, "Respondent", "Respondent c/o custodial officer", "Respondent's counsel", "DHS", before="To: ",
          space_after=0)
    para(doc, "Date: " + BLANK + "    By: court staff " + BLANK)
    return doc


# The signing packet's cover (`pdpacket sign`): one per language, the same facts in each.
COVER_TEXT = {
    "en": {
        "title": "PAGES TO SIGN", "for": "For", "case": "In the case of", "by": "Prepared by",
        "roles": {"declarant": "declarant", "interpreter": "interpreter", "translator": "translator",
                  "client": "client", "attorney": "attorney"},
        "intro": "The {{ pages_total }} pages after this one are the documents listed here. Please sign them as "
                 "this page explains.",
        "item": "{{ d.label }} ({{ d.pages }} page{{ 's' if d.pages != 1 }}): sign on page {{ d.sign_page }} of "
                "it{{ ', ' ~ d.where if d.where }}, as {{ roles[d.role] }}.",
        "how": "How to sign",
        "steps": [
            "Read every page of each document before you sign. A declaration is made under penalty of perjury: "
            "sign it only if everything in it is true and you understand it. If anything is wrong or unclear, do "
            "not sign: call {{ attorney.name }} at {{ attorney.phone }}.",
            "Sign in ink (blue or black) on each line marked \u201cSign here\u201d with your name (on a form, "
            "where the list above says), and write the date you sign next to your signature. If the page already prints a date and it is not the day you "
            "sign, do not sign: call us first.",
            "Do not change, cross out or add to the text, and write nothing else on the pages.",
            "Do not cover, cut or write on the small square code at the top of each page: it tells us which "
            "page it is.",
            "Bring back every page, this one too, or photograph every page (the whole page, flat, in good light, "
            "one photo a page) and send the photos to {{ attorney.email }}.",
        ],
    },
    "es": {
        "title": "P\u00c1GINAS PARA FIRMAR", "for": "Para", "case": "En el caso de", "by": "Preparado por",
        "roles": {"declarant": "declarante", "interpreter": "int\u00e9rprete", "translator": "traductor(a)",
                  "client": "cliente", "attorney": "abogado(a)"},
        "intro": "Las {{ pages_total }} p\u00e1ginas que siguen a esta son los documentos de esta lista. "
                 "F\u00edrmelos como se explica en esta p\u00e1gina. Los documentos est\u00e1n en ingl\u00e9s: "
                 "f\u00edrmelos solo despu\u00e9s de que se los hayan le\u00eddo en espa\u00f1ol y los haya "
                 "entendido.",
        "item": "{{ d.label }} ({{ d.pages }} p\u00e1gina{{ 's' if d.pages != 1 }}): firme en la p\u00e1gina "
                "{{ d.sign_page }}{{ ', ' ~ d.where if d.where }}, como {{ roles[d.role] }}.",
        "how": "C\u00f3mo firmar",
        "steps": [
            "Lea (o escuche leer) cada p\u00e1gina de cada documento antes de firmar. Una declaraci\u00f3n se "
            "hace bajo pena de perjurio: f\u00edrmela solo si todo lo que dice es verdad y usted lo entiende. Si "
            "algo est\u00e1 mal o no est\u00e1 claro, no firme: llame a {{ attorney.name }} al "
            "{{ attorney.phone }}.",
            "Firme con tinta (azul o negra) en cada l\u00ednea marcada \u201cFirme aqu\u00ed\u201d con su "
            "nombre (en un formulario, donde lo indica la lista de arriba), y escriba junto a su firma la fecha en que firma. Si la p\u00e1gina ya tiene una fecha "
            "impresa y no es el d\u00eda en que usted firma, no firme: ll\u00e1menos antes.",
            "No cambie, tache ni agregue nada al texto, y no escriba nada m\u00e1s en las p\u00e1ginas.",
            "No tape, corte ni escriba sobre el peque\u00f1o c\u00f3digo cuadrado de la parte de arriba de cada "
            "p\u00e1gina: nos dice qu\u00e9 p\u00e1gina es.",
            "Devuelva todas las p\u00e1ginas, tambi\u00e9n esta, o tome una foto de cada p\u00e1gina (la "
            "p\u00e1gina entera, plana, con buena luz, una foto por p\u00e1gina) y env\u00ede las fotos a "
            "{{ attorney.email }}.",
        ],
    },
}


def signing_cover(language: str = "en") -> Document:
    t = COVER_TEXT[language]
    doc = new_document(t["title"].title())
    # dict(...), not {...}: docxtpl's {%p tag ends at the first brace
    roles = ", ".join(f'{k}="{v}"' for k, v in t["roles"].items())
    para(doc, "{%p set roles = dict(" + roles + ") %}")
    para(doc, t["title"], bold=True, align=CENTER)
    runs(doc, (f"{t['for']} ", False), ("{{ signer.name }}", True))
    para(doc, f"{t['case']} {{{{ respondent.full_name }}}}, {{{{ respondent.a_number|a_number }}}}", space_after=0)
    para(doc, f"{t['by']} {{{{ attorney.name }}}}{{{{ ', ' ~ attorney.firm if attorney.firm }}}}, "
              "{{ attorney.phone }}, {{ attorney.email }}")
    para(doc, t["intro"])
    para(doc, "{%p for d in to_sign %}")
    para(doc, t["item"], style="List Bullet")
    para(doc, "{%p endfor %}")
    heading(doc, t["how"])
    for step in t["steps"]:
        para(doc, step, style="List Number")
    return doc


TEMPLATES = {
    "letter": letter, "declaration": declaration, "index": index, "tab": tab,
    "translator_certificate": translator_certificate, "certificate_of_service": certificate_of_service,
    "court_cover": court_cover, "joint_motion": joint_motion, "proposed_order": proposed_order,
    "signing_cover": signing_cover, "signing_cover_es": lambda: signing_cover("es"),
}


def main(names: list[str]) -> int:
    """Write every default template, or only the ones named (python tools/make_templates.py letter)."""
    OUT.mkdir(exist_ok=True)
    for name, build in TEMPLATES.items():
        if not names or name in names:
            build().save(OUT / f"{name}.docx")
    print(f"templates written to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
