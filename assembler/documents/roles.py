"""Which template renders each part of the filing, under what name, with which variables.

One row per kind of part made from a template. A new role is a new row here,
a new `Role`, and a `<role>.docx` in templates/; the variables it adds are
described in context.py (`_role_variables`), so `templates vars` and the
template check know them too.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from assembler.documents import typography
from assembler.documents.court import motion_variables
from assembler.documents.plan import Part, Section
from assembler.vocab import PartKind, Role

# Extra variables of one part: (section, part, the case's context) -> {name: value}
Extra = Callable[[Section, Part, dict], dict]


@dataclass(frozen=True)
class RoleRender:
    role: Role
    name: Callable[[Section, Part], str]  # the document's file name, without .docx
    title: Callable[[Section, Part], str]  # its title property
    extra: Extra
    keep: bool  # a copy goes to docx/ for the attorney (tab pages are not worth editing)
    signature: bool = False  # the attorney's signature image goes in


def _no_extra(section: Section, part: Part, ctx: dict) -> dict:
    return {}


def _tab(section: Section, part: Part, ctx: dict) -> dict:
    return {"tab": {"letter": section.tab, "title": section.title}}


def _declaration(section: Section, part: Part, ctx: dict) -> dict:
    return {"declaration": next(d for d in ctx["declarations"] if d["id"] == part.ref)}


def _translator_certificate(section: Section, part: Part, ctx: dict) -> dict:
    exhibit = next(e for e in ctx["exhibits"] if e["id"] == part.ref)
    translator = dict(exhibit["translation"]["translator"])
    translator["date"] = translator.get("date") or ctx["service"]["date"]
    return {"translator": translator, "language": exhibit["language"], "exhibit": exhibit,
            "documents": [f"{exhibit['title']}, {typography.tab(section.tab or '')}"]}


RENDERED: dict[PartKind, RoleRender] = {
    PartKind.letter: RoleRender(Role.letter, lambda s, p: "01-request-letter",
                                lambda s, p: "Request for prosecutorial discretion", _no_extra, True, signature=True),
    PartKind.tab: RoleRender(Role.tab, lambda s, p: f"tab-{s.tab}", lambda s, p: f"Tab {s.tab}", _tab, False),
    PartKind.declaration: RoleRender(Role.declaration, lambda s, p: f"tab-{s.tab}-declaration-{p.ref}",
                                     lambda s, p: s.title, _declaration, True),
    PartKind.translator_certificate: RoleRender(Role.translator_certificate,
                                                lambda s, p: f"tab-{s.tab}-certificate-of-translation",
                                                lambda s, p: "Certificate of translation", _translator_certificate,
                                                True),
    PartKind.service: RoleRender(Role.certificate_of_service, lambda s, p: "99-certificate-of-service",
                                 lambda s, p: "Certificate of service", _no_extra, True),
}

# --- the court papers (`pdpacket court`): one of each per relief, see documents/court.py ----------

def _motion(section: Section, part: Part, ctx: dict) -> dict:
    return {"motion": motion_variables(part.ref or "", ctx["court"])}


RENDERED.update({
    PartKind.court_cover: RoleRender(Role.court_cover, lambda s, p: f"{p.ref}-1-cover",
                                     lambda s, p: f"Cover page: {s.title}", _motion, True),
    PartKind.joint_motion: RoleRender(Role.joint_motion, lambda s, p: f"{p.ref}-2-joint-motion",
                                      lambda s, p: s.title, _motion, True, signature=True),
    PartKind.proposed_order: RoleRender(Role.proposed_order, lambda s, p: f"{p.ref}-3-proposed-order",
                                        lambda s, p: s.title, _motion, True),
})

# The index is rendered again once the page numbers are known (see build.settle_indexes).
INDEX_NAME = "02-index-of-exhibits"
INDEX_TITLE = "Index of exhibits"
