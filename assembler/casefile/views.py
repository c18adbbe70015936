"""Typed, read-only views of the five sections of a case the code reads most: respondent,
proceedings, request, service, attorney.

A view is a frozen dataclass made from the section's dict of a checked case (`Respondent.of(doc)`),
with the schema's types (schemas/case.yaml: the values as normalize.py leaves them, dates as ISO
text). It copies the values it names and changes nothing: the dict stays what the case is (the
template context, the round-trip of the web editor, fields the schema does not know), and
`section` is that same dict for the code that needs it whole.

Why frozen dataclasses, not TypedDicts: the readers want attribute access that mypy checks and a
value nobody can change by accident (a TypedDict is the mutable dict itself, and `setdefault` on it
in one reader changed what the next one saw); the nested parts that are only passed on (entry,
next_hearing, signature, the factors) stay dicts. tests/test_views.py checks each view against the
schema: every field, with the schema's type.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, TypeVar

_View = TypeVar("_View", bound="_Section")


@dataclass(frozen=True, kw_only=True)
class _Section:
    NAME = ""  # the section's key in the case document
    section: Mapping[str, Any] = field(repr=False, compare=False)  # the section's own dict, unchanged

    @classmethod
    def of(cls: type[_View], doc: Mapping[str, Any]) -> _View:
        """The view of this section of the case document `doc` (checked: its required fields are there)."""
        return cls.of_section(doc[cls.NAME])

    @classmethod
    def of_section(cls: type[_View], section: Mapping[str, Any]) -> _View:
        named = {f.name: section[f.name] for f in fields(cls) if f.name != "section" and f.name in section}
        return cls(section=section, **named)


@dataclass(frozen=True, kw_only=True)
class Respondent(_Section):
    NAME = "respondent"
    given_names: str | None = None
    family_names: str
    a_number: str  # canonical: "A" and nine digits
    date_of_birth: str  # ISO date
    country_of_citizenship: str
    language: str = "English"
    detained: bool = False
    detention_facility: str | None = None
    detained_since: str | None = None  # ISO date
    address: list[str] | None = None
    entry: dict[str, Any] | None = None  # date, manner, place

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.given_names, self.family_names) if p)


@dataclass(frozen=True, kw_only=True)
class Proceedings(_Section):
    NAME = "proceedings"
    court: str | None = None
    judge: str | None = None
    next_hearing: dict[str, Any] | None = None  # date (ISO), time, type
    stage: str
    final_order_by: str | None = None
    asylum_pending: bool | None = None


@dataclass(frozen=True, kw_only=True)
class Request(_Section):
    NAME = "request"
    relief: list[str]
    summary: str
    facts: str
    favorable_factors: list[dict[str, Any]]
    # A list of entries, or the text "none" (the case says there are none); None: the case does not say.
    negative_factors: list[dict[str, Any]] | str | None = None
    criminal_history: list[dict[str, Any]] | str | None = None
    bond_amount: float | None = None
    conclusion: str


@dataclass(frozen=True, kw_only=True)
class Service(_Section):
    NAME = "service"
    method: str  # email, mail, hand, eservice
    date: str  # ISO date
    served_by: str
    served_by_address: list[str] | None = None
    email: str | None = None
    address: list[str] | None = None
    system: str | None = None


@dataclass(frozen=True, kw_only=True)
class Attorney(_Section):
    NAME = "attorney"
    name: str
    bar_number: str
    bar_state: str
    eoir_id: str | None = None
    firm: str | None = None
    address: list[str]
    phone: str
    email: str
    signature: dict[str, Any] | None = None  # typed, image

    @property
    def email_domain(self) -> str:
        return self.email.rsplit("@", 1)[1]


VIEWS: tuple[type[_Section], ...] = (Respondent, Proceedings, Request, Service, Attorney)


class HasSections:
    """The typed views of a case document's five sections, for a class that holds the document
    (a Case its checked `data`, the rules' Checker its `doc`). Made on each read, so a view always
    shows the document as it is now."""

    def section_source(self) -> Mapping[str, Any]:
        raise NotImplementedError

    @property
    def respondent(self) -> Respondent:
        return Respondent.of(self.section_source())

    @property
    def proceedings(self) -> Proceedings:
        return Proceedings.of(self.section_source())

    @property
    def request(self) -> Request:
        return Request.of(self.section_source())

    @property
    def service(self) -> Service:
        return Service.of(self.section_source())

    @property
    def attorney(self) -> Attorney:
        return Attorney.of(self.section_source())
