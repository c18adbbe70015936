"""How values are printed so that no line break splits them and no sentence ends twice.

A-numbers get non-breaking hyphens (U+2011), dates and "Tab X" non-breaking
spaces: LibreOffice keeps them on one line and the PDF's text still reads as
"A201-234-567" and "March 14, 1985" (pdftotext gives plain hyphens and spaces).
"""
from __future__ import annotations

import re

from assembler.casefile.normalize import format_a_number, parse_date

NBSP = "\u00a0"
NBHY = "\u2011"


def plain(text: str) -> str:
    """The same text with ordinary hyphens and spaces, for what is not laid out in lines (form
    fields, whose fonts often lack U+2011; e-mail, where an office searches for 'A201-234-567')."""
    return text.replace(NBHY, "-").replace(NBSP, " ")


def a_number(value) -> str:
    return format_a_number(str(value)).replace("-", NBHY) if value else ""


def unbroken(value: str | None) -> str | None:
    """An e-mail address (or a case number) that no line break may split at its hyphens."""
    return value.replace("-", NBHY) if value else value


def longdate(value) -> str:
    if not value:
        return ""
    d = parse_date(str(value))
    return f"{d:%B}{NBSP}{d.day},{NBSP}{d.year}"


def tab(letter: str) -> str:
    return f"Tab{NBSP}{letter}"


def tabs_text(letters: list[str]) -> str:
    """'Tab A', 'Tabs A, C', kept on one line."""
    if len(letters) == 1:
        return tab(letters[0])
    return f"Tabs{NBSP}" + f",{NBSP}".join(letters)


_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_DATE = re.compile(rf"\b({_MONTHS}) (\d{{1,2}}), (\d{{4}})\b")
_A_NUMBER = re.compile(r"\bA ?(\d{3})-(\d{3})-(\d{3})\b")
_TAB = re.compile(r"\b(Tabs?) ([A-Z]{1,3})\b")
# Form numbers (I-601A, EOIR-26, G-28): "Form I-" at a line's end and "601A" on the next reads as two things.
_FORM_NUMBER = re.compile(r"\b(I|EOIR|G|N|DS|AR)-(\d{1,4}[A-Z]?)\b")


def keep_together(text: str) -> str:
    """Dates, A-numbers, form numbers and "Tab X" typed in the case's own text, made unbreakable like
    the ones pdpacket prints itself."""
    text = _DATE.sub(lambda m: f"{m[1]}{NBSP}{m[2]},{NBSP}{m[3]}", text)
    text = _A_NUMBER.sub(lambda m: f"A{m[1]}{NBHY}{m[2]}{NBHY}{m[3]}", text)
    text = _FORM_NUMBER.sub(lambda m: f"{m[1]}{NBHY}{m[2]}", text)
    return _TAB.sub(lambda m: f"{m[1]}{NBSP}{m[2]}", text)


def sentence(value) -> str:
    """The text with one final period: 'U.S.A.' stays 'U.S.A.', 'Lease' becomes 'Lease.'."""
    text = str(value or "").rstrip()
    if not text or text[-1] in ".?!":
        return text
    if text[-1] in "\"'\u201d\u2019)" and len(text) > 1 and text[-2] in ".?!":
        return text
    return text + "."


def money(amount) -> str:
    if amount is None:
        return ""
    value = float(amount)
    return f"${value:,.0f}" if value == int(value) else f"${value:,.2f}"


_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
         "sixteen seventeen eighteen nineteen").split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def number_words(n: int) -> str:
    """0 -> 'zero', 23 -> 'twenty-three', 101 -> 'one hundred one' (ages and years: 0 to 999)."""
    if not 0 <= n < 1000:
        return str(n)
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + (f"-{_ONES[n % 10]}" if n % 10 else "")
    rest = n % 100
    return f"{_ONES[n // 100]} hundred" + (f" {number_words(rest)}" if rest else "")


def in_words(value) -> str:
    """A count in words and figures, as legal writing gives it: 23 -> 'twenty-three (23)'.
    Empty for a missing value: the template decides what to say without it."""
    if value is None or value == "":
        return ""
    n = int(value)
    return f"{number_words(n)}{NBSP}({n})"
