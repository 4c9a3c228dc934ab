"""Sample files for the demo and the tests: a real PNG and a small valid PDF,
uploaded into every required material's slot of an algorithm (as a filer
would after approval), so that the demo's complete algorithm passes the
materials checks through the real rule."""

from __future__ import annotations

import io

from django.core.files.base import ContentFile

from filings.attachments import attachment_create
from filings.models import Algorithm

# A one-page PDF that PDF readers open (an empty page).
SAMPLE_PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def sample_png(boxes: int = 4) -> bytes:
    """A small flowchart-like PNG: boxes joined by arrows, top to bottom."""
    from PIL import Image, ImageDraw

    height = 70 * boxes + 20
    image = Image.new("RGB", (320, height), "white")
    draw = ImageDraw.Draw(image)
    for i in range(boxes):
        top = 20 + 70 * i
        draw.rectangle([60, top, 260, top + 40], outline="black", width=2)
        if i + 1 < boxes:
            draw.line([160, top + 40, 160, top + 70], fill="black", width=2)
            draw.polygon([(154, top + 62), (166, top + 62), (160, top + 70)], fill="black")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def sample_screenshot() -> bytes:
    """A small phone-screen-like PNG: a settings list with one switch turned
    on, as an evidence screenshot of a user-facing control."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (240, 420), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, 239, 40], fill=(30, 80, 140))
    for row in range(5):
        top = 60 + 60 * row
        draw.rectangle([16, top, 150, top + 14], fill=(200, 200, 200))
        draw.line([0, top + 40, 239, top + 40], fill=(230, 230, 230), width=1)
    draw.rounded_rectangle([176, 56, 224, 80], radius=12, fill=(40, 160, 80))
    draw.ellipse([202, 58, 222, 78], fill="white")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


# Images where the reviewer or the report shows a picture, PDFs for scans.
_IMAGE_SLOTS = {"flowchart", "screenshot"}


def attach_required_materials(algorithm: Algorithm, *, by=None, kind: str | None = None) -> list:
    """Upload a sample file into each required material's slot that has none;
    return the attachments created."""
    from filings.materials import required_materials

    created = []
    have = set(algorithm.attachments.values_list("slot", flat=True)) | set(
        algorithm.provider.attachments.values_list("slot", flat=True)
    )
    for entry in required_materials(algorithm, kind):
        if not entry.required or not entry.slot or entry.slot in have:
            continue
        if entry.slot in _IMAGE_SLOTS:
            uploaded = ContentFile(sample_png(), name=f"{entry.code}.png")
        else:
            uploaded = ContentFile(SAMPLE_PDF, name=f"{entry.code}.pdf")
        owner = (
            {"provider": algorithm.provider}
            if entry.owner == "provider"
            else {"algorithm": algorithm}
        )
        created.append(attachment_create(slot=entry.slot, uploaded=uploaded, by=by, **owner))
        have.add(entry.slot)
    return created
