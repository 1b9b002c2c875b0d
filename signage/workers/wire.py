"""The pipe between the player and a worker: length-prefixed frames of pickled values.

Requests go from the player to a worker (trusted to untrusted) and may hold any of our
values. Results come back from a process that has just parsed hostile bytes, so they are
read as if hostile themselves: a frame longer than the reader's limit is refused before it
is read, and unpickling resolves only the classes in `RESULT_CLASSES` (frozen values of
the core model, dates and times, and the workers' own result types). A stock unpickler
would let whatever took over a worker run code in the player; this one can only build data.
"""

from __future__ import annotations

import copyreg
import io
import pickle
import struct
import zoneinfo
from collections.abc import Callable
from typing import Any, BinaryIO

HEADER = struct.Struct("!Q")
MAX_REQUEST_BYTES = 256_000_000
"""A request carries a slide (text up to a few MB) or a page: far less than this."""

RESULT_CLASSES: frozenset[tuple[str, str]] = frozenset(
    {
        ("datetime", "datetime"),
        ("datetime", "date"),
        ("datetime", "time"),
        ("datetime", "timedelta"),
        ("datetime", "timezone"),
        ("zoneinfo", "ZoneInfo"),
        ("signage.core.model", "Problem"),
        ("signage.core.model", "Span"),
        ("signage.core.model", "Block"),
        ("signage.core.model", "TableRow"),
        ("signage.core.model", "Document"),
        ("signage.core.model", "Meeting"),
        ("signage.core.model", "ImageBody"),
        ("signage.core.model", "PdfBody"),
        ("signage.core.model", "Slide"),
        ("signage.core.model", "Glyphs"),
        ("signage.core.model", "Line"),
        ("signage.core.model", "Page"),
        ("signage.core.model", "TimeWindow"),
        ("signage.core.model", "PlaylistItem"),
        ("signage.core.model", "Playlist"),
        ("signage.core.config", "Theme"),
        ("signage.core.config", "DisplayWindow"),
        ("signage.workers.jobs", "Failure"),
        ("signage.workers.jobs", "Pixels"),
        ("signage.workers.jobs", "PlaylistResult"),
        ("signage.workers.jobs", "SettingsResult"),
        ("signage.workers.jobs", "Ready"),
    }
)
"""(module, name) of every class a result may contain. A new result type is added here."""


class WireError(Exception):
    """The other side closed the pipe, sent a frame over the limit, or sent a bad value."""


class _ResultUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in RESULT_CLASSES:
            raise WireError(f"a worker sent a value of type {module}.{name}, which is not allowed")
        return super().find_class(module, name)


def _zone(zone: zoneinfo.ZoneInfo) -> tuple[Callable[[str], zoneinfo.ZoneInfo], tuple[str]]:
    # By key, not by ZoneInfo's own reduction (which goes through builtins.getattr, a
    # function no result may name).
    return zoneinfo.ZoneInfo, (zone.key,)


_DISPATCH = copyreg.dispatch_table.copy()
_DISPATCH[zoneinfo.ZoneInfo] = _zone


def dumps(value: Any) -> bytes:
    out = io.BytesIO()
    pickler = pickle.Pickler(out, protocol=5)
    pickler.dispatch_table = _DISPATCH
    pickler.dump(value)
    return out.getvalue()


def loads_result(data: bytes) -> Any:
    """A worker's result, built only from the classes in RESULT_CLASSES."""
    try:
        return _ResultUnpickler(io.BytesIO(data)).load()
    except WireError:
        raise
    except Exception as err:  # any malformed pickle is one thing: a broken worker
        raise WireError(f"a worker sent an unreadable result ({type(err).__name__})") from None


def loads_request(data: bytes) -> Any:
    """A request from the player (trusted): any of our values."""
    return pickle.loads(data)


def write_frame(stream: BinaryIO, payload: bytes) -> None:
    stream.write(HEADER.pack(len(payload)))
    stream.write(payload)
    stream.flush()


def read_exact(stream: BinaryIO, n: int) -> bytes:
    chunks: list[bytes] = []
    left = n
    while left > 0:
        chunk = stream.read(min(left, 1 << 20))
        if not chunk:
            raise WireError("the other side closed the pipe")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_frame(stream: BinaryIO, max_bytes: int) -> bytes:
    """One frame's payload; WireError if the pipe closes or the frame is over `max_bytes`."""
    (length,) = HEADER.unpack(read_exact(stream, HEADER.size))
    if length > max_bytes:
        raise WireError(f"a frame of {length} bytes is over the limit of {max_bytes}")
    return read_exact(stream, length)
