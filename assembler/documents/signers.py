"""Who signs each document of the filing, and on which of its pages.

Who signs is data: `RULES` says, per kind of part, which roles sign it, in ink or
electronically ("/s/"), and how their name is read from what the templates saw.
A form's signers come from its mapping (`signers:` in the case's or the firm's
`forms:` entry, casefile/forms.py). Where each signs is found in the built
document's own pages (its text as LibreOffice printed it), never assumed: a
signature line ("______" then the name), or the typed "/s/ NAME".

The build records the result in manifest.json (`signatures`): every signable
document with a hash of each page's text, and every required signature. The
signing packet (assembler/sign/) and, later, the reading of signed scans work
from that record.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path

from assembler import kept
from assembler.casefile.forms import FORM_NAMES
from assembler.documents.context import full_name
from assembler.documents.plan import Part, Section
from assembler.vocab import PartKind

ENGLISH = "English"
UNSIGNED = "(unsigned draft)"  # printed where a "/s/" goes until the attorney approves (pdf/approval.py)


class SignerRole(StrEnum):
    declarant = "declarant"
    interpreter = "interpreter"
    translator = "translator"
    client = "client"  # the respondent, on a form
    attorney = "attorney"
    server = "server"  # the person who served the request (certificate of service)


class SignKind(StrEnum):
    ink = "ink"  # signed by hand on paper: collected with `pdpacket sign`
    electronic = "electronic"  # a typed "/s/ NAME" (or the attorney's signature image)


class Mark(StrEnum):
    """How the signature shows in the document's text."""

    line = "line"  # a line of underscores with the name under it
    typed = "typed"  # "/s/ NAME"


# What a rule reads: (the templates' context, the part) -> the signer's name, or None (no such signer).
Who = Callable[[dict, Part], "str | None"]


@dataclass(frozen=True)
class Rule:
    role: SignerRole
    kind: SignKind
    mark: Mark
    who: Who
    language: Callable[[dict, Part], str | None] = lambda ctx, part: None  # the signer's own language, when known


def _declaration(ctx: dict, part: Part) -> dict:
    return next(d for d in ctx["declarations"] if d["id"] == part.ref)


def _translator(ctx: dict, part: Part) -> dict:
    exhibit = next(e for e in ctx["exhibits"] if e["id"] == part.ref)
    return exhibit["translation"]["translator"]


def _interpreted_language(ctx: dict, part: Part) -> str | None:
    """A declarant who needed an interpreter reads the instructions in the declaration's language."""
    d = _declaration(ctx, part)
    return d.get("language") if d.get("interpreter") else None


RULES: dict[PartKind, tuple[Rule, ...]] = {
    PartKind.declaration: (
        Rule(SignerRole.declarant, SignKind.ink, Mark.line, lambda c, p: _declaration(c, p)["declarant"],
             _interpreted_language),
        Rule(SignerRole.interpreter, SignKind.ink, Mark.line,
             lambda c, p: (_declaration(c, p).get("interpreter") or {}).get("name")),
    ),
    PartKind.translator_certificate: (
        Rule(SignerRole.translator, SignKind.ink, Mark.line, lambda c, p: _translator(c, p)["name"]),
    ),
    PartKind.letter: (
        Rule(SignerRole.attorney, SignKind.electronic, Mark.typed, lambda c, p: c["attorney"]["name"]),
    ),
    PartKind.service: (
        Rule(SignerRole.server, SignKind.electronic, Mark.typed, lambda c, p: c["service"]["served_by"]),
    ),
}

# A form's roles (its mapping's `signers: [{role: client, page: 1}]`): who that is, in the case.
FORM_SIGNERS: dict[SignerRole, Who] = {
    SignerRole.client: lambda c, p: full_name(c["respondent"]),
    SignerRole.attorney: lambda c, p: c["attorney"]["name"],
}


@dataclass(frozen=True)
class Signature:
    """One signature the filing needs."""

    document: str  # the document's id (document_id)
    role: SignerRole
    signer: str
    kind: SignKind
    filing_page: int
    page: int  # within the document, from 1
    found: str  # how the page was found: "signature line", "typed signature", "name", "form mapping", "not found"
    language: str = ENGLISH  # the language of the signer's instructions
    where: str = ""  # for a form: where on the page, as the form's mapping says

    def record(self) -> dict:
        return {k: str(v) if isinstance(v, StrEnum) else v for k, v in asdict(self).items()}


@dataclass(frozen=True)
class Document:
    """A document someone signs: its pages in the filing and a hash of each page's text."""

    id: str
    title: str  # as in the index of exhibits
    label: str  # short, for lists: "Form G-28", "Declaration of Sofía García", "Certificate of translation, Tab F"
    kind: PartKind
    first_page: int
    last_page: int
    page_text_sha256: tuple[str, ...]

    def record(self) -> dict:
        return {"id": self.id, "title": self.title, "label": self.label, "kind": str(self.kind), "first_page": self.first_page,
                "last_page": self.last_page, "page_text_sha256": list(self.page_text_sha256)}


def document_id(part: Part) -> str:
    """Stable across builds (not a page number): 'declaration:decl_respondent', 'form:0', 'letter'."""
    return f"{part.kind}:{part.ref}" if part.ref else str(part.kind)


def normalized(text: str) -> str:
    """A page's text for comparing and hashing: NFC, every run of white space one space."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def text_hash(text: str) -> str:
    return hashlib.sha256(normalized(text).encode("utf-8")).hexdigest()


def locate(rule_mark: Mark, name: str, pages: list[str]) -> tuple[int, str]:
    """(index of the page, how it was found) of `name`'s signature among a document's page texts.

    The signature line (underscores, then the name) or the typed "/s/ NAME" (in a draft, its place:
    "(unsigned draft)" above the name); failing that, the
    last page that prints the name; failing that, the last page, said as "not found"."""
    texts = [normalized(t) for t in pages]
    who = re.escape(normalized(name))
    pattern, how = ((rf"_{{5,}} ?{who}", "signature line") if rule_mark == Mark.line
                    else (rf"(/s/|{re.escape(UNSIGNED)}) ?{who}", "typed signature"))
    for i, text in enumerate(texts):
        if re.search(pattern, text):
            return i, how
    for i in reversed(range(len(texts))):
        if normalized(name) in texts[i]:
            return i, "name"
    return len(texts) - 1, "not found"


@dataclass
class Found:
    documents: list[Document]
    signatures: list[Signature]
    notices: list[str]

    def record(self) -> dict:
        return {"documents": [d.record() for d in self.documents],
                "required": [s.record() for s in self.signatures]}


def find_signatures(sections: list[Section], ctx: dict, page_texts: Callable[[Part], list[str]]) -> Found:
    """Every signable document of a numbered filing and each of its signatures.

    `page_texts(part)`: the text of each of the part's pages as built (before page stamps)."""
    found = Found([], [], [])
    for section in sections:
        for part in section.parts:
            rules = _rules(part, ctx)
            if not rules or part.pages == 0:
                continue
            texts = page_texts(part)
            doc = Document(document_id(part), _title(section, part), _label(section, part, ctx), part.kind, part.first, part.last,
                           tuple(text_hash(t) for t in texts))
            found.documents.append(doc)
            for rule, name, fixed in rules:
                if fixed is not None:
                    index, how = fixed.get("page", 1) - 1, "form mapping"
                    if index >= len(texts):
                        found.notices.append(f"{section.title}: the form's mapping says the {rule.role} signs on "
                                             f"page {index + 1}, but the form has {len(texts)} page(s): fix "
                                             "`signers:` in the form's mapping")
                        index, how = len(texts) - 1, "not found"
                else:
                    index, how = locate(rule.mark, name, texts)
                if how == "not found":
                    found.notices.append(f"{section.title}: no signature line of {name} ({rule.role}) in its text: "
                                         f"the signing packet marks its last page; check the template")
                language = rule.language(ctx, part) or ENGLISH
                found.signatures.append(Signature(doc.id, rule.role, name, rule.kind, part.first + index, index + 1,
                                                  how, language, (fixed or {}).get("where") or ""))
    return found


def _rules(part: Part, ctx: dict) -> list[tuple[Rule, str, dict | None]]:
    """(rule, signer's name, the form mapping's entry or None) for each signer of the part."""
    if part.kind == PartKind.form:
        entries = part.form.signers if part.form is not None else ()
        return [(Rule(SignerRole(e["role"]), SignKind.ink, Mark.line, FORM_SIGNERS[SignerRole(e["role"])]),
                 FORM_SIGNERS[SignerRole(e["role"])](ctx, part) or "", e) for e in entries]
    out: list[tuple[Rule, str, dict | None]] = []
    for rule in RULES.get(part.kind, ()):
        name = rule.who(ctx, part)
        if name:
            out.append((rule, name, None))
    return out


def _label(section: Section, part: Part, ctx: dict) -> str:
    if part.kind == PartKind.declaration:
        return f"Declaration of {_declaration(ctx, part)['declarant']}"
    if part.kind == PartKind.translator_certificate:
        return f"Certificate of translation, Tab {section.tab}"
    if part.kind == PartKind.form and part.form is not None:
        return FORM_NAMES.get(part.form.kind, part.form.title)
    return section.title


def _title(section: Section, part: Part) -> str:
    if part.kind == PartKind.translator_certificate:
        return f"Certificate of translation ({section.title})"
    return section.title


def pdf_page_texts() -> Callable[[Part], list[str]]:
    """page_texts for find_signatures: each part's pages read from its PDF (one reader per file).

    pypdf's text extraction takes about 0.2 s for sample 1's signable documents: the texts are kept between
    builds (kept.py) by the PDF's bytes and the part's pages, so a rebuild reads only what changed."""
    from pypdf import PdfReader

    readers: dict = {}
    digests: dict = {}

    def extracted(part: Part) -> list[str]:
        assert part.pdf is not None
        if part.pdf not in readers:
            readers[part.pdf] = PdfReader(part.pdf)
        pages = readers[part.pdf].pages
        return [pages[part.offset + i].extract_text() or "" for i in range(part.pages)]

    def texts(part: Part) -> list[str]:
        assert part.pdf is not None  # every part has its PDF once converted
        if not kept.active():
            return extracted(part)
        if part.pdf not in digests:
            digests[part.pdf] = hashlib.sha256(Path(part.pdf).read_bytes()).hexdigest()
        return kept.remember_json("page texts", [digests[part.pdf], f"{part.offset} {part.pages}",
                                                 kept.library("pypdf")], lambda: extracted(part))
    return texts


SIGNING_NOTE = ("`pdpacket sign CASE` prints the pages to sign; `pdpacket signed CASE SCAN...` reads the signed "
                "pages back (a page counts as signed while its text is the build's)")


@dataclass(frozen=True)
class Summary:
    """What a build's signatures stand at (from its manifest): who still has to sign what."""

    total: int
    signed: int  # ink signatures whose signed page is in CASE/signed/ with the build's text
    awaiting: tuple[tuple[str, tuple[str, ...]], ...]  # (signer, titles of the documents), in filing order
    electronic: tuple[str, ...]  # the names typed as "/s/"

    @property
    def count(self) -> int:
        return sum(len(docs) for _, docs in self.awaiting)

    def line(self) -> str:
        """'awaiting signatures: 7 of 9: María José García López (Form G-28, Declaration ...), ...'"""
        if not self.total:
            return "awaiting signatures: none required"
        names = "; ".join(f"{name} ({', '.join(docs)})" for name, docs in self.awaiting)
        text = f"awaiting signatures: {self.count} of {self.total}" + (f": {names}" if names else "")
        if self.signed:
            text += f"; {self.signed} signed in ink (kept in the case folder's signed/ folder)"
        if self.electronic:
            text += (f"; {len(self.electronic)} electronic (/s/ {', '.join(dict.fromkeys(self.electronic))}) "
                     "typed by the build")
        return text


def summary(record: dict | None, signed: set[tuple[str, str, str]] | frozenset = frozenset()) -> Summary | None:
    """The summary of a manifest's `signatures` record; None for a build made before they were listed.
    `signed`: (document, role, signer) of the ink signatures whose signed page is current (documents/signed.py)."""
    if not record:
        return None
    titles = {d["id"]: d.get("label") or d["title"] for d in record.get("documents", [])}
    awaiting: dict[str, list[str]] = {}
    electronic = []
    done = 0
    for s in record.get("required", []):
        if s["kind"] == SignKind.electronic:
            electronic.append(s["signer"])
        elif (s["document"], s.get("role"), s["signer"]) in signed:
            done += 1
        else:
            awaiting.setdefault(s["signer"], []).append(titles.get(s["document"], s["document"]))
    return Summary(len(record.get("required", [])), done, tuple((n, tuple(d)) for n, d in awaiting.items()),
                   tuple(electronic))
