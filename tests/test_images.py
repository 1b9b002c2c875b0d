from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from signage.core.config import Settings
from signage.core.model import ContentError, ImageBody
from signage.formats.images import MAX_PIXELS, fit_box, prepare_image, read_image_slide

BG = (10, 20, 30)


def marker_image(w: int = 120, h: int = 80) -> Image.Image:
    """Red top-left quadrant, so the orientation of the result can be checked by pixels."""
    im = Image.new("RGB", (w, h), (255, 255, 255))
    im.paste((255, 0, 0), (0, 0, w // 2, h // 2))
    return im


# For each EXIF orientation: how the stored pixels must be transformed so that applying the
# tag gives back the upright marker image.
STORE = {
    1: lambda im: im,
    2: lambda im: im.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
    3: lambda im: im.transpose(Image.Transpose.ROTATE_180),
    4: lambda im: im.transpose(Image.Transpose.FLIP_TOP_BOTTOM),
    5: lambda im: im.transpose(Image.Transpose.TRANSPOSE),
    6: lambda im: im.transpose(Image.Transpose.ROTATE_90),
    7: lambda im: im.transpose(Image.Transpose.TRANSVERSE),
    8: lambda im: im.transpose(Image.Transpose.ROTATE_270),
}


def jpeg_with_orientation(orientation: int, size: tuple[int, int] = (120, 80)) -> bytes:
    stored = STORE[orientation](marker_image(*size))
    exif = Image.Exif()
    exif[0x0112] = orientation
    buf = io.BytesIO()
    stored.save(buf, "JPEG", quality=95, exif=exif.tobytes())
    return buf.getvalue()


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_comes_out_upright(orientation: int) -> None:
    data = jpeg_with_orientation(orientation)
    slide = read_image_slide("slides/p.jpg", data, Settings())
    assert isinstance(slide.body, ImageBody)
    assert (slide.body.width, slide.body.height) == (120, 80)
    out = prepare_image(data, (120, 80), "contain", BG)
    r, g, b = out.getpixel((20, 15))  # top-left quadrant: red
    assert r > 200 and g < 60 and b < 60, (orientation, (r, g, b))
    r, g, b = out.getpixel((100, 65))  # bottom-right: white
    assert min(r, g, b) > 200, (orientation, (r, g, b))


def test_contain_letterboxes_on_the_background_and_cover_fills() -> None:
    buf = io.BytesIO()
    Image.new("RGB", (400, 100), (0, 200, 0)).save(buf, "PNG")
    contain = prepare_image(buf.getvalue(), (200, 200), "contain", BG)
    assert contain.size == (200, 200)
    assert contain.getpixel((100, 10)) == BG
    assert contain.getpixel((100, 100))[1] > 180
    cover = prepare_image(buf.getvalue(), (200, 200), "cover", BG)
    assert cover.getpixel((100, 10))[1] > 180
    assert fit_box((400, 100), (200, 200), "contain") == (200, 50)
    assert fit_box((400, 100), (200, 200), "cover") == (800, 200)


def test_transparent_png_is_composited_on_the_background() -> None:
    buf = io.BytesIO()
    Image.new("RGBA", (50, 50), (255, 0, 0, 0)).save(buf, "PNG")
    out = prepare_image(buf.getvalue(), (50, 50), "contain", BG)
    assert out.getpixel((25, 25)) == BG


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "BMP", "GIF"])
def test_other_formats_read(fmt: str) -> None:
    buf = io.BytesIO()
    marker_image().save(buf, fmt)
    slide = read_image_slide(f"slides/x.{fmt.lower()}", buf.getvalue(), Settings())
    assert slide.kind == "image"
    out = prepare_image(buf.getvalue(), (60, 40), "contain", BG)
    assert out.size == (60, 40)


def test_animated_gif_shows_its_first_frame() -> None:
    frames = [Image.new("RGB", (40, 40), c) for c in ((255, 0, 0), (0, 0, 255))]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=100)
    out = prepare_image(buf.getvalue(), (40, 40), "contain", BG)
    r, _, b = out.getpixel((20, 20))
    assert r > 200 and b < 50


def test_truncated_jpeg_is_refused_with_a_plain_message() -> None:
    buf = io.BytesIO()
    Image.effect_noise((800, 600), 60).convert("RGB").save(buf, "JPEG", quality=90)
    half = buf.getvalue()[: len(buf.getvalue()) // 2]
    with pytest.raises(ContentError) as info:
        read_image_slide("slides/half.jpg", half, Settings())
    assert info.value.code == "image-truncated"
    assert "incomplete" in info.value.message


def test_zero_byte_and_wrong_extension() -> None:
    with pytest.raises(ContentError) as info:
        read_image_slide("slides/empty.jpg", b"", Settings())
    assert info.value.code == "empty-file"
    with pytest.raises(ContentError) as info:
        read_image_slide("slides/notice.jpg", "这是一份通知".encode(), Settings())
    assert info.value.code == "not-an-image"


def test_png_named_jpg_still_shows() -> None:
    buf = io.BytesIO()
    marker_image().save(buf, "PNG")
    slide = read_image_slide("slides/really-png.jpg", buf.getvalue(), Settings())
    assert isinstance(slide.body, ImageBody) and slide.body.format == "PNG"


def test_decompression_bomb_is_refused_before_decoding(tmp_path: Path) -> None:
    # A PNG header claiming a huge size compresses to almost nothing.
    side = int(MAX_PIXELS**0.5) + 100
    im = Image.new("1", (side, side))
    buf = io.BytesIO()
    im.save(buf, "PNG")
    assert len(buf.getvalue()) < 2_000_000
    with pytest.raises(ContentError) as info:
        read_image_slide("slides/bomb.png", buf.getvalue(), Settings())
    assert info.value.code == "decompression-bomb"
    assert "too large" in info.value.message


def test_large_jpeg_is_decoded_at_reduced_scale() -> None:
    buf = io.BytesIO()
    Image.new("RGB", (4000, 3000), (90, 120, 200)).save(buf, "JPEG", quality=80)
    im = Image.open(io.BytesIO(buf.getvalue()))
    im.draft("RGB", (1000, 750))
    assert im.size[0] <= 2000  # the decoder really does scale down
    out = prepare_image(buf.getvalue(), (1000, 750), "contain", BG)
    assert out.size == (1000, 750)


# --- memory: what decoding will take is known before decoding ---------------------------------


def test_decoding_memory_is_estimated_from_the_header() -> None:
    from signage.formats.images import MAX_DECODE_BYTES, decode_bytes

    def opened(fmt: str, size: tuple[int, int], **save: object) -> Image.Image:
        buf = io.BytesIO()
        Image.new("RGB", size).save(buf, fmt, **save)
        return Image.open(io.BytesIO(buf.getvalue()))

    assert decode_bytes(opened("JPEG", (400, 300))) == 0  # baseline: decoded by rows, at scale
    progressive = decode_bytes(opened("JPEG", (400, 300), progressive=True))
    assert 400 * 300 * 3 <= progressive <= 400 * 300 * 7  # 4:2:0: 1.5 samples, 2 bytes each
    assert decode_bytes(opened("PNG", (400, 300))) == 400 * 300 * 3
    assert decode_bytes(opened("WEBP", (400, 300))) >= 2 * 400 * 300 * 3
    assert MAX_DECODE_BYTES >= 6000 * 4000 * 3  # a 24 MP PNG photo still reads


@pytest.mark.parametrize("orientation", [1, 3, 6, 8])
def test_a_large_picture_is_shrunk_first_and_still_comes_out_upright(orientation: int) -> None:
    data = jpeg_with_orientation(orientation, (1200, 800))
    out = prepare_image(data, (120, 80), "contain", BG)
    r, g, b = out.getpixel((20, 15))
    assert r > 200 and g < 60 and b < 60, (orientation, (r, g, b))
    png = io.BytesIO()
    marker_image(1200, 800).save(png, "PNG")
    out = prepare_image(png.getvalue(), (120, 80), "contain", BG)
    assert out.getpixel((20, 15))[0] > 200 and min(out.getpixel((100, 65))) > 200


DARK, PAPER = (16, 16, 18), (250, 247, 240)


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "GIF"])
@pytest.mark.parametrize(("ink", "ground"), [((0, 0, 0), PAPER), ((255, 255, 255), DARK)])
def test_a_logo_on_nothing_is_set_on_the_ground_it_stands_out_from(
    fmt: str, ink: tuple[int, int, int], ground: tuple[int, int, int]
) -> None:
    """A black logo or QR code with a transparent background vanished on the dark picture
    ground; a white one would vanish on paper."""
    logo = Image.new("RGBA", (400, 300), (0, 0, 0, 0))
    logo.paste((*ink, 255), (100, 80, 300, 220))
    buf = io.BytesIO()
    logo.save(buf, fmt)
    out = prepare_image(buf.getvalue(), (400, 300), "contain", DARK, PAPER)
    assert out.info["ground"] == ground
    assert out.getpixel((10, 10)) == ground  # around the logo
    assert out.getpixel((200, 150)) == ink


def test_a_photo_keeps_the_ground_it_was_given() -> None:
    buf = io.BytesIO()
    marker_image().save(buf, "PNG")
    out = prepare_image(buf.getvalue(), (240, 240), "contain", DARK, PAPER)
    assert out.info["ground"] == DARK and out.getpixel((0, 0)) == DARK


def test_a_16_bit_grey_picture_is_scaled_not_clipped() -> None:
    """Converted directly, every value above 255 became white: a 16-bit scan, a white page."""
    grey = Image.new("I;16", (256, 8))
    grey.putdata([x * 256 for x in range(256)] * 8)
    buf = io.BytesIO()
    grey.save(buf, "PNG")
    out = prepare_image(buf.getvalue(), (256, 8), "contain", BG)
    row = [out.getpixel((x, 4)) for x in (0, 64, 128, 192, 255)]
    assert [p[0] for p in row] == pytest.approx([0, 64, 128, 192, 255], abs=2)


def test_a_webp_claiming_80_megapixels_is_refused_by_its_header_before_pillow_opens_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Pillow's WebP plugin allocates the canvas when it opens the file: where the worker's
    memory did not allow it, the file was called damaged instead."""
    from tests.hostile_files import _webp_claiming

    def no_open(*_: object, **__: object) -> None:
        raise AssertionError("opened before its size was checked")

    monkeypatch.setattr(Image, "open", no_open)
    with pytest.raises(ContentError) as err:
        read_image_slide("slides/a.webp", _webp_claiming(10_000, 8_000), Settings())
    assert err.value.code == "decompression-bomb"
