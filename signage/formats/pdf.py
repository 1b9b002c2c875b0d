"""PDF files: one screen page per PDF page, rendered by PDFium to fit the screen.

Reading counts the pages and extracts each page's text (only to decide how long the page
stays up); rendering draws one page into a box at screen resolution.

Thread safety: PDFium is not thread-safe, and pypdfium2 does not serialise calls for us.
Every call into pypdfium2 in this module holds `PDFIUM_LOCK`; it is the one module-level
mutable object in the project, deliberately: the catalog (reading) and the page preparer
(rendering) may run on different threads, and a lock owned by a caller could not cover
both. Other modules must not call pypdfium2 themselves; they go through this module.

Bounds. PDFium has no budget of its own: loading a page parses its whole content into
objects (about 300 bytes each, so a 30 KB file of a million operators takes 300 MB), and
every compressed stream is inflated whole, however large. What can be bounded here is:

- before PDFium sees the file, `scan_streams` walks the raw bytes for Flate streams and
  inflates each through a counter, never keeping the output: a drawing stream (page content
  or form) over `MAX_DRAWING_STREAM_BYTES`, any other over `MAX_STREAM_BYTES`, all of them
  over `MAX_ALL_STREAMS_BYTES`, or an image that declares more than `MAX_IMAGE_PIXELS`
  (JBIG2, JPEG and Flate images are decoded whole to be drawn) refuses the PDF as
  "pdf-too-complex" before anything is decoded for real;
- after a page is loaded, more than `MAX_PAGE_OBJECTS` objects refuses it before its text
  is extracted or it is drawn; the text is read up to `MAX_PAGE_TEXT_CHARS`; at most
  `MAX_PAGES` pages; text extraction stops at a deadline;
- drawing is bounded by the box (the bitmap is never larger, whatever size the page claims)
  and by a progressive render that gives up after `RENDER_TIME_LIMIT_S`.

What is left unbounded in-process is the parsing of one page whose content escapes the scan
(streams with filters other than Flate, or encrypted streams, which the scan cannot
measure) and the decoding of images PDFium does while drawing. Those fail fast under the
worker's address-space limit: PDFium aborts on a failed allocation (SIGABRT), which the
reader's worker reports as a file that broke it, and under its CPU-time limit.
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import PurePosixPath
from typing import Any

from PIL import Image

from signage.core.config import Settings
from signage.core.model import ContentError, PdfBody, Slide

PDFIUM_LOCK = threading.RLock()
"""Serialises every pypdfium2 call in the process (see the module docstring)."""

MAX_PAGES = 200
"""Pages after this are not shown; a warning says so."""
MAX_PAGE_TEXT_CHARS = 20_000
MAX_PAGE_OBJECTS = 300_000
"""Objects on one page (paths, text runs, images): a detailed map has tens of thousands; at
about 300 bytes each this keeps a page under 100 MB in PDFium."""
MAX_DRAWING_STREAM_BYTES = 16_000_000
"""One page's content (or a form's) inflated: roughly a million drawing operators."""
MAX_STREAM_BYTES = 64_000_000
"""Any other compressed stream (fonts, object streams) inflated."""
MAX_ALL_STREAMS_BYTES = 400_000_000
"""Every compressed stream but images, inflated, together: the work of the scan itself."""
MAX_IMAGE_PIXELS = 150_000_000
"""Pixels an image may declare (PDFium decodes an image whole to draw it: 4 bytes each)."""
TEXT_TIME_LIMIT_S = 20.0
"""Extracting text is only for timing: past this, the remaining pages get the default time."""
RENDER_TIME_LIMIT_S = 20.0
MAX_BOX_SIDE = 16_384
DEFAULT_PAGE_SECONDS = 15.0
MIN_PAGE_SECONDS = 8.0
MAX_PAGE_SECONDS = 90.0
_POINTS_MIN = 1.0
_POINTS_MAX = 14_400.0 * 10
"""PDF's own page limit is 14,400 pt; a "page" larger than ten times that is clamped."""


def pdf_page_duration(text: str) -> float:
    """Seconds a page stays up: 3 s + one second per three characters, 8-90 s; 15 s without text."""
    chars = sum(1 for c in text if not c.isspace())
    if chars == 0:
        return DEFAULT_PAGE_SECONDS
    return min(MAX_PAGE_SECONDS, max(MIN_PAGE_SECONDS, 3.0 + chars / 3.0))


@contextmanager
def _open(data: bytes) -> Iterator[Any]:
    """An open pypdfium2 document, closed afterwards. Opening and closing take PDFIUM_LOCK;
    the caller takes it around each use of the document."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    try:
        with PDFIUM_LOCK:
            pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as err:
        code = getattr(err, "err_code", None)
        if code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
            raise ContentError(
                "the PDF is protected by a password; save or print a copy without a password",
                code="encrypted-document",
            ) from None
        raise ContentError(
            "the PDF is damaged or incomplete and cannot be opened", code="damaged-document"
        ) from None
    try:
        yield pdf
    finally:
        with PDFIUM_LOCK:
            pdf.close()


def _too_complex(message: str) -> ContentError:
    return ContentError(message, code="pdf-too-complex")


_STREAM_START = re.compile(rb">>[ \t\r\n\f\x00]{0,64}stream(?:\r\n|\n|\r)")
"""The keyword that starts a stream's data, right after its dictionary."""
_DICT_WINDOW = 4096
"""How far back from `stream` its dictionary is looked for."""
_NOT_DRAWING = (
    b"/Image", b"/ObjStm", b"/XRef", b"/Metadata", b"/EmbeddedFile", b"/Length1",
    b"/Length2", b"/Length3", b"/Type1C", b"/CIDFontType0C", b"/OpenType", b"/N ",
)  # fmt: skip
"""Markers of streams that are not page content: images, object and xref streams, metadata,
attachments, fonts (FontFile's /Length1-3, FontFile3's subtypes), ICC profiles (/N)."""


def _inflated_size(data: memoryview, start: int, cap: int) -> int | None:
    """Bytes a Flate stream starting at `start` inflates to, counted up to just past `cap`
    and never kept; None if the data there is not a Flate stream (another filter first,
    encrypted, or no stream at all)."""
    inflater = zlib.decompressobj()
    total = 0
    pos = start
    pending = b""
    while not inflater.eof:
        if not pending:
            if pos >= len(data):
                break
            pending = bytes(data[pos : pos + 65536])
            pos += 65536
        try:
            out = inflater.decompress(pending, 1 << 20)
        except zlib.error:
            return None if total == 0 else total
        pending = inflater.unconsumed_tail
        total += len(out)
        if total > cap:
            return total
    return total


_WIDTH = re.compile(rb"/Width\s+(\d{1,12})(?![\d.])(?!\s+\d+\s+R)")
_HEIGHT = re.compile(rb"/Height\s+(\d{1,12})(?![\d.])(?!\s+\d+\s+R)")
"""A size given as a number (not as a reference to one, "12 0 R")."""


def _declared_pixels(head: bytes) -> int:
    width = _WIDTH.search(head)
    height = _HEIGHT.search(head)
    if width is None or height is None:
        return 0
    return int(width.group(1)) * int(height.group(1))


def scan_streams(data: bytes) -> None:
    """Refuse, as "pdf-too-complex", a PDF whose compressed streams inflate past the limits
    or whose images declare more pixels than can be decoded (see the module docstring).

    The raw bytes are scanned for stream keywords rather than parsed: every stream of a PDF
    sits in the file as it is (object streams hold objects, never streams), so nothing can
    hide from the scan but data it cannot inflate, which it leaves to PDFium."""
    view = memoryview(data)
    total = 0
    for match in _STREAM_START.finditer(data):
        head_start = max(0, match.start() - _DICT_WINDOW)
        obj = data.rfind(b"obj", head_start, match.start())
        head = data[obj if obj >= 0 else head_start : match.start() + 2]
        if b"/Image" in head:
            pixels = _declared_pixels(head)
            if pixels > MAX_IMAGE_PIXELS:
                raise _too_complex(
                    f"the PDF holds a picture of {pixels / 1e6:.0f} megapixels; more than "
                    f"{MAX_IMAGE_PIXELS // 1_000_000} is refused"
                )
            continue
        if b"/FlateDecode" not in head:
            continue
        drawing = not any(marker in head for marker in _NOT_DRAWING)
        cap = MAX_DRAWING_STREAM_BYTES if drawing else MAX_STREAM_BYTES
        size = _inflated_size(view, match.end(), cap)
        if size is None:
            continue
        if size > cap:
            what = "a page's drawing" if drawing else "a compressed part"
            raise _too_complex(
                f"{what} in the PDF unpacks to more than {cap // 1_000_000} MB; refused"
            )
        total += size
        if total > MAX_ALL_STREAMS_BYTES:
            raise _too_complex(
                f"the PDF's compressed parts unpack to more than "
                f"{MAX_ALL_STREAMS_BYTES // 1_000_000} MB; refused"
            )


def _check_objects(page: Any, index: int) -> None:
    import pypdfium2.raw as pdfium_c

    objects = int(pdfium_c.FPDFPage_CountObjects(page.raw))
    if objects > MAX_PAGE_OBJECTS:
        raise _too_complex(
            f"page {index + 1} of the PDF has {objects:,} drawing objects; more than "
            f"{MAX_PAGE_OBJECTS:,} is refused (export the page as a picture)"
        )


def _page_text(page: Any) -> str:
    textpage = page.get_textpage()
    try:
        count = int(textpage.count_chars())
        if count <= MAX_PAGE_TEXT_CHARS:
            return str(textpage.get_text_bounded())[:MAX_PAGE_TEXT_CHARS]
        # Only the start: the text sets the page's time on screen, which is capped anyway.
        return str(textpage.get_text_range(0, MAX_PAGE_TEXT_CHARS))
    finally:
        textpage.close()


def read_pdf_text(
    data: bytes, *, clock: Callable[[], float] = time.monotonic
) -> tuple[int, tuple[str, ...], tuple[str, ...]]:
    """(page count, text of each page shown, warnings) for PDF bytes; ContentError if unreadable.

    The count is capped at MAX_PAGES. `clock` bounds the time spent extracting text."""
    import pypdfium2 as pdfium

    scan_streams(data)
    warnings: list[str] = []
    with _open(data) as pdf:
        with PDFIUM_LOCK:
            total = len(pdf)
        count = min(total, MAX_PAGES)
        if total > MAX_PAGES:
            warnings.append(f"the PDF has {total} pages; only the first {MAX_PAGES} are shown")
        deadline = clock() + TEXT_TIME_LIMIT_S
        texts: list[str] = []
        unreadable = 0
        for index in range(count):
            if clock() > deadline:
                warnings.append(
                    f"reading the text of pages {index + 1}-{count} took too long; "
                    f"they are shown for {DEFAULT_PAGE_SECONDS:g} s each"
                )
                texts.extend("" for _ in range(index, count))
                break
            # The lock is taken page by page, so a page being rendered for the screen
            # never waits for the text of a whole long document.
            with PDFIUM_LOCK:
                try:
                    page = pdf[index]
                except pdfium.PdfiumError:
                    unreadable += 1
                    texts.append("")
                    continue
                try:
                    _check_objects(page, index)
                    texts.append(_page_text(page))
                except (pdfium.PdfiumError, AssertionError, IndexError, ValueError):
                    # pypdfium2 checks its buffers with assert; the text is only for timing.
                    unreadable += 1
                    texts.append("")
                finally:
                    page.close()
        if unreadable:
            warnings.append(f"{unreadable} page(s) of the PDF are damaged and may show blank")
    return count, tuple(texts), tuple(warnings)


def read_pdf_slide(rel: str, data: bytes, settings: Settings) -> Slide:
    """A PDF as a slide of kind "pdf", one page per PDF page (at most MAX_PAGES)."""
    del settings  # the reading does not depend on settings; kept for the reader shape
    count, texts, warnings = read_pdf_text(data)
    return Slide(
        path=rel,
        kind="pdf",
        title=PurePosixPath(rel).stem,
        body=PdfBody(page_count=count, page_texts=texts),
        digest=hashlib.sha256(data).hexdigest(),
        warnings=warnings,
    )


def _fit(page_w: float, page_h: float, box: tuple[int, int]) -> tuple[float, int, int]:
    """(scale, width, height) of the page drawn as large as fits inside box."""
    w = page_w if math.isfinite(page_w) else _POINTS_MIN
    h = page_h if math.isfinite(page_h) else _POINTS_MIN
    w = min(max(abs(w), _POINTS_MIN), _POINTS_MAX)
    h = min(max(abs(h), _POINTS_MIN), _POINTS_MAX)
    scale = min(box[0] / w, box[1] / h)
    width = max(1, min(box[0], round(w * scale)))
    height = max(1, min(box[1], round(h * scale)))
    return scale, width, height


def render_pdf_page(
    data: bytes,
    index: int,
    box: tuple[int, int],
    *,
    clock: Callable[[], float] = time.monotonic,
    time_limit_s: float = RENDER_TIME_LIMIT_S,
) -> Image.Image:
    """Page `index` (0-based) of a PDF, as large as fits inside box (width, height), RGB.

    The image keeps the page's proportions, so one side equals the box's and the other is
    at most the box's; the caller letterboxes it. ContentError if the PDF cannot be opened,
    the page does not exist, or drawing it takes longer than `time_limit_s`."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    if not (1 <= box[0] <= MAX_BOX_SIDE and 1 <= box[1] <= MAX_BOX_SIDE):
        raise ValueError(f"box {box!r} is outside 1..{MAX_BOX_SIDE}")
    with PDFIUM_LOCK, _open(data) as pdf:
        if not 0 <= index < min(len(pdf), MAX_PAGES):
            raise ContentError(
                f"the PDF has no page {index + 1} (it has {len(pdf)})", code="damaged-document"
            )
        try:
            page = pdf[index]
        except pdfium.PdfiumError:
            raise ContentError(
                f"page {index + 1} of the PDF is damaged", code="damaged-document"
            ) from None
        bitmap = None
        try:
            _check_objects(page, index)
            page_w, page_h = page.get_size()
            scale, width, height = _fit(page_w, page_h, box)
            bitmap = pdfium.PdfBitmap.new_native(width, height, pdfium_c.FPDFBitmap_BGR)
            bitmap.fill_rect((255, 255, 255, 255), 0, 0, width, height)
            # Drawn progressively so that a page with absurdly many objects can be given
            # up on instead of holding the preparer (and the lock) for minutes.
            deadline = clock() + time_limit_s
            pause = pdfium_c.IFSDK_PAUSE(version=1)
            pause.NeedToPauseNow = type(pause.NeedToPauseNow)(lambda _p: clock() > deadline)
            # The page is drawn at its own size times scale, which may exceed the bitmap by
            # a rounding pixel; the bitmap clips it.
            draw_w, draw_h = math.ceil(page_w * scale), math.ceil(page_h * scale)
            if not (0 < draw_w <= 2 * MAX_BOX_SIDE and 0 < draw_h <= 2 * MAX_BOX_SIDE):
                draw_w, draw_h = width, height
            status = pdfium_c.FPDF_RenderPageBitmap_Start(
                bitmap, page, 0, 0, draw_w, draw_h, 0, pdfium_c.FPDF_ANNOT, pause
            )
            while status == pdfium_c.FPDF_RENDER_TOBECONTINUED and clock() <= deadline:
                status = pdfium_c.FPDF_RenderPage_Continue(page, pause)
            pdfium_c.FPDF_RenderPage_Close(page)
            if status == pdfium_c.FPDF_RENDER_FAILED:
                raise ContentError(
                    f"page {index + 1} of the PDF cannot be drawn", code="damaged-document"
                )
            if status == pdfium_c.FPDF_RENDER_TOBECONTINUED:
                raise ContentError(
                    f"page {index + 1} of the PDF takes longer than {time_limit_s:g} s to draw",
                    code="pdf-too-slow",
                )
            return Image.frombuffer(
                "RGB", (width, height), bytes(bitmap.buffer), "raw", "BGR", bitmap.stride, 1
            ).copy()
        finally:
            # Closed here, under the lock, rather than by a finaliser on another thread.
            if bitmap is not None:
                bitmap.close()
            page.close()


PageKey = tuple[str, int, tuple[int, int]]
"""(digest of the PDF bytes, page index, box)."""


class PdfPageCache:
    """Rendered PDF pages, least recently used dropped first, bounded in bytes.

    For a player whose own surface cache already keeps prepared pages this is redundant:
    use one or the other. It is an object the caller owns (no global state); it is safe to
    share between threads."""

    def __init__(self, max_bytes: int = 64_000_000) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[PageKey, Image.Image] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: PageKey) -> Image.Image | None:
        with self._lock:
            image = self._items.get(key)
            if image is not None:
                self._items.move_to_end(key)
            return image

    def put(self, key: PageKey, image: Image.Image) -> None:
        cost = _image_bytes(image)
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= _image_bytes(old)
            if cost > self.max_bytes:
                return
            self._items[key] = image
            self._bytes += cost
            while self._bytes > self.max_bytes:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= _image_bytes(dropped)

    def render(self, data: bytes, digest: str, index: int, box: tuple[int, int]) -> Image.Image:
        """The cached page, or render_pdf_page's result (then cached). Do not modify it."""
        key = (digest, index, box)
        image = self.get(key)
        if image is None:
            image = render_pdf_page(data, index, box)
            self.put(key, image)
        return image


def _image_bytes(image: Image.Image) -> int:
    return image.width * image.height * len(image.getbands())
