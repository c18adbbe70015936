"""Turn typed-in values into one canonical form, or explain why they can't be.

Each function takes what the case file holds (text, or a JSON number) and
returns the canonical value, or raises ValueError with a message that says how
to write the value instead. They back the `coerce:` rules of the schemas.
"""
from __future__ import annotations

import re
from datetime import date, datetime

MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august",
     "september", "october", "november", "december"], start=1)}
MONTHS.update({name[:3]: num for name, num in list(MONTHS.items())})
MONTHS["sept"] = 9

YES = {"true", "yes", "y", "on"}
NO = {"false", "no", "n", "off"}


def _scalar_text(value) -> str:
    if isinstance(value, bool):
        raise ValueError(f"expected text, found {str(value).lower()}: put the value in quotes")
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("contains an invalid character (half of a UTF-16 surrogate pair, from a broken "
                             "\\u escape in JSON): retype the value") from None
        return value
    raise ValueError(f"expected a single value, found a {_kind(value)}")


def _kind(value) -> str:
    if isinstance(value, dict):
        return "mapping (fields indented below)"
    if isinstance(value, list):
        return "list (lines starting with -)"
    return type(value).__name__


def text(value):
    if value is None:
        return None
    return _scalar_text(value).strip()


def paragraphs(value) -> list[str]:
    """The paragraph rule, the same for every way text arrives (any YAML style, JSON, a spreadsheet
    cell, the web form): a blank line (empty, or only spaces) ends a paragraph; the lines of one
    paragraph are joined by a space, as YAML joins them in every style but `|`, and as a writer
    who wraps long lines by hand means them."""
    if not value:
        return []
    found: list[list[str]] = [[]]
    for line in str(value).splitlines():
        if line.strip():
            found[-1].append(line.strip())
        elif found[-1]:
            found.append([])
    return [" ".join(p) for p in found if p]


def upper(value):
    value = text(value)
    return value.upper() if value else value


def keyword(value):
    """'Administrative closure' -> 'administrative_closure'."""
    value = text(value)
    if value is None:
        return None
    return re.sub(r"[\s\-]+", "_", value.lower())


def form_kind(value):
    """'G-28' / 'g28' / 'EOIR 28' -> 'g28' / 'eoir28'."""
    value = keyword(value)
    return None if value is None else value.replace("_", "")


def yesno(value):
    if value is None or isinstance(value, bool):
        return value
    word = _scalar_text(value).strip().lower()
    if word in YES:
        return True
    if word in NO:
        return False
    raise ValueError(f"'{value}' is not a yes/no value: write true or false")


def pdfa(value):
    """filing.pdfa: 2b, PDF/A-2b, yes -> '2b'; off, no, false (YAML reads `off` as false) -> 'off'."""
    if isinstance(value, bool):
        return "2b" if value else "off"
    word = keyword(value)
    if word is None or word in NO or word in ("off", "none"):
        return "off"
    word = word.removeprefix("pdf/a").removeprefix("pdfa").strip("_/")
    return word.replace("_", "") if word.replace("_", "") in ("2b",) else word


def integer(value):
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    word = _scalar_text(value).strip()
    if re.fullmatch(r"[+-]?\d+", word):
        return int(word)
    raise ValueError(f"'{value}' is not a whole number")


def number(value):
    if value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return value
    word = _scalar_text(value).strip()
    try:
        return float(word)
    except ValueError:
        raise ValueError(f"'{value}' is not a number") from None


def lines(value):
    """An address: a list of lines, or one text with line breaks."""
    if value is None or isinstance(value, list):
        return value
    return [line.strip() for line in _scalar_text(value).splitlines() if line.strip()]


def listify(value):
    if value is None or isinstance(value, list):
        return value
    if isinstance(value, dict):
        return value  # the type rule reports it
    return [value]


NONE_WORDS = {"none", "none known", "none known.", "none.", "no"}


def none_or_list(value):
    """`criminal_history: none` says there is none; a list lists them; anything else is a mistake.
    (Absent means the case does not address it, which validation warns about.)"""
    if value is None or isinstance(value, (list, dict)):
        return value
    word = _scalar_text(value).strip().lower()
    if word in NONE_WORDS:
        return "none"
    raise ValueError(f"'{value}' is neither a list (lines starting with -) nor none: write none when there "
                     "is nothing to list")


def a_number(value):
    """A-numbers: 'A' plus 8 or 9 digits; 8 digits are the 9 with a leading 0."""
    if value is None:
        return None
    raw = _scalar_text(value).strip()
    digits = re.sub(r"^[Aa]\s*[#:.-]?\s*", "", raw)
    digits = re.sub(r"[\s.\-]", "", digits)
    if not re.fullmatch(r"\d{8,9}", digits):
        raise ValueError(f"'{raw}' is not an A-number: write A followed by 8 or 9 digits, "
                         f"in quotes, e.g. \"A201-234-567\"")
    canonical = digits.zfill(9)
    if set(canonical) == {"0"}:
        raise ValueError(f"'{raw}' is not an A-number: it is all zeros")
    return "A" + canonical


def format_a_number(value: str) -> str:
    """A201234567 -> A201-234-567, the way filings usually write it."""
    d = value[1:] if value.startswith("A") else value
    return f"A{d[0:3]}-{d[3:6]}-{d[6:9]}"


def date_(value):
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raw = _scalar_text(value).strip()
    return parse_date(raw).isoformat()


def parse_date(raw: str) -> date:
    m = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", raw)
    if m:
        return _make_date(raw, int(m[1]), int(m[2]), int(m[3]))
    m = re.fullmatch(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{2,4})", raw)
    if m:
        a, b, year = int(m[1]), int(m[2]), m[3]
        if len(year) != 4:
            raise ValueError(f"'{raw}' has a two-digit year: write the date as YYYY-MM-DD")
        options = []
        for month, day in ((a, b), (b, a)):
            try:
                options.append(date(int(year), month, day).isoformat())
            except ValueError:
                pass
        options = sorted(set(options))
        if len(options) == 2:
            raise ValueError(f"'{raw}' is ambiguous (month first or day first?): write it as YYYY-MM-DD, "
                             f"{options[0]} or {options[1]}")
        if options:
            raise ValueError(f"'{raw}' is not in YYYY-MM-DD form: write {options[0]} if that is the date")
        raise ValueError(f"'{raw}' is not a date: write it as YYYY-MM-DD")
    m = re.fullmatch(r"([A-Za-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})", raw) or None
    if m and m[1].lower() in MONTHS:
        return _make_date(raw, int(m[3]), MONTHS[m[1].lower()], int(m[2]))
    m = re.fullmatch(r"(\d{1,2})\s+([A-Za-z]+)\.?,?\s+(\d{4})", raw)
    if m and m[2].lower() in MONTHS:
        return _make_date(raw, int(m[3]), MONTHS[m[2].lower()], int(m[1]))
    raise ValueError(f"'{raw}' is not a date: write it as YYYY-MM-DD")


def _make_date(raw: str, year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"'{raw}' is not a real calendar date: check the day and month") from None


def time_(value):
    if value is None:
        return None
    raw = _scalar_text(value).strip()
    m = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?\s*([AaPp])\.?\s*[Mm]\.?", raw)
    if m:
        hour, minute = int(m[1]), int(m[2] or 0)
        if not 1 <= hour <= 12 or minute > 59:
            raise ValueError(f"'{raw}' is not a time of day")
        hour = hour % 12 + (12 if m[3].lower() == "p" else 0)
        return f"{hour:02d}:{minute:02d}"
    m = re.fullmatch(r"(\d{1,2})[:.h](\d{2})", raw)
    if m and int(m[1]) < 24 and int(m[2]) < 60:
        return f"{int(m[1]):02d}:{m[2]}"
    raise ValueError(f"'{raw}' is not a time: write it as \"09:00\" or \"1:30 PM\"")


COERCERS = {
    "text": text, "upper": upper, "keyword": keyword, "yesno": yesno, "integer": integer,
    "number": number, "lines": lines, "listify": listify, "a_number": a_number,
    "none_or_list": none_or_list,
    "date": date_, "time": time_, "form_kind": form_kind, "pdfa": pdfa,
}
