"""Time to the first page of a 50-page PDF and a 20-page .docx at 1080p, and peak memory.

Each case runs in its own subprocess so that its peak resident memory (ru_maxrss) is its
own. Run from the repository root:

    /tmp/probe-venv/bin/python bench/bench_office.py [--size 1920x1080]

The .doc case (only with LibreOffice installed) times the conversion, cold and cached;
its memory figure is the Python process only (soffice runs in a child). The .docx case stops
at the Document (read + structure); if `signage.typeset.layout` exists with a
`layout_slide` function it is timed too, otherwise that is reported as missing.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PDF_PAGES = 50
DOCX_PAGES = 20


def make_pdf(pages: int) -> bytes:
    """A text PDF: each A4 page has 40 lines of Helvetica and a few filled boxes."""
    from tests.office_fixtures import pdf_from_objects

    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(pages)), pages),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i in range(pages):
        ops = [b"0.8 0.1 0.1 rg 40 780 515 30 re f 0 0 0 rg BT /F1 11 Tf 50 740 Td 14 TL"]
        for line in range(40):
            text = b"Page %d line %d: the quick brown fox jumps over the lazy dog." % (i + 1, line)
            ops.append(b"(" + text + b") '")
        ops.append(b"ET")
        stream = b" ".join(ops)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (5 + 2 * i)
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    return pdf_from_objects(objects)


def make_docx(pages: int) -> bytes:
    """About `pages` A4 pages of a Chinese policy document: headings, paragraphs, a table."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    d = docx.Document()
    title = d.add_paragraph("关于印发《某某镇基层治理工作实施方案》的通知")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sentence = (
        "各村（社区）要坚持以人民为中心，完善网格化管理，做实为民服务，确保各项任务落到实处。"
    )
    numerals = "一二三四五六七八九十"
    for page in range(pages):
        d.add_paragraph(f"{numerals[page % 10]}、第{page + 1}部分工作要求")
        for sub in range(3):
            d.add_paragraph(f"（{numerals[sub]}）具体措施")
            d.add_paragraph(sentence * 3)
        if page % 5 == 4:
            table = d.add_table(rows=6, cols=3)
            for r, row in enumerate(table.rows):
                for c, cell in enumerate(row.cells):
                    cell.text = f"第{r}行第{c}列"
    d.add_paragraph("某某镇人民政府").alignment = WD_ALIGN_PARAGRAPH.RIGHT
    d.add_paragraph("2026年12月1日").alignment = WD_ALIGN_PARAGRAPH.RIGHT
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_case(case: str, size: tuple[int, int]) -> dict[str, Any]:
    from signage.core.config import Settings

    settings = Settings()
    result: dict[str, Any] = {"case": case}
    if case == "pdf":
        from signage.formats.pdf import read_pdf_slide, render_pdf_page

        data = make_pdf(PDF_PAGES)
        result["file_kb"] = len(data) // 1024
        base = _rss_mb()
        t0 = time.perf_counter()
        slide = read_pdf_slide("slides/bench.pdf", data, settings)
        t1 = time.perf_counter()
        image = render_pdf_page(data, 0, size)
        t2 = time.perf_counter()
        for index in range(1, PDF_PAGES):
            render_pdf_page(data, index, size)
        t3 = time.perf_counter()
        result.update(
            pages=slide.body.page_count,  # type: ignore[union-attr]
            read_ms=round((t1 - t0) * 1000, 1),
            first_page_render_ms=round((t2 - t1) * 1000, 1),
            first_page_total_ms=round((t2 - t0) * 1000, 1),
            other_pages_mean_render_ms=round((t3 - t2) * 1000 / (PDF_PAGES - 1), 1),
            image_size=list(image.size),
            baseline_rss_mb=round(base, 1),
            peak_rss_mb=round(_rss_mb(), 1),
        )
    elif case == "docx":
        from signage.formats.word import read_docx_slide

        data = make_docx(DOCX_PAGES)
        result["file_kb"] = len(data) // 1024
        base = _rss_mb()
        t0 = time.perf_counter()
        slide = read_docx_slide("slides/bench.docx", data, settings)
        t1 = time.perf_counter()
        blocks = slide.body.blocks  # type: ignore[union-attr]
        result.update(
            kind=slide.kind,
            blocks=len(blocks),
            chars=sum(len(b.text) for b in blocks),
            read_to_document_ms=round((t1 - t0) * 1000, 1),
        )
        os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
        os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
        import pygame

        from signage.core.model import PlannedItem
        from signage.render.page import render_page
        from signage.typeset.fonts import FontBook
        from signage.typeset.paginate import pages_for

        pygame.display.init()
        fonts = FontBook.from_settings(settings.fonts)
        t2 = time.perf_counter()
        pages = pages_for(PlannedItem(slide), size, fonts, settings, datetime.now().astimezone())
        t3 = time.perf_counter()
        render_page(pages[0], size, fonts, settings.theme, lambda rel: data)
        t4 = time.perf_counter()
        result.update(
            layout_ms=round((t3 - t2) * 1000, 1),
            layout_pages=len(pages),
            render_first_page_ms=round((t4 - t3) * 1000, 1),
            first_page_total_ms=round(((t1 - t0) + (t4 - t2)) * 1000, 1),
        )
        result.update(baseline_rss_mb=round(base, 1), peak_rss_mb=round(_rss_mb(), 1))
    elif case == "doc":
        import tempfile

        from signage.formats.office import find_soffice, read_office_slide

        program = find_soffice()
        if program is None:
            return {"case": case, "skipped": "LibreOffice is not installed"}
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            (work / "bench.docx").write_bytes(make_docx(DOCX_PAGES))
            subprocess.run(
                [
                    program,
                    "--headless",
                    f"-env:UserInstallation={(work / 'p').as_uri()}",
                    "--convert-to",
                    "doc",
                    "--outdir",
                    str(work),
                    str(work / "bench.docx"),
                ],
                check=True,
                capture_output=True,
                timeout=300,
            )
            state = Settings(state_dir=work / "state")
            base = _rss_mb()
            t0 = time.perf_counter()
            slide = read_office_slide("slides/bench.doc", (work / "bench.doc").read_bytes(), state)
            t1 = time.perf_counter()
            read_office_slide("slides/bench.doc", (work / "bench.doc").read_bytes(), state)
            t2 = time.perf_counter()
        result.update(
            kind=slide.kind,
            first_read_with_conversion_ms=round((t1 - t0) * 1000, 1),
            cached_read_ms=round((t2 - t1) * 1000, 1),
            baseline_rss_mb=round(base, 1),
            peak_rss_mb_python_only=round(_rss_mb(), 1),
        )
    else:
        raise SystemExit(f"unknown case {case!r}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    w, h = (int(v) for v in args.size.lower().split("x"))
    if args.case:
        print(json.dumps(run_case(args.case, (w, h)), ensure_ascii=False))
        return 0
    for case in ("pdf", "docx", "doc"):
        done = subprocess.run(
            [sys.executable, __file__, "--case", case, "--size", args.size],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            print(f"{case}: failed\n{done.stderr}")
            return 1
        result = json.loads(done.stdout)
        print(f"{case} at {w}x{h}:")
        for key, value in result.items():
            if key != "case":
                print(f"  {key}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
