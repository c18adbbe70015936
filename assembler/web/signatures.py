"""The Signatures page: the signing round from the browser (issue 23 with issue 26: `pdpacket sign` and
`pdpacket signed` without a terminal).

It lists who signs what in the current build (api.signing_view: names, documents, pages, each signed, missing
or outdated), hands out the signing packet whole or one signer's part (api.sign_packet, the CLI's file beside
the filing; a signer's part is cut from it by the page ranges the packet reports), and reads the signed scans
uploaded back (api.read_signed, the same call as `pdpacket signed`, "check only" being --dry-run).

Uploaded scans are kept in CASE/scans/, as a user of the command line keeps the files they name: signed/record.json
names each signed page's scan by its path in the case folder, and the scans are never written to again. An upload
is received into a private folder inside the case first; a reading that fails as a whole (the case changed since
its build) leaves nothing behind, and a scan no page was taken from is not kept.
"""
from __future__ import annotations

import dataclasses
import io
import os
import re
import shutil
import tempfile
from pathlib import Path
from urllib.parse import quote

from pypdf import PdfReader, PdfWriter
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from assembler import api
from assembler.errors import PdpacketError
from assembler.web import cases, uploads
from assembler.web.state import State, require_csrf, state_of

SCANS_DIR = "scans"
SCAN_KINDS = (".pdf", ".jpg", ".jpeg", ".png", ".tif", ".tiff")  # what `pdpacket signed` reads (sign/scans.py)
SCAN_LIMIT_MB = 100  # per file: a phone photo is a few MB, a scanned stack at 300 dpi some tens
MAX_SCANS = 50
# The states of `pdpacket signed`'s report in the page's words (sign/read.py State.state).
STATE_WORDS = {"signed": "signed", "missing": "missing", "outdated": "signed on an outdated text"}
ROLE_WORDS = {"declarant": "declarant", "interpreter": "interpreter", "translator": "translator",
              "client": "client", "attorney": "attorney", "preparer": "preparer"}


class ScansRefused(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _options(st: State) -> api.BuildOptions:
    options = st.config.options
    return api.BuildOptions.of(options.settings_file, getattr(options, "templates_dir", None))


def _view(folder: Path, options: api.BuildOptions) -> tuple[api.SigningView | None, str]:
    if cases.last_manifest(folder) is None:
        return None, ""  # nothing built: the page says to build first
    try:
        return api.signing_view(folder, options), ""
    except PdpacketError as exc:  # an invalid case, or nothing built yet
        return None, exc.message


def dating_notes(folder: Path, options: api.CommandOptions) -> list:
    """The signing dates the built filing prints wrongly for the day its pages are signed (a declaration's
    "Executed on", a translator's date, before today), as the Signatures page says them: the case page and the
    Build page say them too (the re-walk met them only on the Signatures page, after the pages were printed)."""
    view, _why = _view(folder, api.BuildOptions.of(options.settings_file, getattr(options, "templates_dir", None)))
    return list(view.notes) if view else []


async def signatures_page(request: Request, problem: str = "", status: int = 200) -> Response:
    st = state_of(request)
    name = request.path_params["name"]
    folder = st.case_dir(name)
    report = st.read_back.pop(name, None) if request.method == "GET" else None  # once, after the redirect
    view, why = await run_in_threadpool(_view, folder, _options(st))
    job = st.builds.get(name)
    return st.page(request, "signatures.html", status=status, name=name, view=view, why=why, report=report,
                   problem=problem, building=bool(job and job.active), states=STATE_WORDS)


async def signatures_json(request: Request) -> Response:
    """The page's JSON twin: who signs what and where each signature stands (null when nothing is built)."""
    st = state_of(request)
    view, why = await run_in_threadpool(_view, st.case_dir(request.path_params["name"]), _options(st))
    return JSONResponse({"signing": dataclasses.asdict(view) if view else None, "problem": why})


# --- the signing packet ------------------------------------------------------------------------------------

def _packet(st: State, folder: Path) -> api.Packet:
    """The whole packet, made now from the current build with a LibreOffice of the web app's pool (the covers)."""
    settings = api.case_settings(folder, st.config.options)
    lo = st.builds.offices.take(settings)
    try:
        base = _options(st)
        return api.sign_packet(folder, options=api.BuildOptions(base.settings_file, base.templates_dir, lo=lo))
    finally:
        if lo is not None:
            st.builds.offices.give_back(settings, lo)


def part_of(packet: api.Packet, copy: int) -> tuple[str, bytes]:
    """One signer's pages of the packet (their cover, then what they sign) as a PDF of its own, and its name."""
    section = next((s for s in packet.sections if s.copy == copy), None)
    if section is None or not section.first_page:
        raise HTTPException(404, "no such signer in the signing packet: reload the Signatures page")
    writer = PdfWriter()  # no /ID, no date: the same packet gives the same bytes
    reader = PdfReader(packet.file)
    for n in range(section.first_page - 1, section.last_page):
        writer.add_page(reader.pages[n])
    buffer = io.BytesIO()
    writer.write(buffer)
    who = re.sub(r"[^A-Za-z0-9]+", "-", uploads.clean_name(section.name)).strip("-") or f"signer-{copy}"
    return f"{packet.file.stem}_{copy}-{who}.pdf", buffer.getvalue()


async def packet_download(request: Request) -> Response:
    st = state_of(request)
    name = request.path_params["name"]
    folder = st.case_dir(name)
    job = st.builds.get(name)
    if job and job.active:
        return await signatures_page(request, problem="A build of this case is running: print the pages to sign "
                                                      "once it has finished.", status=409)
    try:
        packet = await run_in_threadpool(_packet, st, folder)
    except PdpacketError as exc:
        return await signatures_page(request, problem=exc.message, status=409)
    copy = request.query_params.get("signer", "")
    if copy:
        if not copy.isdigit():
            raise HTTPException(404, "no such signer in the signing packet: reload the Signatures page")
        filename, data = await run_in_threadpool(part_of, packet, int(copy))
    else:
        filename, data = packet.file.name, await run_in_threadpool(packet.file.read_bytes)
    return Response(data, media_type="application/pdf",
                    headers={"content-disposition": f"attachment; filename=\"{filename}\""})


# --- the signed scans --------------------------------------------------------------------------------------

async def _receive(items: list, private: Path) -> list[tuple[str, Path]]:
    """Each uploaded scan into `private` under a clean name: (the name the user gave, where it is now)."""
    got: list[tuple[str, Path]] = []
    for item in items:
        if isinstance(item, str) or not item.filename:
            continue
        given = Path(item.filename.replace("\\", "/")).name
        clean = uploads.clean_name(given)
        if Path(clean).suffix.lower() not in SCAN_KINDS:
            raise ScansRefused(f"'{given}' is not a scan pdpacket reads: give PDF scans or JPEG, PNG or TIFF photos")
        target = private / clean
        n = 2
        while target.exists():  # two files of the same name in one upload: both are read
            target = private / f"{Path(clean).stem}-{n}{Path(clean).suffix}"
            n += 1
        try:
            size = await uploads.receive(item, target, SCAN_LIMIT_MB)
        except uploads.UploadRefused:
            raise ScansRefused(f"'{given}' is over {SCAN_LIMIT_MB} MB: scan it at a lower resolution (200 dpi is "
                               "enough), or in several files") from None
        if size == 0:
            raise ScansRefused(f"'{given}' is empty (0 bytes): choose the file again")
        got.append((given, target))
    if not got:
        raise ScansRefused("choose the scans or photos of the signed pages first")
    if len(got) > MAX_SCANS:
        raise ScansRefused(f"{len(got)} files at once: give at most {MAX_SCANS} (a scanner can put many pages in "
                           "one PDF)")
    return got


def _keep(folder: Path, got: list[tuple[str, Path]]) -> dict[Path, Path]:
    """Each received scan linked into CASE/scans/ under a name not taken yet (never over another file)."""
    scans = folder / SCANS_DIR
    if scans.is_symlink():
        raise ScansRefused(f"{scans} is a link: make it a plain folder")
    made = not scans.exists()
    scans.mkdir(exist_ok=True)
    kept: dict[Path, Path] = {}
    try:
        for _, path in got:
            n = 1
            while True:
                target = scans / (path.name if n == 1 else f"{path.stem}-{n}{path.suffix}")
                try:
                    os.link(path, target)
                    break
                except FileExistsError:
                    n += 1
            kept[path] = target
    except OSError:
        _unkeep(kept.values())
        if made:
            _drop_empty(scans)
        raise
    return kept


def _unkeep(paths) -> None:
    for p in paths:
        Path(p).unlink(missing_ok=True)


def _drop_empty(folder: Path) -> None:
    try:
        folder.rmdir()  # only when empty: scans/ made for this upload and nothing kept in it
    except OSError:
        pass


def read_scans(folder: Path, options: api.BuildOptions, got: list[tuple[str, Path]], dry_run: bool) -> dict:
    """`pdpacket signed` over the received scans: the report for the page. With `dry_run` nothing is written; else
    the scans a signed page came from stay in CASE/scans/, the others are removed again."""
    made = not (folder / SCANS_DIR).exists()
    kept = {} if dry_run else _keep(folder, got)
    paths = [kept.get(p, p) for _, p in got]
    try:
        reading = api.read_signed(folder, paths, dry_run=dry_run, options=options)
    except BaseException:
        _unkeep(kept.values())
        if made:
            _drop_empty(folder / SCANS_DIR)
        raise
    used = {a.scan.resolve() for a in reading.accepted}
    unused = [p for p in kept.values() if p.resolve() not in used]
    _unkeep(unused)
    if made and kept and not used:
        _drop_empty(folder / SCANS_DIR)
    # Each scan named as the user knows it: its name as kept (a taken name gets a number), else the
    # name of the file they gave; never its folder in the case (the re-walk read "signed (from scans/x.jpg)").
    given = {kept.get(p, p): g for g, p in got}
    shown: dict[str, str] = {}
    for path, name in given.items():
        label = path.name if path in kept.values() and path not in unused else name
        shown[f"{SCANS_DIR}/{path.name}"] = shown[str(path)] = shown[str(path.resolve())] = label
    return {"dry_run": dry_run, "signers": _by_signer(reading, shown),
            "refused": [_named(line, shown, folder) for line in reading.refused],
            "unreadable": [_named(line, shown, folder) for line in reading.unreadable],
            "accepted": len(reading.accepted), "other_pages": reading.other_pages,
            "kept": sorted(p.name for p in kept.values() if p not in unused),
            "not_kept": sorted(given for given, p in got if kept.get(p) in unused)}


def _named(text: str, shown: dict[str, str], folder: Path) -> str:
    """A line of the reading with each scan named as the user knows it: its file's name, never scans/NAME."""
    for path in sorted(shown, key=len, reverse=True):
        text = text.replace(path, shown[path])
    return text.replace(str(folder.resolve()) + os.sep, "").replace(str(folder) + os.sep, "")


def _by_signer(reading, shown: dict[str, str]) -> list[dict]:
    out: list[dict] = []
    for st in reading.states:
        if not out or out[-1]["name"] != st.signer:
            out.append({"name": st.signer, "documents": []})
        out[-1]["documents"].append({"document": st.document, "page": st.page, "state": st.state,
                                     "note": _named(st.note, shown, reading.case_dir) if st.state == "signed" else "",
                                     "warning": _named(st.warning, shown, reading.case_dir)})
    return out


async def upload_scans(request: Request) -> Response:
    st = state_of(request)
    name = request.path_params["name"]
    folder = st.case_dir(name)
    submitted = await request.form(max_files=MAX_SCANS + 1, max_fields=10)
    try:
        await require_csrf(request, submitted)
        job = st.builds.get(name)
        if job and job.active:
            raise ScansRefused("A build of this case is running: read the signed scans once it has finished.")
        private = Path(tempfile.mkdtemp(prefix=".scans-", dir=folder))
        try:
            got = await _receive(submitted.getlist("scans"), private)
            report = await run_in_threadpool(read_scans, folder, _options(st), got, submitted.get("check") == "on")
        finally:
            shutil.rmtree(private, ignore_errors=True)
    except ScansRefused as exc:
        return await signatures_page(request, problem=exc.message, status=400)
    except PdpacketError as exc:
        return await signatures_page(request, problem=exc.message, status=409)
    finally:
        await submitted.close()
    # Post, redirect, get: reloading the report does not read (and keep) the scans a second time.
    st.read_back[name] = report
    return RedirectResponse(f"/case/{quote(name)}/signatures", status_code=303)


def routes() -> list[Route]:
    return [
        Route("/case/{name}/signatures", signatures_page, methods=["GET"]),
        Route("/case/{name}/signatures.json", signatures_json),
        Route("/case/{name}/signatures", upload_scans, methods=["POST"]),
        Route("/case/{name}/signatures/packet.pdf", packet_download, methods=["GET"]),
    ]
