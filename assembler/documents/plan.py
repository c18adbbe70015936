"""The filing's table of contents, decided before anything is rendered.

Order: request letter; the case's forms (G-28, EOIR-28...), each listed in the
index without a tab page; index of exhibits; each exhibit behind its tab page
(declarations first, then the case's exhibits in the order given, each
translation right after its original and followed by the translator's
certificate); certificate of service last.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from assembler.casefile.forms import FormSpec, resolve_forms
from assembler.documents.context import tab_letter
from assembler.vocab import PartKind, Role


@dataclass(frozen=True)
class Part:
    """One PDF in the filing (a tab page, a declaration, an exhibit file...). Planned with what is known
    before anything is made; each stage of a build returns new parts with what it added."""

    kind: PartKind
    label: str  # for messages and bookmarks
    source: Path | None = None  # the case's own file, for exhibits and translations
    ref: str | None = None  # declaration or exhibit id
    template: Role | None = None  # the role of the template that made it
    pdf: Path | None = None
    offset: int = 0  # where this part's pages start in `pdf` (several parts may share one PDF)
    form: FormSpec | None = None  # for a form: its file and fill mapping
    pages: int = 0
    first: int = 0
    last: int = 0
    untexted: tuple[int, ...] | None = None  # an exhibit PDF's pages (0-based) that draw no text, when read
    language: str | None = None  # what an exhibit or translation is written in (its OCR languages)
    bytes_saved: int = 0  # by downsampling an exhibit's images to the settings' resolution
    images_downsampled: int = 0  # how many (an image exhibit: one; a PDF: those of its images above the setting)


@dataclass(frozen=True)
class Section:
    """One entry of the index and one top-level bookmark."""

    key: str  # "letter", "form:<n>", "index", "service", "declaration:<id>", "exhibit:<id>"
    title: str
    tab: str | None = None
    date: str | None = None
    parts: list[Part] = field(default_factory=list)
    note: str | None = None  # what the index says the section includes besides its title
    first: int = 0
    last: int = 0

    @property
    def bookmark(self) -> str:
        return bookmark_title(self.title, self.tab)

    @property
    def listed(self) -> bool:
        """Whether the index of exhibits lists it: every tab, and the certificate of service."""
        return is_listed(self.key, self.tab)

    @property
    def pages_text(self) -> str:
        return page_range(self.first, self.last)


HEAD_KEYS = ("letter", "index")  # the sections before the first tab, which stay together
FORM_KEY = "form:"  # forms sit between the letter and the index, and stay with them


def is_head(key: str) -> bool:
    """Whether a section belongs to the head of the filing (letter, forms, index): one unit when splitting."""
    return key in HEAD_KEYS or key.startswith(FORM_KEY)


def bookmark_title(title: str, tab: str | None) -> str:
    """The section's bookmark, also its title in a split part's contents."""
    return f"Tab {tab}: {title}" if tab else title


def is_listed(key: str, tab: str | None) -> bool:
    return bool(tab) or key == "service" or key.startswith(FORM_KEY)


TRANSLATED_NOTE = "Includes the English translation and the translator's certificate"


def declaration_title(d: dict) -> str:
    """'Declaration of Sofía García, daughter (U.S. citizen)': the relationship after a comma, since it
    may hold parentheses of its own."""
    return f"Declaration of {d['declarant']}, {d['relationship']}"


def plan(data: dict, case_dir: Path, forms: list[FormSpec] | None = None) -> tuple[list[Section], dict[str, str]]:
    """The filing's sections and the tab letter of each exhibit id; `forms` as resolved against
    the settings (resolve_forms), or the case's own."""
    sections = [Section("letter", "Request for prosecutorial discretion",
                        parts=[Part(PartKind.letter, "request letter")])]
    sections += form_sections(resolve_forms(data, case_dir) if forms is None else forms)
    sections.append(Section("index", "Index of exhibits", parts=[Part(PartKind.index, "index of exhibits")]))
    tabs: dict[str, str] = {}
    n = 0
    for d in data.get("declarations") or []:
        letter = tab_letter(n)
        n += 1
        tabs[d["id"]] = letter
        sections.append(Section(f"declaration:{d['id']}", declaration_title(d), letter, d["signed"]["date"], [
            Part(PartKind.tab, f"tab page {letter}", ref=d["id"]),
            Part(PartKind.declaration, f"declaration {d['id']}", ref=d["id"])]))
    for e in data.get("exhibits") or []:
        letter = tab_letter(n)
        n += 1
        tabs[e["id"]] = letter
        parts = [Part(PartKind.tab, f"tab page {letter}", ref=e["id"]),
                 Part(PartKind.exhibit, f"exhibit {e['id']} ({e['file']})", source=case_dir / e["file"],
                      ref=e["id"], language=e.get("language"))]
        if e.get("translation"):
            t = e["translation"]
            parts += [Part(PartKind.translation, f"translation of exhibit {e['id']} ({t['file']})",
                           source=case_dir / t["file"], ref=e["id"], language="English"),
                      Part(PartKind.translator_certificate, f"certificate of translation of exhibit {e['id']}",
                           ref=e["id"])]
        sections.append(Section(f"exhibit:{e['id']}", e["title"], letter, e.get("date"), parts,
                                TRANSLATED_NOTE if e.get("translation") else None))
    sections.append(Section("service", "Certificate of service",
                            parts=[Part(PartKind.service, "certificate of service")]))
    return sections, tabs


def form_sections(forms: list[FormSpec]) -> list[Section]:
    def label(spec: FormSpec) -> str:  # "Form G-28 (...)", never "form Form G-28 (...)"
        return spec.label if spec.label.startswith("Form ") else f"form {spec.label}"

    return [Section(f"{FORM_KEY}{spec.index}", spec.title, parts=[
        Part(PartKind.form, label(spec), source=spec.file, ref=str(spec.index), form=spec)])
        for spec in forms if spec.file is not None]


PART_BOOKMARKS = {PartKind.exhibit: "Original", PartKind.translation: "English translation",
                  PartKind.translator_certificate: "Certificate of translation"}


def number_pages(sections: list[Section]) -> list[Section]:
    """The sections with every section and part given its first and last page."""
    page = 0
    numbered = []
    for s in sections:
        first = page + 1
        parts = []
        for part in s.parts:
            parts.append(replace(part, first=page + 1, last=page + part.pages))
            page += part.pages
        numbered.append(replace(s, parts=parts, first=first, last=page))
    return numbered


def total_pages(sections: list[Section]) -> int:
    return sum(p.pages for s in sections for p in s.parts)


def page_range(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}\u2013{last}"


def index_entries(sections: list[Section]) -> list[dict]:
    return [{"tab": s.tab, "title": s.title, "date": s.date, "note": s.note, "pages": s.pages_text,
             "first": s.first, "last": s.last} for s in sections if s.listed]


PartKey = tuple[int, int]  # a part's place in the plan: (section, part)


def keyed(sections: list[Section]) -> Iterator[tuple[PartKey, Section, Part]]:
    for si, s in enumerate(sections):
        for pi, part in enumerate(s.parts):
            yield (si, pi), s, part


def part_at(sections: list[Section], key: PartKey) -> Part:
    return sections[key[0]].parts[key[1]]


def with_parts(sections: list[Section], changes: Mapping[PartKey, Part]) -> list[Section]:
    """New sections with the parts of `changes` in place of theirs; `sections` stay as they were."""
    return [replace(s, parts=[changes.get((si, pi), p) for pi, p in enumerate(s.parts)])
            for si, s in enumerate(sections)]
