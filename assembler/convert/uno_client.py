"""The UNO side of a warm LibreOffice: a helper process that starts one LibreOffice and converts
documents on it, one request at a time, for as long as its parent keeps stdin open.

It runs in whichever Python can import `uno` (Debian's python3-uno is built for the
system python3, not for the project's venv), so it uses the standard library and
`uno` only and is started as a script, never imported by the package:

    python3 uno_client.py SOFFICE PROFILE_URI PIPE_NAME LOG_FILE

warm.py starts it in a new session; LibreOffice, started here, joins that process
group, so one killpg stops both. When stdin closes (the parent finished, crashed or
was killed) it kills the group itself: no LibreOffice outlives its build. A watchdog
thread does the same when the parent is gone while a conversion is stuck (stdin is
not read then), and when a conversion runs past the deadline the parent gave it.

Protocol on stdin/stdout, binary: a JSON line, then `size` raw bytes when the line has one.
    first line out   {"ready": true, "seconds": 0.8}
                     or {"ready": false, "why": "no-uno" | "exited", "code": N, "error": "..."}
    in               {"op": "convert", "size": N, "ext": ".docx", "filter": "writer_pdf_Export",
                      "options": "<JSON filter options or empty>", "seconds": S}   then N bytes of the
                     document; S: the time the conversion may take (the helper kills the group after it)
    out              {"ok": true, "size": M} then M bytes of the PDF
                     or {"ok": false, "error": "...", "dead": bool, "code": N or null}
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any, BinaryIO

WATCH_EVERY = 0.2  # seconds between the watchdog's looks at the parent and the deadline
START_SECONDS = 600  # LibreOffice's start may take this long before the helper gives up on its own
GRACE = 2.0  # after the parent's deadline: the parent kills the group itself first, and says why

# LibreOffice's own import filter for each kind of document the build converts;
# the names its type detection picks for these extensions from a file.
IMPORT_FILTERS = {".docx": "MS Word 2007 XML", ".odt": "writer8"}


def main(argv: list[str]) -> int:
    soffice, profile_uri, pipe_name, log_path = argv[1:5]
    proto_in = os.fdopen(os.dup(0), "rb")
    proto_out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything printed by accident goes to the log, not into the protocol
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, lambda *_: _kill_group())
    watchdog = Watchdog(os.getppid())
    watchdog.arm(START_SECONDS)
    try:
        import uno
        from com.sun.star.connection import NoConnectException
        from com.sun.star.lang import DisposedException
    except ImportError as exc:
        _send(proto_out, {"ready": False, "why": "no-uno", "error": f"{sys.executable}: {exc}"})
        return 3
    started = time.monotonic()
    with open(log_path, "ab") as log:
        office = subprocess.Popen(
            [soffice, f"-env:UserInstallation={profile_uri}", "--headless", "--invisible", "--norestore",
             "--nolockcheck", "--nodefault", "--nologo", "--nofirststartwizard",
             f"--accept=pipe,name={pipe_name};urp;StarOffice.ComponentContext"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    while True:  # no deadline here: the parent kills the group when the build's timeout passes
        try:
            ctx = resolver.resolve(f"uno:pipe,name={pipe_name};urp;StarOffice.ComponentContext")
            break
        except NoConnectException:
            if office.poll() is not None:
                _send(proto_out, {"ready": False, "why": "exited", "code": office.returncode,
                                  "error": f"LibreOffice exited with code {office.returncode} while starting"})
                return 4
            time.sleep(0.02)
    smgr = ctx.ServiceManager
    desktop = smgr.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    connected = time.monotonic()
    try:  # the first document loads Writer, the .docx import and the PDF export: do it before any is due
        _convert(uno, smgr, ctx, desktop, _tiny_docx(), {"ext": ".docx", "filter": "writer_pdf_Export"})
    except Exception:  # noqa: BLE001 - a real document will say what is wrong
        pass
    watchdog.arm(None)
    _send(proto_out, {"ready": True, "seconds": round(time.monotonic() - started, 3),
                      "warm_up_seconds": round(time.monotonic() - connected, 3)})
    while True:
        line = proto_in.readline()
        if not line:
            break  # the parent is gone or done
        request = json.loads(line)
        data = _read_exactly(proto_in, request.get("size", 0))
        if data is None:
            break
        if request.get("op") != "convert":
            _send(proto_out, {"ok": False, "error": f"unknown request {request.get('op')!r}", "dead": False})
            continue
        watchdog.arm(request.get("seconds"))
        try:
            pdf = _convert(uno, smgr, ctx, desktop, data, request)
        except Exception as exc:  # noqa: BLE001 - every failure goes back to the parent as a message
            # A LibreOffice that died drops the bridge (DisposedException) a moment before it exits.
            dead = isinstance(exc, DisposedException) or office.poll() is not None
            code = None
            if dead:
                try:
                    code = office.wait(timeout=2)
                except subprocess.TimeoutExpired:
                    pass
            _send(proto_out, {"ok": False, "error": f"{type(exc).__name__}: {_message(exc)}", "dead": dead,
                              "code": code})
            if dead:
                break
            continue
        finally:
            watchdog.arm(None)
        _send(proto_out, {"ok": True, "size": len(pdf)}, pdf)
    _kill_group()
    return 0


class Watchdog:
    """Kills the group when the parent is gone or the current step passed its deadline.

    A thread of its own: while LibreOffice is stuck in a conversion, the main thread is stuck
    in the UNO call with it and reads nothing, so neither a closed stdin nor SIGTERM's
    handler (which runs only between Python instructions of the main thread) is seen."""

    def __init__(self, parent: int) -> None:
        self.parent = parent
        self.until: float | None = None
        threading.Thread(target=self._watch, name="watchdog", daemon=True).start()

    def arm(self, seconds: float | None) -> None:
        self.until = None if not seconds else time.monotonic() + float(seconds) + GRACE

    def _watch(self) -> None:
        while True:
            time.sleep(WATCH_EVERY)
            until = self.until
            if os.getppid() != self.parent or (until is not None and time.monotonic() > until):
                _kill_group()


def _convert(uno: Any, smgr: Any, ctx: Any, desktop: Any, data: bytes, request: dict) -> bytes:
    import unohelper
    from com.sun.star.io import XOutputStream

    class Sink(unohelper.Base, XOutputStream):
        def __init__(self) -> None:
            self.data = bytearray()

        def writeBytes(self, seq: Any) -> None:
            self.data += seq.value

        def flush(self) -> None:
            pass

        def closeOutput(self) -> None:
            pass

    stream = smgr.createInstanceWithArgumentsAndContext(
        "com.sun.star.io.SequenceInputStream", (uno.ByteSequence(data),), ctx)
    # What `soffice --convert-to` passes when it loads a document (desktop/source/app/dispatchwatcher.cxx).
    load = [_prop(uno, "InputStream", stream), _prop(uno, "Hidden", True), _prop(uno, "ReadOnly", True),
            _prop(uno, "Silent", True), _prop(uno, "OpenNewView", True)]
    import_filter = IMPORT_FILTERS.get(request.get("ext", "").lower())
    if import_filter:
        load.append(_prop(uno, "FilterName", import_filter))
    doc = desktop.loadComponentFromURL("private:stream", "_blank", 0, tuple(load))
    if doc is None:
        raise ValueError("LibreOffice could not load the document")
    try:
        sink = Sink()
        store = [_prop(uno, "FilterName", request.get("filter", "writer_pdf_Export")),
                 _prop(uno, "OutputStream", sink), _prop(uno, "Overwrite", True)]
        if request.get("options"):
            store.append(_prop(uno, "FilterOptions", request["options"]))
        doc.storeToURL("private:stream", tuple(store))
        return bytes(sink.data)
    finally:
        try:
            doc.close(True)
        except Exception:  # noqa: BLE001 - closing a document LibreOffice already dropped
            pass


def _tiny_docx() -> bytes:
    import io
    import zipfile
    parts = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        "_rels/.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="word/document.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/></Relationships>',
        "word/document.xml": '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:body><w:p><w:r><w:t>warm</w:t></w:r></w:p></w:body></w:document>",
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, text in parts.items():
            z.writestr(name, text)
    return buffer.getvalue()


def _prop(uno: Any, name: str, value: Any) -> Any:
    pv = uno.createUnoStruct("com.sun.star.beans.PropertyValue")
    pv.Name, pv.Value = name, value
    return pv


def _message(exc: BaseException) -> str:
    return str(getattr(exc, "Message", "") or exc).strip().replace("\n", " ")[:300]


def _read_exactly(stream: BinaryIO, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = stream.read(left)
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _send(out: BinaryIO, header: dict, payload: bytes = b"") -> None:
    out.write(json.dumps(header).encode() + b"\n" + payload)
    out.flush()


def _kill_group() -> None:
    # Only as the leader of its own group (warm.py starts it so): never the caller's group.
    if os.getpgrp() == os.getpid():
        os.killpg(os.getpgrp(), signal.SIGKILL)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
