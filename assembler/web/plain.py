"""Messages in the web app's own words: no YAML, no command lines, no raw keys (issue 26).

The checks word their messages for the case file and the command line ("add it, e.g. title: '...'",
"write negative_factors: none", "a key from `pdpacket offices`"). The form has fields, a "none known"
switch and an office list instead, so every message the web app shows passes through `plain` first;
the checks keep one wording each and the command line keeps its own.
"""
from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import quote

from markupsafe import Markup, escape

from assembler import api
from assembler.errors import PdpacketError

# Whole messages for a value still to fill in: a checklist entry, not an error (see `to_fill`).
_MISSING = re.compile(r"^(?:must not be empty|is required but missing|is required at this stage|needs at least 1 entry)\b")
_EXAMPLE = re.compile(r"^is required but missing: add it, e\.g\. [\w.\[\]]+: ('(?:[^']|'')*'|\"[^\"]*\"|\S+).*$")
_SHAPES = (" (lines starting with -)", " (fields indented below it)")
_NONE_KNOWN = re.compile(r"\bwrite ([\w.\[\]]+): (?:none|\[\])")
# The words of a list's "none known" switch where the form says more than "None known" (schema meta none_known).
_SWITCH = {"immigration_history": "No encounters with immigration known"}
_KEY_EXAMPLE = re.compile(r"\be\.g\. [a-z_]+: ")
_SET_OFFICE = re.compile(r"\bset office: ([a-z0-9_]+)")
_SERVICE_EMAIL = re.compile(r"write it as service\.email, or set offices\.[a-z0-9_]+\.email in the firm's settings file")
_QUOTED_KEY = re.compile(r"'([a-z0-9]+(?:_[a-z0-9]+)+)'")
_SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
# A field path of the case or the settings named in a message (not "e.g." nor "ice.gov").
_DOTTED = re.compile(r"\b(?:respondent|proceedings|request|attorney|service|consent|court|declarations|exhibits|forms"
                     r"|immigration_history|offices|law|smtp|filing|signing|cache)(?:\[\d+\])?(?:\.[a-z0-9_]+(?:\[\d+\])?)+")
_QUOTED = re.compile(r"('(?:[^']|'')*'|\"[^\"]*\")")
# The build's warnings on the firm's data (casefile/law.py, casefile/offices.py) name its settings file's keys
# and commands: in the browser, what to do and where (walking the web app found them on the Build page).
_LAW = re.compile(r"^the law entry '(?P<key>[^']+)' \((?P<text>.*)\) (?P<why>has never been checked against its source(?: \([^)]*\))?|was last "
                  r"checked [^:]+): the attorney verifies it against its source \((?P<source>.*)\), then records the day in the "
                  r"settings \(law: entries: [^)]*\); *(?:`pdpacket law`)? *lists every entry$")  # linked() drops the command first
# casefile/forms.py's advice on a missing G-28 (pdpacket ships no G-28 nor a fill mapping: the firm supplies both).
_G28_ADVICE = "add `- kind: g28` with its file (the firm's settings can hold the file and its fill mapping once)"
# convert/ocr.py's notes on languages the text recognition cannot read here: the package and the root command are
# for whoever installs pdpacket, not for the paralegal reading the Build page (the last web walk-through).
_OCR_DATA = re.compile(r"^(?P<label>.+) is in (?P<lang>.+?), but Tesseract's data for \S+ is not installed, so OCR "
                       r"read it without: install it with .+ and build again$")
_OCR_UNKNOWN = re.compile(r"^(?P<label>.+): pdpacket knows no Tesseract language for '(?P<lang>.+)', so OCR read it "
                          r"as English only: .+$")
_OCR_OFF = "OCR was off for this build (--no-ocr, ocr: {enabled: false} in the settings, or PDPACKET_OCR=off)"  # pdf/preflight
_OFFICE_CHECKED = re.compile(r"then set the day you checked it (?:with `pdpacket init`)? *or in the firm's settings file "
                             r"\(pdpacket\.yaml\) under offices\.[a-z0-9_]+\.verified_on")  # linked() drops the command first

# The values allowed, closing a missing field's message ("... e.g. kind: 'g28' (g28, eoir28, eoir27 or other)"): the
# form offers them in a list with their own words, so the example names a key the page never shows.
_CHOICES = re.compile(r"e\.g\. [\w.\[\]]+: '?([\w-]+)'? \((?:[\w-]+, )*[\w-]+ or [\w-]+\)$")
# Where the case page's Forms section is named: linked() makes it a link to that section.
FORMS_SECTION = "the Forms section"

# The court papers (court_page.py): what is due after a grant, and where counsel's EOIR-28 goes for them.
_COURT_COMMAND = re.compile(r" \(`pdpacket court\b[^`]*`\)")
_EOIR28_ADVICE = re.compile(r'in [^ ]+, under "court:", add a list "forms:" with one entry "- kind: \w+" and "file: '
                            r'[^"]*" \(the form\'s PDF, put in the case folder\), then run this command again')
COURT_FORMS_SECTION = "the Forms of the Court section"
PREPARE = "prepare the court papers"
_PREPARED = re.compile(r"the court papers were prepared on [\d-]+")

# The web app has a Settings page, not a file to open: "the settings file" of the checks' words, in its words.
_SETTINGS_FILE = re.compile(r"\b(?:the firm's |the |a |its )?settings file\b")


def to_fill(message: str) -> bool:
    """Whether the message only says a value is still to be filled in (a new case has many)."""
    return bool(_MISSING.match(message))


@lru_cache(maxsize=1)
def _office_names() -> dict[str, str]:
    try:
        return {o.key: o.office["name"] for o in api.list_offices()}
    except PdpacketError:
        return {}


def _office(key: str) -> str:
    return _office_names().get(key) or key.replace("_", " ")


_WORDS = {"soffice": "LibreOffice", "smtp": "Outgoing mail (SMTP)", "a_number": "A-number", "email": "E-mail",
          "eoir_id": "EOIR ID", "nta": "NTA"}


def filename(path: str) -> str:
    """A file of the case by the name the user sees in it ("lease.pdf"), not its path in the case folder
    ("exhibits/lease.pdf"): the re-walk met folder paths on the case, files and upload pages."""
    return str(path).replace("\\", "/").rsplit("/", 1)[-1]


def where(path: str) -> str:
    """A field path in words: `exhibits[1].title` -> `Exhibits 2 › Title`."""
    parts = []
    for piece in path.split("."):
        m = re.fullmatch(r"([^\[]+)((?:\[\d+\])*)", piece)
        if not m:
            parts.append(piece)
            continue
        words = _WORDS.get(m[1]) or m[1].replace("_", " ")
        words = words[:1].upper() + words[1:]
        parts.append(words + "".join(f" {int(n) + 1}" for n in re.findall(r"\[(\d+)\]", m[2])))
    return " › ".join(parts)


def _drop_hint(message: str) -> str:
    """A closing parenthesis of YAML or command-line advice goes (the form shows its own hint)."""
    if not message.endswith(")"):
        return message
    depth = 0
    for i in range(len(message) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(message[i], 0)
        if depth == 0:
            inside = message[i:]
            if "`" in inside or _SNAKE.search(inside) or "write " in inside or _DOTTED.search(inside):
                return message[:i].rstrip()
            return message
    return message


def _outside_quotes(message: str, change) -> str:
    """`change` applied to the text outside quotes: what the user typed ('birth_mateo') stays as typed."""
    return "".join(piece if _QUOTED.fullmatch(piece) else change(piece) for piece in _QUOTED.split(message))


_MOVE_FORM = re.compile(r'move its entry \(the lines from "- kind: \w+"\) from "forms:" to a list "forms:" under '
                        r'"court:"')
_FORM_IN_FILING = re.compile(r'(Form EOIR-2[78](?: and Form EOIR-2[78])?) under "forms:" in [^ ]+')


_NOT_SENT = re.compile(r"not sent through (\S+) \((none|starttls|tls)\)")
_SECURITY_WORDS = {"none": "without encryption (no TLS)", "starttls": "encrypted (STARTTLS)", "tls": "encrypted (TLS)"}


def plain(message: str) -> str:
    ocr = _OCR_DATA.match(message) or _OCR_UNKNOWN.match(message)
    if ocr:
        return (f"{ocr['label']} is in {ocr['lang']}, which this computer cannot yet read in scans, so its searchable "
                f"text was made without it: ask whoever installed pdpacket to add {ocr['lang']} text recognition, "
                "then build again")
    # pdf/approval.py's EOIR-28 in the request's forms that belongs to the court papers' (issue 26), in the form's words
    message = _MOVE_FORM.sub("move it from the Forms section to the Forms of the Court section, then save", message)
    message = _FORM_IN_FILING.sub(r"\1 among the Forms of the request", message)
    # send/status.py's next step after a grant names `pdpacket court`: the web app has its Court papers page
    # (linked() links the words to it), and documents/court.py's EOIR-28 advice speaks of the case file
    message = _COURT_COMMAND.sub("", message)
    message = _EOIR28_ADVICE.sub(f"add it in {COURT_FORMS_SECTION} with its \u201c+ Add form\u201d button, then "
                                 f"{PREPARE} again", message)
    message = re.sub(r"the court papers were prepared on (\S+) \(in [^)]*\)", r"the court papers were prepared on \1",
                     message)  # the folder: the command line's business
    # send/smtp.py names the server "host:port (none)": its setting's value, in words as the Sent line says it
    message = _NOT_SENT.sub(lambda m: f"not sent through {m[1]}, {_SECURITY_WORDS[m[2]]}", message)
    law = _LAW.match(message)
    if law:
        return (f"the law the filing cites ({law['text']}) {law['why']}: the attorney verifies it against its source "
                f"({law['source']}) and records the day it was checked on the Law page")
    message = _OFFICE_CHECKED.sub("then record the day you checked it on the Settings page", message)
    message = message.replace(_OCR_OFF, "OCR was off for this build (in the firm's settings, or on this computer)")
    if message.startswith("is required but missing"):
        if _CHOICES.search(message):  # a list to choose from: its value's key is no example (the kind 'g28')
            return "to fill: choose one"
        example = _EXAMPLE.match(message)
        return f"to fill, e.g. {example[1]}" if example else "to fill"
    if message.startswith("is required at this stage: "):
        return "to fill: " + _drop_hint(message.removeprefix("is required at this stage: "))
    if message.startswith(("must not be empty", "needs at least 1 entry")):
        return "to fill" if message.startswith("must") else "to fill: add at least one"
    for shape in _SHAPES:
        message = message.replace(shape, "")
    message = _SERVICE_EMAIL.sub("type it in Service › Email, or set the office's e-mail on the Settings page",
                                 message)
    message = _SET_OFFICE.sub(lambda m: f"choose the office {_office(m[1])}", message)
    message = _QUOTED_KEY.sub(lambda m: _office(m[1]) if m[1] in _office_names() else m[0], message)
    message = _NONE_KNOWN.sub(lambda m: f'tick "{_SWITCH.get(m[1], "None known")}"', message)
    # A form goes right after the letter with no tab (the guide's Forms page): added as an exhibit, the G-28 became
    # the filing's last tab (the last walk-through). The Forms section of the case page is where it goes.
    message = message.replace(_G28_ADVICE, f"add the signed G-28 in {FORMS_SECTION} with its \u201c+ Add form\u201d "
                              "button (a form goes right after the letter, with no tab of its own), or ask the firm's "
                              "administrator to set up the firm's G-28 for every case (the guide's Forms page)")
    message = _KEY_EXAMPLE.sub("e.g. ", message)
    message = _drop_hint(message)
    message = _SETTINGS_FILE.sub("the firm's settings", message.replace("`", ""))
    message = _outside_quotes(message, lambda text: _SNAKE.sub(lambda m: m[0].replace("_", " "),
                                                               _DOTTED.sub(lambda m: where(m[0]), text)))
    return message


def hint(text: str) -> str:
    """A schema hint under its field: advice that only makes sense in the file or at the command line
    (a command to run, `- kind: g28`) is left out; the rest in words."""
    text = re.sub(r";? ?write [\w.\[\]]+: (?:none|\[\])[^;]*", "", text)  # the form has its "none known" switch
    if "`" in text:
        text = re.split(r"[;:(]?[^;:(]*`", text, maxsplit=1)[0].rstrip(" ;:,(")
    text = _drop_hint(text)
    text = _SETTINGS_FILE.sub("the firm's settings", text.replace(" in quotes", ""))
    text = _outside_quotes(text, lambda t: _SNAKE.sub(lambda m: m[0].replace("_", " "), t))
    return text[:1].upper() + text[1:]


# --- the commands the library's messages name, as links to the page that does the same -------------------------

_COMMAND = re.compile(r"`pdpacket ([a-z-]+)[^`]*`")
# What the web app has for each command: (the page, its words in a sentence); None: nothing to say in the browser.
_PAGES: dict[str, tuple[str, str, str] | None] = {
    "sign": ("signatures", "on ", "the Signatures page"),
    "signed": ("signatures", "on ", "the Signatures page"),
    "build": ("build", "on ", "the Build page"),
    "approve": ("build#approval", "with the ", "Approve button on the Build page"),
    "edit": ("edits", "on ", "the Hand edits page"),
    "log": ("record", "on ", "the Record page"),
    "email": ("build", "on ", "the Build page"),
    "send": ("build", "on ", "the Build page"),
    "court": None,  # its words, "prepare the court papers", are the link (below)
}
_DRAFT_CLAUSE = re.compile(r";? ?for an internal review only, `[^`]*` writes a marked draft that is never sent")
_TWICE = re.compile(r"\x00(\d+)\x00, then \x00(\d+)\x00")


# A link to a page the reader is on says so: the Build page's messages named "the Approve button on the Build page".
_HERE = {"build#approval": ("with the ", "Approve button on this page", "approval"),
         "build": ("on ", "this page", "build-form"), "email": ("on ", "this page", "send-form"),
         "send": ("on ", "this page", "send-form")}


def linked(message: str, name: str, here: str = "") -> Markup:
    """`message` in the web app's words, each command it names (`pdpacket sign 'CASE'`) turned into a link to the
    page of case `name` that does the same ("on the Signatures page"); escaped, ready for a page. `here`: the page
    shown (its path under the case, "build"), whose own controls are linked within it."""
    law = _LAW.match(message)
    message = _DRAFT_CLAUSE.sub("", message)  # the web app makes no unsigned drafts: nothing to point to
    message = message.replace(" (kept in the case folder's signed/ folder)", "").replace("--as NAME", "").replace("--as: ", "")
    message = re.sub(r"^--as (.+?): not one of", r"\1 is not one of", message).replace("(approval.attorneys: ", "(")
    message = re.sub(r"\bwith (`pdpacket )", r"\1", message)  # "build it first with `...`": "on the Build page"
    targets: list[str] = []

    def hold(m: re.Match) -> str:
        found = _PAGES.get(m[1])
        if found is None:
            return "\x01"
        page, before, words = found
        if here and page.partition("#")[0] == here and (page if "#" in page else m[1]) in _HERE:
            before, words, anchor = _HERE[page if "#" in page else m[1]]
            link = Markup('{}<a href="#{}">{}</a>').format(before, anchor, words)
        else:
            link = Markup('{}<a href="/case/{}/{}">{}</a>').format(before, quote(name), page, words)
        if link not in targets:
            targets.append(link)
        return f"\x00{targets.index(link)}\x00"

    held = _COMMAND.sub(hold, message)
    held = _TWICE.sub(lambda m: f"\x00{m[1]}\x00" if m[1] == m[2] else m[0], held)  # "(sign, then signed)": one page
    held = re.sub(r" ?\(\x01\)|\x01", "", held)
    # the Law page's entry the message is about, not the page's top (the walk-through scrolled for it)
    anchor = "#" + quote(law["key"], safe="") if law else ""
    text = escape(plain(held)).replace("on the Law page", Markup('on the <a href="/law{}">Law page</a>').format(anchor))
    text = text.replace(FORMS_SECTION, Markup('<a href="/case/{}#section-forms">{}</a>').format(quote(name),
                                                                                               FORMS_SECTION))
    text = text.replace(COURT_FORMS_SECTION, Markup('<a href="/case/{}#list-court-forms">{}</a>').format(
        quote(name), COURT_FORMS_SECTION))
    papers = Markup('<a href="/case/{}/court" class="court-link">{{}}</a>').format(quote(name))
    text = Markup(_PREPARED.sub(lambda m: papers.format(m[0]), str(text)).replace(PREPARE, papers.format(PREPARE)))
    return Markup(re.sub(r"\x00(\d+)\x00", lambda m: str(targets[int(m[1])]), str(text)))
