"""A fuzzer for the readers: random and mutated files, each read once; only a Slide or a
ContentError with a code may come out.

`fuzz(read, root, seconds=…)` takes the "read this file" callable (today
`formats.registry.read_slide` with settings bound; later the player's worker boundary), so
the same harness drives either. Inputs are valid seed files of every format, mutated at the
byte level (bit flips, interesting bytes, insertions, deletions, duplicated ranges, huge
numbers, tokens of the format's own syntax, splices of two seeds) or, for .docx, inside one
XML part of the zip (repacked honestly, so the mutation reaches the XML rather than only the
zip's checksums), plus plain random bytes under every extension. Before each read the input
is written to `last_input` (when given), so a crash of the whole process still says which
file did it.
"""

from __future__ import annotations

import io
import random
import time
import traceback
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from signage.core.model import ContentError, Slide

Read = Callable[[Path, str], object]
"""Reads root/rel into a Slide, or raises ContentError."""

MAX_MESSAGE = 600
SLOW_S = 8.0

_TOKENS: Mapping[str, tuple[bytes, ...]] = {
    ".yaml": (b"&a ", b"*a", b"[", b"]", b"{", b"}", b"- ", b": ", b"---\n", b"!!binary ",
              b"<<: *a\n", b"? ", b"|\n", b"\t", b"'", b'"', b"\xef\xbc\x9a", b"9" * 400),
    ".txt": (b"---\n", b"title: ", b"\xe4\xb8\x80\xe3\x80\x81", b"\r\n", b"\xe2\x80\xae",
             b"\x00", b"\xed\xa0\x80", b"\xcc\x81" * 50, b" " * 500, b"\xff\xfe", b"#" * 7),
    ".md": (b"# ", b"**", b"__", b"- ", b"1. ", b"---\n", b" " * 500, b"\n" * 50, b"#" * 7),
    ".pdf": (b"<<", b">>", b" 0 R", b"stream\n", b"endstream", b"/FlateDecode", b"[", b"(",
             b"BT", b" Tf", b"q ", b"Q ", b"/Type /Pages", b"/Count 99999999", b"obj", b"xref"),
    ".xml": (b"<w:p>", b"</w:p>", b"<w:r>", b"<w:t>", b"</w:t>", b"<w:tbl>", b"<!DOCTYPE x>",
             b"&amp;", b"&#0;", b'r:embed="rId9"', b"<w:sdt><w:sdtContent>", b'w:val="99999"',
             b"<w:numPr>", b'xmlns:w="x"', b"\xe4\xb8\x80\xe3\x80\x81"),
    ".img": (b"\xff\xd8", b"\xff\xc2", b"\xff\xda", b"IDAT", b"IEND", b"\x00\x00\xff\xff",
             b"GIF89a", b"VP8L", b"\xff" * 8),
}  # fmt: skip
_INTERESTING = (0x00, 0x01, 0x7F, 0x80, 0xFF, 0x0A, 0x3C, 0x5B, 0x7B, 0x26, 0x2A, 0x30, 0x39)


@dataclass
class FuzzReport:
    runs: dict[str, int] = field(default_factory=dict)
    """Reads per extension."""
    outcomes: dict[str, int] = field(default_factory=dict)
    """"slide" or the ContentError code, and how often."""
    failures: list[tuple[str, str, bytes]] = field(default_factory=list)
    """(file, what went wrong, the input) for every read that broke the rules."""


def seed_files() -> dict[str, bytes]:
    """One valid file of each kind the readers take, small, with the features that reach
    the most code: front matter, headings, a signature; a docx with a table, a list, a
    picture and bold; a PDF with plain (unfiltered) content streams; photos with EXIF."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from PIL import Image

    from tests.office_fixtures import text_pdf

    notice = (
        "---\ntitle: 关于停水的通知\nshow_from: 2026-12-01\nduration: 20\n---\n"
        "各位居民：\n\n因管道检修，12月3日（星期四）上午9:00至下午5:00停水。\n\n"
        "一、停水范围\n（一）青山镇东区\n1. 请提前储水\n\n联系电话：0471-1234567\n\n"
        "青山镇人民政府\n2026年12月1日\n"
    )
    markdown = (
        "# 办事指南\n\n各位居民：\n\n## 一、社保\n\n- **身份证**\n- 户口本\n\n1. 取号\n"
        "2. 办理\n\n---\n\n青山镇便民服务中心\n2026年12月1日\n"
    )
    meeting = (
        "kind: meeting\n标题：冬季防火部署会\n时间: 2026年12月3日（星期四）下午2:30\n"
        "结束时间: 16:30\n地点: 三楼会议室\nhost: &h 李镇长\nattendees: [各村书记, *h]\n"
        "agenda:\n  - 通报情况\n  - 部署工作\nnotes: 请提前到场。\nduration: 30\n"
    )
    d = docx.Document()
    d.add_paragraph("关于开展安全检查的通知").alignment = WD_ALIGN_PARAGRAPH.CENTER
    d.add_paragraph("各村（社区）：")
    p = d.add_paragraph("请各单位")
    p.add_run("高度重视").bold = True
    d.add_paragraph("一、检查时间", style="List Number")
    table = d.add_table(rows=2, cols=3)
    for i, cell in enumerate(table._cells):
        cell.text = f"单元{i}"
    png = io.BytesIO()
    Image.new("RGB", (24, 16), (200, 0, 0)).save(png, "PNG")
    d.add_picture(io.BytesIO(png.getvalue()))
    d.add_paragraph("青山镇人民政府").alignment = WD_ALIGN_PARAGRAPH.RIGHT
    d.add_paragraph("2026年12月1日").alignment = WD_ALIGN_PARAGRAPH.RIGHT
    word = io.BytesIO()
    d.save(word)

    def image(fmt: str, mode: str = "RGB", **save: object) -> bytes:
        out = io.BytesIO()
        im = Image.new(mode, (48, 32), (10, 120, 200) if mode == "RGB" else (10, 120, 200, 128))
        if fmt == "JPEG":
            exif = Image.Exif()
            exif[0x0112] = 6
            save["exif"] = exif
        im.save(out, fmt, **save)
        return out.getvalue()

    return {
        "slides/fuzz/notice.txt": notice.encode(),
        "slides/fuzz/gbk.txt": notice.replace("\n", "\r\n").encode("gbk"),
        "slides/fuzz/guide.md": markdown.encode(),
        "slides/fuzz/meeting.yaml": meeting.encode(),
        "slides/fuzz/report.docx": word.getvalue(),
        "slides/fuzz/report.pdf": text_pdf(["Notice page one", "Page two (2)"]),
        "slides/fuzz/photo.jpg": image("JPEG"),
        "slides/fuzz/progressive.jpg": image("JPEG", progressive=True),
        "slides/fuzz/photo.png": image("PNG", "RGBA"),
        "slides/fuzz/photo.webp": image("WEBP"),
        "slides/fuzz/photo.bmp": image("BMP"),
        "slides/fuzz/anim.gif": image(
            "GIF", save_all=True, append_images=[Image.new("RGB", (48, 32))]
        ),
    }


def _tokens(rel: str) -> tuple[bytes, ...]:
    ext = rel[rel.rfind(".") :]
    if ext in (".jpg", ".png", ".webp", ".bmp", ".gif"):
        return _TOKENS[".img"]
    return _TOKENS.get(ext, _TOKENS[".txt"])


def mutate_bytes(data: bytes, rng: random.Random, tokens: tuple[bytes, ...]) -> bytes:
    """One to four byte-level mutations of `data`."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        if not out:
            out += rng.randbytes(rng.randint(1, 64))
            continue
        at = rng.randrange(len(out))
        choice = rng.randrange(9)
        if choice == 0:
            for _ in range(rng.randint(1, 8)):
                i = rng.randrange(len(out))
                out[i] ^= 1 << rng.randrange(8)
        elif choice == 1:
            out[at] = rng.choice(_INTERESTING)
        elif choice == 2:
            out[at:at] = rng.randbytes(rng.randint(1, 64))
        elif choice == 3:
            del out[at : at + rng.randint(1, 256)]
        elif choice == 4:
            end = min(len(out), at + rng.randint(1, 2048))
            piece = bytes(out[at:end])
            where = rng.randrange(len(out) + 1)
            out[where:where] = piece * rng.randint(1, 16)
        elif choice == 5:
            del out[at:]
        elif choice == 6:
            digits = next(
                (i for i in range(at, min(len(out), at + 4096)) if 48 <= out[i] <= 57), None
            )
            if digits is not None:
                end = digits
                while end < len(out) and 48 <= out[end] <= 57:
                    end += 1
                out[digits:end] = rng.choice([b"0", b"-1", b"4294967296", b"9" * 40])
        else:
            token = rng.choice(tokens)
            out[at:at] = token * (1 if rng.random() < 0.8 else rng.randint(2, 200))
    return bytes(out)


def mutate_docx(data: bytes, rng: random.Random) -> bytes:
    """A mutation inside one XML part of a .docx, repacked as a valid zip."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as src:
            parts = {info.filename: src.read(info) for info in src.infolist()}
    except (zipfile.BadZipFile, OSError, ValueError):
        return mutate_bytes(data, rng, _TOKENS[".xml"])
    xml = [n for n in parts if n.endswith((".xml", ".rels"))]
    target = (
        "word/document.xml"
        if "word/document.xml" in parts and rng.random() < 0.6
        else rng.choice(xml)
    )
    parts[target] = mutate_bytes(parts[target], rng, _TOKENS[".xml"])
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, body in parts.items():
            dst.writestr(name, body)
    return out.getvalue()


def fuzz(
    read: Read,
    root: Path,
    *,
    seconds: float,
    seed: int = 0,
    seeds: Mapping[str, bytes] | None = None,
    last_input: Path | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> FuzzReport:
    """Read mutated and random files under `root` for `seconds`; every read must give a
    Slide or a ContentError with a code and a short message, within SLOW_S."""
    rng = random.Random(seed)
    corpus = dict(seeds if seeds is not None else seed_files())
    names = sorted(corpus)
    report = FuzzReport()
    deadline = clock() + seconds
    turn = 0
    while clock() < deadline:
        rel = names[turn % len(names)]
        turn += 1
        original = corpus[rel]
        roll = rng.random()
        if roll < 0.05:
            data = rng.randbytes(rng.randint(0, 4096))
        elif rel.endswith(".docx") and roll < 0.6:
            data = mutate_docx(original, rng)
        elif roll < 0.12:
            other = corpus[
                rng.choice([n for n in names if n.rsplit(".", 1)[-1] == rel.rsplit(".", 1)[-1]])
            ]
            cut = rng.randrange(len(original) + 1)
            data = original[:cut] + other[rng.randrange(len(other) + 1) :]
        else:
            data = mutate_bytes(original, rng, _tokens(rel))
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        if last_input is not None:
            last_input.write_bytes(rel.encode() + b"\n" + data)
        ext = rel[rel.rfind(".") :]
        report.runs[ext] = report.runs.get(ext, 0) + 1
        started = clock()
        try:
            result = read(root, rel)
        except ContentError as err:
            outcome = err.code
            if not err.code or len(err.message) > MAX_MESSAGE:
                report.failures.append(
                    (rel, f"ContentError without a code or too long: {err.message[:300]}", data)
                )
        except Exception:
            report.failures.append((rel, traceback.format_exc(limit=8), data))
            continue
        else:
            outcome = "slide"
            if not isinstance(result, Slide):
                report.failures.append((rel, f"returned {type(result).__name__}", data))
        if clock() - started > SLOW_S:
            report.failures.append((rel, f"took {clock() - started:.1f} s", data))
        report.outcomes[outcome] = report.outcomes.get(outcome, 0) + 1
    return report
