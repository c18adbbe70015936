"""Take the web app guide's screenshots of `pdpacket serve` (docs/web/*.png) with headless chromium.

    python tools/web_screenshots.py [OUT_DIR]

Works on copies of the samples in a temporary folder, with "today" pinned like
the tests, and builds sample 1 through the Build page (LibreOffice needed).
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assembler import api  # noqa: E402
from assembler.web.app import Config, create_app  # noqa: E402
from assembler.web.server import bind  # noqa: E402

TOKEN = "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def cases_folder(root: Path) -> None:
    for entry in (REPO / "samples").iterdir():
        if entry.is_dir():
            shutil.copytree(entry, root / entry.name, ignore=shutil.ignore_patterns("out"))
        elif entry.suffix in (".yaml", ".pdf"):  # the firm settings and the forms they name
            shutil.copy(entry, root / entry.name)
    unfinished = (root / "3-minimal" / "case.yaml").read_text(encoding="utf-8")
    unfinished = unfinished.replace("date_of_birth: 1990-01-20", "date_of_birth: 2090-01-20")
    (root / "4-tenzin-unfinished").mkdir()
    (root / "4-tenzin-unfinished" / "case.yaml").write_text(
        unfinished.replace("office: chicago", "office: chicgo"), encoding="utf-8")


def main(out: Path) -> None:
    os.environ.setdefault("PDPACKET_TODAY", "2026-11-28")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "cases"
        root.mkdir()
        os.environ["PDPACKET_LEDGER"] = str(Path(tmp) / "ledger.db")  # the sending recorded below: not in yours
        cases_folder(root)
        sock = bind("127.0.0.1", 0)
        # the app answers only to the address it listens on (security.Guard): its port, given
        app = create_app(Config(root, TOKEN, port=sock.getsockname()[1]))
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True).start()
        while not server.started:
            time.sleep(0.05)
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 860})
            page.goto(f"{url}/?token={TOKEN}")
            page.goto(f"{url}/case/1-garcia-lopez/build")
            page.click("#build-button")
            page.wait_for_selector("#job-done", timeout=180_000)
            page.goto(f"{url}/case/1-garcia-lopez/build")  # as a later visit shows it: filing, Send
            time.sleep(3)  # the browser's PDF viewer draws the filing
            page.screenshot(path=out / "build.png", full_page=True)
            page.goto(f"{url}/")
            page.screenshot(path=out / "cases.png")
            page.goto(f"{url}/case/1-garcia-lopez#section-exhibits")
            page.evaluate("document.getElementById('section-exhibits').scrollIntoView()")
            time.sleep(0.5)
            page.screenshot(path=out / "exhibits.png")
            page.goto(f"{url}/case/4-tenzin-unfinished")
            time.sleep(0.3)
            page.screenshot(path=out / "problems.png")
            page.goto(f"{url}/case/3-minimal")
            case_file = root / "3-minimal" / "case.yaml"
            case_file.write_text(case_file.read_text(encoding="utf-8").replace("Nepal", "Bhutan"), encoding="utf-8")
            page.fill('[name="respondent.language"]', "Tibetan")
            page.click("#save")
            page.wait_for_selector("#conflict")
            page.screenshot(path=out / "conflict.png")
            page.goto(f"{url}/templates")
            page.screenshot(path=out / "templates.png")
            # after the office agreed: the Court papers page, the joint motion made from the Build page's note
            api.log_sent(root / "1-garcia-lopez", date(2026, 11, 28), "portal")
            api.log_response(root / "1-garcia-lopez", "granted", date(2026, 11, 28))
            page.goto(f"{url}/case/1-garcia-lopez/court")
            page.click("#court-button")
            page.wait_for_selector("#court-files", timeout=180_000)
            page.screenshot(path=out / "court.png", full_page=True)
            browser.close()
        server.should_exit = True
    for shot in sorted(out.glob("*.png")):
        print(shot)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs" / "web")
