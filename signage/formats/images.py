"""Image slides: validate on read, decode and fit for a screen when a page is prepared.

Reading checks the whole file once (a half-copied JPEG is refused, not shown half-grey): a
JPEG at a reduced DCT scale, so a 24-megapixel photo costs a fraction of a full decode; a
PNG by walking its chunks and their checksums to the end (`verify`), without decoding
pixels at all; other formats by decoding them. Preparing decodes again, a JPEG at the
smallest scale that still covers the target box, and shrinks by whole factors before any
conversion, so that no copy of a large picture is made at full size.

Memory is checked before anything is decoded (`decode_bytes`): what the decoder will
allocate follows from the header, and a picture that needs more than `MAX_DECODE_BYTES` is
refused ("decompression-bomb") whatever its pixel count. That covers an 80-megapixel PNG or
WebP (decoded whole: 240-320 MB, then copied) and a progressive JPEG, whose DCT coefficients
are kept for the whole picture at any scale (two bytes a sample). An ordinary photo (a
24-megapixel JPEG, a 30-megapixel PNG screenshot) is well inside.
"""

from __future__ import annotations

import functools
import hashlib
import io
import warnings
from collections.abc import Callable
from typing import Literal, ParamSpec, TypeVar

from PIL import Image, UnidentifiedImageError

from signage.core.config import Settings
from signage.core.model import ContentError, ImageBody, Slide

MAX_PIXELS = 80_000_000
"""Refuse images above this many pixels: a 'decompression bomb' could take gigabytes."""
MAX_DECODE_BYTES = 200_000_000
"""What decoding one picture may allocate (see `decode_bytes`)."""
_BYTES_PER_PIXEL = {"1": 1, "L": 1, "P": 1, "LA": 2, "PA": 2, "I;16": 2, "RGB": 3, "YCbCr": 3}

_ROTATING_ORIENTATIONS = {5, 6, 7, 8}
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
"""EXIF orientation -> the transposition that makes the picture upright."""
_FORMATS = {"JPEG", "PNG", "WEBP", "BMP", "GIF", "MPO"}


P = ParamSpec("P")
R = TypeVar("R")


def _quietly(fn: Callable[P, R]) -> Callable[P, R]:
    """Pillow warns about what it tolerates (corrupt EXIF, large images, palette transparency)
    on every read of a hostile file; the reader decides for itself, so the warnings are noise
    in the log (and errors under pytest's -W error)."""

    @functools.wraps(fn)
    def quiet(*args: P.args, **kwargs: P.kwargs) -> R:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(*args, **kwargs)

    return quiet


def _webp_size(data: bytes) -> tuple[int, int] | None:
    """A WebP's canvas size from its first chunk's header (RFC 9649), None if not a WebP.

    Pillow's WebP plugin makes libwebp's decoder, which allocates the whole canvas, when it
    opens the file: a header claiming 80 megapixels failed there as "damaged" (or not, as the
    worker's memory happened to allow) before our estimate could refuse it by its size."""
    if len(data) < 30 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        return None
    chunk = data[12:16]
    if chunk == b"VP8X":
        return 1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(data[27:30], "little")
    if chunk == b"VP8L" and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    if chunk == b"VP8 ":
        w = int.from_bytes(data[26:28], "little") & 0x3FFF
        h = int.from_bytes(data[28:30], "little") & 0x3FFF
        return w, h
    return None


def _open(data: bytes) -> Image.Image:
    if not data:
        raise ContentError("the file is empty (0 bytes)", code="empty-file")
    claimed = _webp_size(data)
    if claimed is not None and claimed[0] * claimed[1] * 4 * 2 > MAX_DECODE_BYTES:
        raise _too_big_to_decode(claimed[0] * claimed[1] * 4 * 2, f"{claimed[0]}x{claimed[1]} WEBP")
    try:
        # Our own limit is checked below with a clear message; PIL's warning would be noise.
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
    except MemoryError:
        raise _too_much_memory() from None
    except Exception as err:
        # Pillow's plugins raise whatever their parsing trips on (OSError, SyntaxError, but
        # also IndexError, KeyError, struct.error …): for a hostile file each means damaged.
        raise ContentError(
            f"the image cannot be read: {_brief(err)}", code="damaged-image"
        ) from None
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
    need = decode_bytes(im)
    if need > MAX_DECODE_BYTES:
        progressive = ", progressive" if _progressive(im) else ""
        raise _too_big_to_decode(need, f"{w}x{h} {im.format}{progressive}")
    return im


def _too_big_to_decode(need: int, what: str) -> ContentError:
    return ContentError(
        f"the image would take {need / 1e6:.0f} MB to decode ({what}); more than "
        f"{MAX_DECODE_BYTES / 1e6:.0f} MB is refused: save it as an ordinary JPEG, or smaller",
        code="decompression-bomb",
    )


def _progressive(im: Image.Image) -> bool:
    return bool(im.info.get("progressive") or im.info.get("progression"))


def decode_bytes(im: Image.Image) -> int:
    """What decoding `im` (opened, not loaded) will allocate at least, from its header.

    A baseline JPEG is decoded a few rows at a time at the draft scale; a progressive one
    keeps every DCT coefficient of the whole picture (2 bytes a sample, per component at its
    own sampling) whatever the scale. Other formats are decoded whole, WebP twice (libwebp's
    buffer, then Pillow's)."""
    w, h = im.size
    if im.format in ("JPEG", "MPO"):
        if not _progressive(im):
            return 0
        layers = getattr(im, "layer", None) or [("", 1, 1, 0)] * max(1, len(im.getbands()))
        hmax = max(layer[1] for layer in layers) or 1
        vmax = max(layer[2] for layer in layers) or 1
        return sum(2 * (w * layer[1] // hmax + 8) * (h * layer[2] // vmax + 8) for layer in layers)
    per_pixel = _BYTES_PER_PIXEL.get(im.mode, 4)
    return w * h * per_pixel * (2 if im.format == "WEBP" else 1)


def _orientation(im: Image.Image) -> int:
    if im.format == "PNG" and "exif" not in im.info:
        # Pillow would decode the whole PNG to look for an eXIf chunk after the pixels;
        # cameras and phones put it first, where opening has already found it.
        return 1
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
        im.load()
    except MemoryError:
        # Past the estimate (a decoder's own buffers): under the reader's memory limit.
        raise _too_much_memory() from None
    except OSError as err:
        text = str(err)
        if "truncated" in text or "broken data stream" in text or "unexpected end" in text.lower():
            raise ContentError(
                "the image is incomplete (truncated: copied only part way?)",
                code="image-truncated",
            ) from None
        raise ContentError(f"the image is damaged: {_brief(err)}", code="damaged-image") from None
    except Exception as err:  # as in _open: any of Pillow's parsing errors means damaged
        raise ContentError(f"the image is damaged: {_brief(err)}", code="damaged-image") from None
    return im


def _too_much_memory() -> ContentError:
    return ContentError(
        "the image needs more memory to decode than the player allows",
        code="decompression-bomb",
    )


def _brief(err: Exception) -> str:
    text = str(err) or type(err).__name__
    return text if len(text) <= 200 else text[:199] + "…"


@_quietly
def read_image_slide(rel: str, data: bytes, settings: Settings) -> Slide:
    """Validate an image file fully (cheaply) and describe it; the pixels are decoded later."""

    im = _open(data)
    stored_w, stored_h = im.size
    orientation = _orientation(im)
    fmt = str(im.format)
    if fmt == "PNG":
        _verify_png(data)
    else:
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


def _verify_png(data: bytes) -> None:
    """Every chunk of a PNG read and its checksum checked, to the end: a copy cut short (no
    IEND) or damaged is refused, without decoding a pixel."""
    try:
        Image.open(io.BytesIO(data)).verify()
    except MemoryError:
        raise _too_much_memory() from None
    except Exception as err:  # as in _open: any of Pillow's parsing errors means damaged
        text = _brief(err)
        if "truncated" in text.lower() or "eof" in text.lower() or isinstance(err, EOFError):
            raise ContentError(
                "the image is incomplete (truncated: copied only part way?)",
                code="image-truncated",
            ) from None
        raise ContentError(f"the image is damaged: {text}", code="damaged-image") from None


@_quietly
def probe_image(data: bytes) -> tuple[int, int, str]:
    """(width, height, format) from an image's header, with the checks every picture gets
    (a format shown, the pixel and decoding limits); ContentError otherwise. Nothing is
    decoded: for a picture inside a document, whose pages are planned from this."""
    im = _open(data)
    return im.size[0], im.size[1], str(im.format)


def fit_box(
    size: tuple[int, int], box: tuple[int, int], fit: Literal["contain", "cover"]
) -> tuple[int, int]:
    """The size to scale an image of `size` to so it is contained in (or covers) `box`."""
    w, h = size
    bw, bh = box
    scale = min(bw / w, bh / h) if fit == "contain" else max(bw / w, bh / h)
    return max(1, round(w * scale)), max(1, round(h * scale))


@_quietly
def prepare_image(
    data: bytes,
    box: tuple[int, int],
    fit: Literal["contain", "cover"],
    background: tuple[int, int, int],
    other: tuple[int, int, int] | None = None,
) -> Image.Image:
    """An RGB image exactly `box` in size: the picture fitted, letterboxed on background.

    A picture with transparent parts (a logo, a QR code) is set on whichever of
    `background` and `other` its visible pixels stand out from more: a black logo on
    nothing would vanish on a dark ground, a white one on paper. The ground used is in
    the result's `info["ground"]`."""
    im = _open(data)
    orientation = _orientation(im)
    stored_w, stored_h = im.size
    upright = (stored_h, stored_w) if orientation in _ROTATING_ORIENTATIONS else im.size
    target = fit_box(upright, box, fit)
    need = (target[1], target[0]) if orientation in _ROTATING_ORIENTATIONS else target
    im = _decode(im, need)
    if getattr(im, "is_animated", False):
        im.seek(0)
    # Shrink by a whole factor first (cheap, and the result still covers the target), so
    # that the conversions below never copy a large picture at full size.
    factor = min(im.width // max(1, need[0]), im.height // max(1, need[1]))
    if factor >= 2:
        if im.mode in ("P", "PA", "1"):
            reduced = (max(1, im.width // factor), max(1, im.height // factor))
            im = im.resize(reduced, Image.Resampling.NEAREST)
        else:
            im = im.reduce(factor)
    if orientation != 1:
        # From the tag read at open: the reduced copy above need not carry the EXIF block.
        im = im.transpose(_TRANSPOSE[orientation])
    im = _eight_bit(im)
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        if other is not None:
            background = _standing_out(rgba, background, other)
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
    canvas.info["ground"] = background
    return canvas


def _eight_bit(im: Image.Image) -> Image.Image:
    """16- and 32-bit greys scaled to 8 bits: converted directly, Pillow clips every value
    above 255 to white, and a 16-bit scan came out a white page."""
    if im.mode not in ("I", "F") and not im.mode.startswith("I;16"):
        return im
    wide = im.convert("F") if im.mode == "F" else im.convert("I")
    extrema = wide.getextrema()
    low, high = float(extrema[0]), float(extrema[1])  # type: ignore[arg-type]  # one band
    top = 65535.0 if im.mode.startswith("I;16") else max(high, 255.0)
    if im.mode == "F" and low >= 0.0 and high <= 1.0:
        top = 1.0  # floating-point pictures hold 0 … 1
    return wide.point(lambda v: v * (255.0 / top)).convert("L")


def _luminance(rgb: tuple[float, ...]) -> float:
    return 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]


def _standing_out(
    rgba: Image.Image, background: tuple[int, int, int], other: tuple[int, int, int]
) -> tuple[int, int, int]:
    """The ground, of two, farther in brightness from the picture's visible pixels."""
    from PIL import ImageStat

    small = rgba.copy()
    small.thumbnail((64, 64))
    alpha = small.getchannel("A")
    if alpha.getbbox() is None:
        return background  # nothing visible at all
    mean = ImageStat.Stat(small.convert("RGB"), mask=alpha.point(lambda a: 255 if a > 128 else 0))
    seen = _luminance(tuple(mean.mean))
    if abs(seen - _luminance(other)) > abs(seen - _luminance(background)):
        return other
    return background
