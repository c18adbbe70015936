"""Small input files made on the spot for tests."""
from __future__ import annotations

from pathlib import Path

from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas


def pdf(path: Path, pages: int = 1, text: str = "Exhibit", size=letter) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    c = canvas.Canvas(str(path), pagesize=size, invariant=1)
    for n in range(1, pages + 1):
        c.setFont("Helvetica", 12)
        c.drawString(72, size[1] - 72, f"{text} page {n}")
        c.showPage()
    c.save()
    return path
