"""batch-report.html: the batch report people read, beside batch-report.csv (for spreadsheets and scripts).

One section per case: built (with a link to its filing, relative to the report so the folder can be
moved or shared) or why it failed, and its warnings as a list. Every value is escaped: a case named
"<unknown>" or "Smith & Sons" prints as typed. Nothing in it depends on when or where it was written
(no time stamp, no absolute path), so the same batch gives the same page.
"""
from __future__ import annotations

import os
from html import escape
from pathlib import Path
from urllib.parse import quote

# What each status means to the reader, and the class that colours it.
SHOWN = {"built": ("built", "ok"), "skipped": ("unchanged since its last build (not rebuilt)", "ok"),
         "valid": ("valid", "ok"), "invalid": ("not valid: nothing built", "error"),
         "failed": ("failed: nothing built", "error"), "interrupted": ("not finished (the batch was stopped)", "error")}

STYLE = """body{font:15px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d1d1f}
h1{font-size:1.4rem}section{border:1px solid #ddd;border-radius:6px;padding:.6rem 1rem;margin:.8rem 0}
h2{font-size:1.05rem;margin:.2rem 0}.ok{color:#13653a}.error{color:#a4161a}.warning{color:#8a5300}
ul{margin:.3rem 0;padding-left:1.3rem}li{margin:.15rem 0}.summary span{margin-right:1rem}"""


def link(filing: str, report_folder: Path) -> str | None:
    """The filing's address relative to the report, quoted for an href (None when there is no filing)."""
    if not filing:
        return None
    rel = os.path.relpath(Path(filing).resolve(), Path(report_folder).resolve())
    return quote(Path(rel).as_posix())


def page(summary: dict, cases: list[dict], report_folder: Path) -> str:
    counts = "".join(f"<span>{escape(str(k))}: {v}</span>" for k, v in summary.items() if k != "cases")
    parts = ["<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             "<title>Batch report</title>", f"<style>{STYLE}</style></head><body>",
             f"<h1>Batch report: {summary.get('cases', len(cases))} case(s)</h1>",
             f'<p class="summary">{counts}</p>']
    parts += [_section(c, report_folder) for c in cases]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _section(case: dict, report_folder: Path) -> str:
    status = str(case.get("status", ""))
    said, css = SHOWN.get(status, (status, ""))
    out = [f'<section id="{escape(quote(str(case["case"])))}">',
           f'<h2>{escape(str(case["case"]))}: <span class="{css}">{escape(said)}</span></h2>']
    href = link(case.get("output") or "", report_folder) if status in ("built", "skipped") else None
    if href:
        pages = f", {case['pages']} page(s), {case['size_bytes'] / 1_000_000:.1f} MB" if case.get("pages") else ""
        out.append(f'<p>Filing: <a href="{escape(href)}">{escape(Path(case["output"]).name)}</a>{pages}</p>')
    problems = list(case.get("problems") or [])
    if status in ("failed", "invalid", "interrupted") or (status == "built" and not problems):
        if case.get("message"):
            out.append(f'<p class="{css}">{escape(str(case["message"]))}</p>')
    if problems:
        kind = "Problems" if status in ("failed", "invalid") else "Warnings"
        out.append(f'<p class="warning">{kind} ({len(problems)}):</p><ul>')
        out += [f"<li>{escape(p)}</li>" for p in problems]
        out.append("</ul>")
    for name, label in (("sent", "sent"), ("response", "answer"), ("due", "to do"), ("email", "e-mail draft")):
        if case.get(name):
            out.append(f"<p>{label}: {escape(str(case[name]))}</p>")
    out.append("</section>")
    return "\n".join(out)
