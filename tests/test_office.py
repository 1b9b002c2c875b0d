"""Office formats through LibreOffice: a stand-in soffice for the wrapper, the real one if any."""

from __future__ import annotations

import ast
import hashlib
import io
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import docx
import pytest

from signage.core.config import Settings
from signage.core.model import ContentError, Document, PdfBody
from signage.formats import office
from signage.formats.office import (
    cache_dir,
    convert,
    find_soffice,
    office_converted,
    read_office_slide,
    target_for,
)
from tests.office_fixtures import odt_with_linked_image, text_pdf

# A stand-in for soffice: records how it was called, then behaves as FAKE_SOFFICE_MODE says.
FAKE_SOFFICE = """#!{python}
import os, sys, time, shutil, subprocess
args = sys.argv[1:]
log = os.environ["FAKE_SOFFICE_LOG"]
with open(log, "a", encoding="utf-8") as fh:
    fh.write(repr(args) + "\\n")
profile = [a for a in args if a.startswith("-env:UserInstallation=file://")][0]
profile_dir = profile.split("file://", 1)[1]
assert os.path.isfile(os.path.join(profile_dir, "user", "registrymodifications.xcu"))
mode = os.environ.get("FAKE_SOFFICE_MODE", "copy")
target = args[args.index("--convert-to") + 1]
outdir = args[args.index("--outdir") + 1]
source = args[-1]
if mode == "copy":
    shutil.copy(os.environ["FAKE_SOFFICE_RESULT"], os.path.join(outdir, "source." + target))
elif mode == "fail":
    sys.stderr.write("Error: source file could not be loaded\\n")
    sys.exit(1)
elif mode == "hang":
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    with open(os.environ["FAKE_SOFFICE_CHILD"], "w") as fh:
        fh.write(str(child.pid))
    time.sleep(120)
"""


def _fake_soffice(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    program = directory / "soffice"
    program.write_text(FAKE_SOFFICE.format(python=sys.executable), "utf-8")
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    return program


def _docx_bytes() -> bytes:
    d = docx.Document()
    d.add_paragraph("转换后的通知")
    d.add_paragraph("正文。")
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """PATH holds only the fake soffice; returns the log file it appends to."""
    bin_dir = tmp_path / "bin"
    _fake_soffice(bin_dir)
    log = tmp_path / "soffice.log"
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("FAKE_SOFFICE_LOG", str(log))
    return log


def _content(tmp_path: Path, name: str, data: bytes) -> tuple[Path, Path]:
    root = tmp_path / "content"
    path = root / "slides" / name
    path.parent.mkdir(parents=True)
    path.write_bytes(data)
    return root, path


def _snapshot(root: Path) -> dict[str, tuple[int, float]]:
    return {
        str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime) for p in root.rglob("*")
    }


def test_not_installed_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert find_soffice() is None
    root, path = _content(tmp_path, "旧通知.doc", b"\xd0\xcf\x11\xe0 old word file")
    settings = Settings(content=root, state_dir=tmp_path / "state")
    with pytest.raises(ContentError) as err:
        read_office_slide("slides/旧通知.doc", path.read_bytes(), settings)
    assert err.value.code == "needs-libreoffice"
    assert "LibreOffice" in err.value.message
    assert "libreoffice-writer-nogui" in err.value.message
    assert ".docx" in err.value.message


def test_writer_file_is_converted_to_docx_and_typeset(
    tmp_path: Path, fake: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = tmp_path / "result.docx"
    result.write_bytes(_docx_bytes())
    monkeypatch.setenv("FAKE_SOFFICE_RESULT", str(result))
    source = b"\xd0\xcf\x11\xe0 pretend .doc bytes"
    root, path = _content(tmp_path, "-通知 (1).doc", source)
    before = _snapshot(root)
    settings = Settings(content=root, state_dir=tmp_path / "state")

    slide = read_office_slide("slides/-通知 (1).doc", path.read_bytes(), settings)

    assert slide.kind == "notice"
    assert isinstance(slide.body, Document)
    assert [b.text for b in slide.body.blocks] == ["转换后的通知", "正文。"]
    assert slide.path == "slides/-通知 (1).doc"
    assert slide.warnings[0] == "converted from .doc by LibreOffice"

    assert slide.digest == hashlib.sha256(source).hexdigest()
    assert _snapshot(root) == before  # nothing written in the content folder
    calls = fake.read_text("utf-8").splitlines()
    assert len(calls) == 1
    args = ast.literal_eval(calls[0])  # the stand-in wrote repr(list of str)
    assert args[args.index("--convert-to") + 1] == "docx"
    assert args[-1].endswith("/source.doc")  # a copy with a plain name, not the staff's file
    assert not args[-1].startswith(str(root))
    assert "--headless" in args
    cached = list((tmp_path / "state" / "office-cache").iterdir())
    assert [p.name for p in cached] == [f"{slide.digest}.docx"]

    # The same version again comes from the cache: LibreOffice does not run.
    again = read_office_slide("slides/-通知 (1).doc", path.read_bytes(), settings)
    assert again == slide
    assert len(fake.read_text("utf-8").splitlines()) == 1
    assert office_converted(path.name, path.read_bytes(), settings) == ("docx", result.read_bytes())


def test_presentation_is_converted_to_pdf_pages(
    tmp_path: Path, fake: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = tmp_path / "result.pdf"
    result.write_bytes(text_pdf(["Slide one", "Slide two"], size=(960, 540)))
    monkeypatch.setenv("FAKE_SOFFICE_RESULT", str(result))
    root, path = _content(tmp_path, "汇报.pptx", b"PK\x03\x04 pretend pptx")
    settings = Settings(content=root, state_dir=tmp_path / "state")
    slide = read_office_slide("slides/汇报.pptx", path.read_bytes(), settings)
    assert slide.kind == "pdf"
    assert isinstance(slide.body, PdfBody)
    assert slide.body.page_texts == ("Slide one", "Slide two")
    kind, data = office_converted(path.name, path.read_bytes(), settings)
    assert kind == "pdf" and data == result.read_bytes()


def test_failed_conversion_is_reported_and_remembered(
    tmp_path: Path, fake: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_SOFFICE_MODE", "fail")
    settings = Settings(state_dir=tmp_path / "state")
    env = dict(os.environ)
    with pytest.raises(ContentError) as err:
        convert(b"broken", ".doc", "docx", settings, environ=env)
    assert err.value.code == "conversion-failed"
    assert "could not be loaded" in err.value.message
    with pytest.raises(ContentError) as err:
        convert(b"broken", ".doc", "docx", settings, environ=env)
    assert err.value.code == "conversion-failed"
    assert len(fake.read_text("utf-8").splitlines()) == 1  # not run again
    later = time.time() + office.FAILURE_MEMORY_S + 1
    with pytest.raises(ContentError):
        convert(b"broken", ".doc", "docx", settings, environ=env, clock=lambda: later)
    assert len(fake.read_text("utf-8").splitlines()) == 2  # retried after a while


def test_hanging_conversion_is_killed_with_its_children(
    tmp_path: Path, fake: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_SOFFICE_MODE", "hang")
    child_file = tmp_path / "child.pid"
    monkeypatch.setenv("FAKE_SOFFICE_CHILD", str(child_file))
    settings = Settings(state_dir=tmp_path / "state")
    started = time.monotonic()
    with pytest.raises(ContentError) as err:
        convert(b"slow", ".odt", "docx", settings, timeout_s=2)
    assert time.monotonic() - started < 15
    assert err.value.code == "conversion-failed"
    assert "longer than 2 s" in err.value.message
    child = int(child_file.read_text())
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _alive(child):
        time.sleep(0.05)
    assert not _alive(child)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_cache_dir_choice(tmp_path: Path) -> None:
    assert cache_dir(Settings(state_dir=tmp_path)) == tmp_path / "office-cache"
    assert cache_dir(Settings(), {"XDG_CACHE_HOME": "/c"}) == Path("/c/signage/office")
    assert cache_dir(Settings(), {"HOME": "/home/x"}) == Path("/home/x/.cache/signage/office")


def test_targets() -> None:
    assert [target_for(e) for e in (".doc", ".WPS", ".rtf", ".odt")] == ["docx"] * 4
    assert [target_for(e) for e in (".pptx", ".ppt", ".odp")] == ["pdf"] * 3


def test_cache_is_pruned_oldest_first(tmp_path: Path) -> None:
    for i, name in enumerate(["a", "b", "c"]):
        p = tmp_path / name
        p.write_bytes(b"x" * 100)
        os.utime(p, (1000 + i, 1000 + i))
    office._prune(tmp_path, 250)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b", "c"]


@pytest.mark.slow
@pytest.mark.skipif(find_soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_real_libreoffice_converts_rtf(tmp_path: Path) -> None:
    rtf = (
        rb"{\rtf1\ansi\deff0{\fonttbl{\f0 Arial;}}"
        rb"\pard\qc \u20851?\u20110?\u36890?\u30693?\par"  # 关于通知, centred
        rb"\pard Body text of the notice.\par}"
    )
    root, path = _content(tmp_path, "notice.rtf", rtf)
    slide = read_office_slide(
        "slides/notice.rtf", path.read_bytes(), Settings(content=root, state_dir=tmp_path / "state")
    )
    assert isinstance(slide.body, Document)
    texts = [b.text for b in slide.body.blocks]
    assert texts == ["关于通知", "Body text of the notice."]
    assert slide.body.blocks[0].role == "title"


def _soffice_convert(source: Path, target: str, *extra: str) -> Path:
    """Make a test input with LibreOffice itself (a .doc or .pptx cannot be written otherwise)."""
    program = find_soffice()
    assert program is not None
    profile = (source.parent / "maker-profile").as_uri()
    subprocess.run(
        [
            program,
            "--headless",
            f"-env:UserInstallation={profile}",
            *extra,
            "--convert-to",
            target,
            "--outdir",
            str(source.parent),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return source.with_suffix("." + target)


@pytest.mark.slow
@pytest.mark.skipif(find_soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_real_libreoffice_reads_doc_like_the_docx(tmp_path: Path) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    from signage.formats.word import read_docx_slide

    d = docx.Document()
    d.add_paragraph("关于停水的通知").alignment = WD_ALIGN_PARAGRAPH.CENTER
    d.add_paragraph("一、停水时间")
    d.add_paragraph("12月3日8:00至18:00。")
    d.add_paragraph("某某社区居委会").alignment = WD_ALIGN_PARAGRAPH.RIGHT
    d.add_paragraph("2026年12月1日").alignment = WD_ALIGN_PARAGRAPH.RIGHT
    work = tmp_path / "make"
    work.mkdir()
    source = work / "n.docx"
    d.save(str(source))
    doc = _soffice_convert(source, "doc")
    _root, path = _content(tmp_path, "停水.doc", doc.read_bytes())
    slide = read_office_slide(
        "slides/停水.doc", path.read_bytes(), Settings(state_dir=tmp_path / "state")
    )
    direct = read_docx_slide("slides/n.docx", source.read_bytes(), Settings())
    assert isinstance(slide.body, Document) and isinstance(direct.body, Document)
    assert [(b.role, b.text, b.level) for b in slide.body.blocks] == [
        (b.role, b.text, b.level) for b in direct.body.blocks
    ]


@pytest.mark.slow
@pytest.mark.skipif(find_soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_real_libreoffice_shows_pptx_as_pdf_pages(tmp_path: Path) -> None:
    work = tmp_path / "make"
    work.mkdir()
    source = work / "deck.pdf"
    source.write_bytes(text_pdf(["Slide A", "Slide B"], size=(960, 540)))
    pptx = _soffice_convert(source, "pptx", "--infilter=impress_pdf_import")
    _root, path = _content(tmp_path, "deck.pptx", pptx.read_bytes())
    settings = Settings(state_dir=tmp_path / "state")
    slide = read_office_slide("slides/deck.pptx", path.read_bytes(), settings)
    assert slide.kind == "pdf"
    assert isinstance(slide.body, PdfBody)
    assert slide.body.page_texts == ("Slide A", "Slide B")
    kind, data = office_converted(path.name, path.read_bytes(), settings)
    assert kind == "pdf" and data.startswith(b"%PDF")


@pytest.mark.slow
@pytest.mark.skipif(find_soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_real_libreoffice_does_not_fetch_linked_pictures(tmp_path: Path) -> None:
    """The private profile blocks linked content. (Checked by hand: with an empty profile
    LibreOffice 7.4 does request the picture, so this test can fail.)"""
    import http.server
    import threading

    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/leak.png"
        converted = convert(
            odt_with_linked_image(url), ".odt", "docx", Settings(state_dir=tmp_path / "state")
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
    assert converted.startswith(b"PK")
    assert requests == []


def test_password_protected_files_are_refused_without_running_libreoffice(
    tmp_path: Path, fake: Path
) -> None:
    import zipfile

    from signage.formats.word import OLE_MAGIC

    ooxml = OLE_MAGIC + b"\0" * 100 + "EncryptedPackage".encode("utf-16-le")
    odf = io.BytesIO()
    with zipfile.ZipFile(odf, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        z.writestr(
            "META-INF/manifest.xml",
            '<manifest:file-entry manifest:full-path="content.xml">'
            "<manifest:encryption-data/></manifest:file-entry>",
        )
    settings = Settings(state_dir=tmp_path / "state")
    for data, ext in ((ooxml, ".pptx"), (odf.getvalue(), ".odt")):
        with pytest.raises(ContentError) as err:
            convert(data, ext, target_for(ext), settings)
        assert err.value.code == "encrypted-document"
    assert not fake.exists()  # the stand-in never ran
