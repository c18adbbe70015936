"""Images above the settings' resolution are downsampled before they become pages (issue 24 point 2): a
12-megapixel phone photo of a letter is 300 dpi on Letter, not 360, and the bytes saved are reported."""
from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw
from pypdf import PdfReader

from assembler.convert import exhibits


def _photo(path, size=(3000, 4000), quality=95):
    img = Image.new("RGB", size, (235, 232, 225))
    draw = ImageDraw.Draw(img)
    for y in range(200, size[1] - 200, 90):
        draw.rectangle([200, y, size[0] - 200, y + 30], fill=(40, 40, 40))
    img.save(path, format="JPEG", quality=quality)
    return path


def _embedded_size(pdf):
    page = PdfReader(pdf).pages[0]
    [image] = page.images
    return Image.open(io.BytesIO(image.data)).size


# The same check at a twelfth of the pixels in the fast tier; the phone's 12 megapixels in the full one.
@pytest.mark.parametrize("size, dpi", [((1500, 2000), 150), pytest.param((3000, 4000), 300, marks=pytest.mark.slow)])
def test_a_phone_photo_is_downsampled_to_the_setting(tmp_path, size, dpi):
    photo = _photo(tmp_path / "letter.jpg", size=size)
    fitted, saved = exhibits.fit_image(photo, tmp_path / "work", dpi=dpi, quality=85)
    pdf = exhibits.image_to_pdf(fitted, tmp_path / "letter.pdf", "exhibit letter")
    width, height = _embedded_size(pdf)
    assert height <= 11 * dpi and width <= 8.5 * dpi  # the setting's dpi on an 8.5 x 11 in page
    assert height >= 11 * dpi - 10  # ...and not below it
    assert saved > 0 and saved == photo.stat().st_size - fitted.stat().st_size
    assert photo.read_bytes()[:3] == b"\xff\xd8\xff"  # the user's file is never changed


def test_a_photo_within_the_setting_is_left_alone(tmp_path):
    photo = _photo(tmp_path / "small.jpg", size=(1200, 1600))
    assert exhibits.fit_image(photo, tmp_path / "work", dpi=300, quality=85) == (photo, 0)


def test_no_dpi_setting_leaves_every_image_alone(tmp_path):
    photo = _photo(tmp_path / "big.jpg")
    assert exhibits.fit_image(photo, tmp_path / "work", dpi=0, quality=85) == (photo, 0)


@pytest.mark.libreoffice
def test_the_build_downsamples_a_phone_photo_and_reports_the_bytes_saved(run, tmp_path):
    import json

    from helpers import minimal, write_case

    folder = tmp_path / "c"
    data = minimal()
    data["exhibits"] = [{"id": "photo", "file": "ex/photo.jpg", "title": "Letter (phone photo)"}]
    write_case(folder, data)
    (folder / "ex").mkdir()
    photo = _photo(folder / "ex" / "photo.jpg")
    result = run("build", folder, "-o", tmp_path / "out")
    assert result.code == 0, result.err
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    saved = manifest["filing"]["image_bytes_saved"]
    assert 0 < saved < photo.stat().st_size
    check = run("check", next((tmp_path / "out").glob("*.pdf")))
    assert f"(images: 1 downsampled, {saved / 1024 / 1024:.1f} MB saved)" in check.out


@pytest.mark.parametrize("orientation, resized", [(6, False), (1, True)])
def test_a_photo_is_measured_upright_as_its_exif_orientation_turns_it(tmp_path, orientation, resized):
    # 3000x2000 stored sideways: upright (orientation 6) it is a portrait page at 273 dpi, within 300;
    # as stored (orientation 1) it is a landscape photo at 353 dpi on the portrait page, above it.
    # The size is read from the header, without decoding the photo (issue 25): the turn must count.
    img = Image.new("RGB", (3000, 2000), (235, 232, 225))
    exif = Image.Exif()
    exif[0x0112] = orientation
    photo = tmp_path / "turned.jpg"
    img.save(photo, format="JPEG", quality=90, exif=exif.tobytes())
    fitted, saved = exhibits.fit_image(photo, tmp_path / "work", dpi=300, quality=85)
    assert (fitted != photo) is resized
    assert (saved > 0) is resized
