"""PDF files: one screen page per PDF page, rendered by PDFium to fit the screen.

Reading counts the pages and extracts each page's text (only to decide how long the page
stays up); rendering draws one page into a box at screen resolution.

Thread safety: PDFium is not thread-safe, and pypdfium2 does not serialise calls for us.
Every call into pypdfium2 in this module holds `PDFIUM_LOCK`; it is the one module-level
mutable object in the project, deliberately: the catalog (reading) and the page preparer
(rendering) may run on different threads, and a lock owned by a caller could not cover
both. Other modules must not call pypdfium2 themselves; they go through this module.

Bounds: memory is bounded by the box (the bitmap is never larger than the box, whatever
size the page claims), by `MAX_PAGES` and `MAX_PAGE_TEXT_CHARS`; time by a progressive
render that gives up after `RENDER_TIME_LIMIT_S` and by a deadline on text extraction.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
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


def _page_text(page: Any) -> str:
    textpage = page.get_textpage()
    try:
        return str(textpage.get_text_bounded())[:MAX_PAGE_TEXT_CHARS]
    finally:
        textpage.close()


def read_pdf_text(
    data: bytes, *, clock: Callable[[], float] = time.monotonic
) -> tuple[int, tuple[str, ...], tuple[str, ...]]:
    """(page count, text of each page shown, warnings) for PDF bytes; ContentError if unreadable.

    The count is capped at MAX_PAGES. `clock` bounds the time spent extracting text."""
    import pypdfium2 as pdfium

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
                    texts.append(_page_text(page))
                except pdfium.PdfiumError:
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
