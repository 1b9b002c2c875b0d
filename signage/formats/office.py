"""Other office formats (.doc .wps .rtf .odt, .pptx .ppt .odp) through LibreOffice, if installed.

Word-processor files are converted to .docx and typeset by `word`, like a Word
notice: an A4 page shrunk onto a landscape screen would put the body text at about 20 px,
a third of the size a lobby visitor can read. Presentations are converted to PDF and shown
page by page, as their slides are already designed for a screen.

The conversion runs `soffice --headless --convert-to` in a subprocess:
- on a copy of the file in a private temporary directory, named `source.<ext>`, so nothing is
  ever written in the content folder and no file name reaches the command line;
- with a fresh private LibreOffice profile whose settings switch macros off and block
  content linked from outside the document (no network fetches, no local files read);
- in its own process group, killed entirely when it exceeds the time limit;
- once per version of a file: the result is kept in a cache directory under the name of the
  source's SHA-256 (`settings.state_dir/office-cache`, else `$XDG_CACHE_HOME/signage/office`
  or `~/.cache/signage/office`), bounded in size; a failed conversion is remembered for a
  while too, so a broken file does not start LibreOffice on every rescan.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Literal

from signage.core.config import Settings
from signage.core.model import ContentError, Slide
from signage.core.paths import extension

Target = Literal["docx", "pdf"]

WRITER_EXTENSIONS = frozenset({".doc", ".wps", ".rtf", ".odt"})
PRESENTATION_EXTENSIONS = frozenset({".pptx", ".ppt", ".odp"})
CONVERT_TIME_LIMIT_S = 60.0
CACHE_MAX_BYTES = 500_000_000
FAILURE_MEMORY_S = 3600.0
"""A failed conversion is not retried for this long (a changed file is a new digest and is)."""
SOFFICE_NAMES = ("soffice", "libreoffice")

_PROFILE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Security/Scripting">
 <prop oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value></prop>
 <prop oor:name="DisableMacrosExecution" oor:op="fuse"><value>true</value></prop>
 <prop oor:name="BlockUntrustedRefererLinks" oor:op="fuse"><value>true</value></prop>
</item>
<item oor:path="/org.openoffice.Office.Writer/Content/Update">
 <prop oor:name="Link" oor:op="fuse"><value>0</value></prop>
</item>
<item oor:path="/org.openoffice.Office.Calc/Content/Update">
 <prop oor:name="Link" oor:op="fuse"><value>0</value></prop>
</item>
</oor:items>
"""
"""Written into each private profile: macros never run, linked content is never fetched,
links are never updated (0 = never)."""


def find_soffice(path: str | None = None) -> str | None:
    """The LibreOffice program on PATH (or on `path`), or None if it is not installed."""
    for name in SOFFICE_NAMES:
        found = shutil.which(name, path=path)
        if found:
            return found
    return None


def target_for(ext: str) -> Target:
    """What a file with extension `ext` is converted to."""
    return "pdf" if ext.lower() in PRESENTATION_EXTENSIONS else "docx"


def cache_dir(settings: Settings, environ: Mapping[str, str] | None = None) -> Path:
    """Where converted files are kept (not created here)."""
    env = os.environ if environ is None else environ
    if settings.state_dir is not None:
        return settings.state_dir / "office-cache"
    base = env.get("XDG_CACHE_HOME") or str(Path(env.get("HOME") or "~").expanduser() / ".cache")
    return Path(base) / "signage" / "office"


def _needs_libreoffice(ext: str) -> ContentError:
    return ContentError(
        f"打开 {ext} 文件需要 LibreOffice：请安装（sudo apt install libreoffice-writer-nogui "
        f"libreoffice-impress-nogui），或在 WPS/Word 中另存为 .docx 或 .pdf。"
        f" (showing {ext} files needs LibreOffice, which is not installed; "
        f"or save the file as .docx or .pdf)",
        code="needs-libreoffice",
    )


def _check_not_encrypted(data: bytes) -> None:
    """Refuse password-protected files before LibreOffice is started for nothing.

    Office 2007+ files with a password are OLE containers holding an EncryptedPackage
    stream; OpenDocument files list encryption data in their manifest. (Old binary .doc
    encryption is only noticed by LibreOffice failing.)"""
    from signage.formats.word import OLE_MAGIC, check_zip_directory, inflate_member

    protected = data.startswith(OLE_MAGIC) and "EncryptedPackage".encode("utf-16-le") in data
    if not protected and data.startswith(b"PK"):
        import io
        import zipfile

        try:
            check_zip_directory(data)
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                info = archive.getinfo("META-INF/manifest.xml")
                # Inflated through a counter: a manifest that says 1 KB may inflate to 2 GB.
                protected = b"encryption-data" in inflate_member(archive, info, 10_000_000)
        except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError, ContentError):
            pass  # not OpenDocument, or damaged: LibreOffice will say
    if protected:
        raise ContentError(
            "the document is protected by a password; save a copy without a password",
            code="encrypted-document",
        )


def convert(
    data: bytes,
    ext: str,
    target: Target,
    settings: Settings,
    *,
    soffice: str | None = None,
    timeout_s: float = CONVERT_TIME_LIMIT_S,
    environ: Mapping[str, str] | None = None,
    clock: Callable[[], float] = time.time,
) -> bytes:
    """`data` (a file with extension `ext`) converted to `target`, from the cache if done before.

    `soffice` defaults to the one found on PATH; ContentError "needs-libreoffice" if there is
    none, "conversion-failed" if LibreOffice fails or exceeds `timeout_s`."""
    env = dict(os.environ if environ is None else environ)
    program = soffice or find_soffice(env.get("PATH"))
    digest = hashlib.sha256(data).hexdigest()
    directory = cache_dir(settings, env)
    result = directory / f"{digest}.{target}"
    failed = directory / f"{digest}.{target}.failed"
    if result.is_file():
        _touch(result)
        return result.read_bytes()
    if failed.is_file() and clock() - failed.stat().st_mtime < FAILURE_MEMORY_S:
        message = failed.read_text("utf-8", "replace").strip() or "the conversion failed"
        raise ContentError(message, code="conversion-failed")
    _check_not_encrypted(data)
    if program is None:
        raise _needs_libreoffice(ext)
    try:
        output = _run_soffice(program, data, ext, target, timeout_s, env)
    except ContentError as err:
        if err.code == "conversion-failed":
            _store(directory, failed.name, err.message.encode("utf-8"))
        raise
    _store(directory, result.name, output)
    _prune(directory, CACHE_MAX_BYTES)
    return output


def _run_soffice(
    program: str, data: bytes, ext: str, target: Target, timeout_s: float, env: dict[str, str]
) -> bytes:
    with tempfile.TemporaryDirectory(prefix="signage-office-") as tmp:
        work = Path(tmp)
        source = work / f"source{ext.lower()}"
        source.write_bytes(data)
        outdir = work / "out"
        outdir.mkdir()
        profile = work / "profile"
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(_PROFILE_SETTINGS, "utf-8")
        # LibreOffice writes caches under HOME; keep them in the temporary directory.
        env = {**env, "HOME": str(work), "SAL_USE_VCLPLUGIN": "svp"}
        command = [
            program,
            "--headless",
            "--invisible",
            "--norestore",
            "--nolockcheck",
            "--nologo",
            "--nodefault",
            f"-env:UserInstallation={profile.as_uri()}",
            "--convert-to",
            target,
            "--outdir",
            str(outdir),
            str(source),
        ]
        try:
            process = subprocess.Popen(
                command,
                cwd=work,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,  # its own process group, so a timeout kills it all
            )
        except OSError as err:
            raise ContentError(
                f"LibreOffice ({program}) could not be started: {err.strerror or err}",
                code="conversion-failed",
            ) from None
        try:
            _, stderr = process.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            raise ContentError(
                f"LibreOffice took longer than {timeout_s:g} s to convert the file; "
                "it may be damaged or very large",
                code="conversion-failed",
            ) from None
        finally:
            # soffice may leave helpers behind even after a normal exit
            _kill_group(process)
        produced = outdir / f"source.{target}"
        if process.returncode != 0 or not produced.is_file() or produced.stat().st_size == 0:
            detail = stderr.decode("utf-8", "replace").strip().splitlines()
            reason = f": {detail[-1][:200]}" if detail else ""
            raise ContentError(
                f"LibreOffice could not convert the file (exit status {process.returncode}"
                f"{reason}); it may be damaged or protected by a password",
                code="conversion-failed",
            )
        return produced.read_bytes()


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    if process.returncode is None:
        try:
            process.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            # Something that left the process group still holds the pipes: stop reading.
            for stream in (process.stdout, process.stderr):
                if stream is not None:
                    stream.close()
            process.wait(timeout=5)


def _store(directory: Path, name: str, data: bytes) -> None:
    """Write atomically; a cache that cannot be written only costs a conversion next time."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, directory / name)
        except OSError:
            Path(tmp).unlink(missing_ok=True)
    except OSError:
        pass


def _touch(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.utime(path)


def _prune(directory: Path, max_bytes: int) -> None:
    """Delete the least recently used results until the cache fits in max_bytes."""
    try:
        entries = [(p.stat().st_mtime, p.stat().st_size, p) for p in directory.iterdir()]
    except OSError:
        return
    total = sum(size for _, size, _ in entries)
    for _, size, path in sorted(entries, key=lambda e: e[0]):
        if total <= max_bytes:
            break
        try:
            path.unlink()
            total -= size
        except OSError:
            pass


def office_converted(rel: str, data: bytes, settings: Settings) -> tuple[Target, bytes]:
    """The converted bytes of an office file and what they are ("docx" or "pdf").

    For the page preparer: a presentation's PDF to render pages from, or a document's
    .docx to take pictures from (`docx_images`). Cached, so cheap after `read_office_slide`."""
    ext = extension(rel)
    target = target_for(ext)
    return target, convert(data, ext, target, settings)


def read_office_slide(rel: str, data: bytes, settings: Settings) -> Slide:
    """An office file as a slide: a typeset document (kind notice/document) for word-processor
    formats, a PDF slide (kind "pdf") for presentations. ContentError "needs-libreoffice"
    when LibreOffice is not installed (and the file was never converted before)."""
    ext = extension(rel)
    if ext not in WRITER_EXTENSIONS | PRESENTATION_EXTENSIONS:
        raise ContentError(
            f"files of type {ext or '(none)'} cannot be shown", code="unsupported-type"
        )
    target = target_for(ext)
    converted = convert(data, ext, target, settings)
    digest = hashlib.sha256(data).hexdigest()
    note = f"converted from {ext} by LibreOffice"
    if target == "pdf":
        from signage.formats.pdf import read_pdf_slide

        slide = read_pdf_slide(rel, converted, settings)
    else:
        from signage.formats.word import read_docx_slide

        slide = read_docx_slide(rel, converted, settings)
    # The digest names the source file's version (the play log and caches see the file).
    return dataclasses.replace(slide, digest=digest, warnings=(note, *slide.warnings))
