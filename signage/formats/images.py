"""Image slides: validate on read, decode and fit for a screen when a page is prepared.

Reading checks the whole file once (a half-copied JPEG is refused, not shown half-grey) but
at a reduced DCT scale, so a 24-megapixel photo costs a fraction of a full decode. Preparing
decodes again at the smallest scale that still covers the target box.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from typing import Literal

from PIL import Image, ImageOps, UnidentifiedImageError

from signage.core.config import Settings
from signage.core.model import ContentError, ImageBody, Slide

MAX_PIXELS = 80_000_000
"""Refuse images above this many pixels: a 'decompression bomb' could take gigabytes."""

_ROTATING_ORIENTATIONS = {5, 6, 7, 8}
_FORMATS = {"JPEG", "PNG", "WEBP", "BMP", "GIF", "MPO"}


def _open(data: bytes) -> Image.Image:
    if not data:
        raise ContentError("the file is empty (0 bytes)", code="empty-file")
    try:
        # Our own limit is checked below with a clear message; PIL's warning would be noise.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:
        raise ContentError(
            f"the image is too large (more than {MAX_PIXELS // 1_000_000} megapixels)",
            code="decompression-bomb",
        ) from None
    except UnidentifiedImageError:
        raise ContentError(
            "this is not an image Pillow can read (damaged, or another format renamed)",
            code="not-an-image",
        ) from None
    except (OSError, ValueError, SyntaxError) as err:
        raise ContentError(f"the image cannot be read: {err}", code="damaged-image") from None
    if im.format not in _FORMATS:
        raise ContentError(
            f"image format {im.format} is not supported (use JPEG, PNG, WebP, BMP or GIF)",
            code="unsupported-type",
        )
    w, h = im.size
    if w * h > MAX_PIXELS:
        raise ContentError(
            f"the image is too large ({w}x{h}, more than {MAX_PIXELS // 1_000_000} megapixels)",
            code="decompression-bomb",
        )
    if w < 1 or h < 1:
        raise ContentError("the image has no pixels", code="damaged-image")
    return im


def _orientation(im: Image.Image) -> int:
    try:
        value = im.getexif().get(0x0112, 1)
    except Exception:  # a corrupt EXIF block must not cost the picture
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _decode(im: Image.Image, min_size: tuple[int, int]) -> Image.Image:
    """Load pixel data, at reduced scale for JPEG when min_size allows; ContentError if broken."""
    if im.format in ("JPEG", "MPO"):
        im.draft("RGB", min_size)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im.load()
    except OSError as err:
        text = str(err)
        if "truncated" in text or "broken data stream" in text or "unexpected end" in text.lower():
            raise ContentError(
                "the image is incomplete (truncated: copied only part way?)",
                code="image-truncated",
            ) from None
        raise ContentError(f"the image is damaged: {text}", code="damaged-image") from None
    except (ValueError, SyntaxError, EOFError) as err:
        raise ContentError(f"the image is damaged: {err}", code="damaged-image") from None
    return im


def read_image_slide(rel: str, data: bytes, settings: Settings) -> Slide:
    """Validate an image file fully (cheaply) and describe it; the pixels are decoded later."""

    im = _open(data)
    stored_w, stored_h = im.size
    orientation = _orientation(im)
    fmt = str(im.format)
    # Decode at about 1/8 scale: libjpeg still walks the whole stream, so truncation shows.
    _decode(im, (max(1, stored_w // 8), max(1, stored_h // 8)))
    w, h = (stored_h, stored_w) if orientation in _ROTATING_ORIENTATIONS else (stored_w, stored_h)
    title = rel.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return Slide(
        path=rel,
        kind="image",
        title=title,
        body=ImageBody(width=w, height=h, format=fmt),
        digest=hashlib.sha256(data).hexdigest(),
    )


def fit_box(
    size: tuple[int, int], box: tuple[int, int], fit: Literal["contain", "cover"]
) -> tuple[int, int]:
    """The size to scale an image of `size` to so it is contained in (or covers) `box`."""
    w, h = size
    bw, bh = box
    scale = min(bw / w, bh / h) if fit == "contain" else max(bw / w, bh / h)
    return max(1, round(w * scale)), max(1, round(h * scale))


def prepare_image(
    data: bytes,
    box: tuple[int, int],
    fit: Literal["contain", "cover"],
    background: tuple[int, int, int],
) -> Image.Image:
    """An RGB image exactly `box` in size: the picture fitted, letterboxed on background."""
    im = _open(data)
    orientation = _orientation(im)
    stored_w, stored_h = im.size
    upright = (stored_h, stored_w) if orientation in _ROTATING_ORIENTATIONS else im.size
    target = fit_box(upright, box, fit)
    need = (target[1], target[0]) if orientation in _ROTATING_ORIENTATIONS else target
    im = _decode(im, need)
    if getattr(im, "is_animated", False):
        im.seek(0)
    if orientation != 1:
        im = ImageOps.exif_transpose(im)
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        ground = Image.new("RGBA", rgba.size, (*background, 255))
        ground.alpha_composite(rgba)
        im = ground.convert("RGB")
    elif im.mode != "RGB":
        im = im.convert("RGB")
    if im.size != target:
        # reducing_gap lets Pillow shrink by whole factors first: much faster, same look.
        im = im.resize(target, Image.Resampling.BICUBIC, reducing_gap=2.0)
    canvas = Image.new("RGB", box, background)
    canvas.paste(im, ((box[0] - target[0]) // 2, (box[1] - target[1]) // 2))
    return canvas
