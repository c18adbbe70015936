"""The confidentiality legend a filing's pages carry, and when.

Information about an asylum application is confidential under 8 C.F.R. 208.6, and a
minor's school and medical records call for the same care: a filing that discusses a
pending asylum application (`proceedings.asylum_pending`) or carries such records (an
exhibit of kind `minor_school` or `minor_medical`) says so at the foot of every page,
beside the page number (pdf/stamp.py). The wording is data (data/confidentiality.yaml);
a firm turns the legend off with `confidentiality: {legend: false}`.
"""
from __future__ import annotations

from assembler import resources

MINOR_KINDS = frozenset({"minor_school", "minor_medical"})


def legend(data: dict, enabled: bool = True) -> str | None:
    """The legend for this case's filing, or None when it needs none (or the firm turned it off)."""
    if not enabled:
        return None
    wording = resources.data("confidentiality")
    said = []
    if (data.get("proceedings") or {}).get("asylum_pending"):
        said.append(wording["asylum"])
    if any((e.get("kind") or "") in MINOR_KINDS for e in data.get("exhibits") or []):
        said.append(wording["minor"])
    return " ".join(said) or None
