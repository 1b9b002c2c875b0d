"""The staff status page: 状态.txt, the status file told in plain Chinese.

Staff open it from the read-only status share when a file they dropped does not show. It
says what is on the screen now, what is in the rotation, and for every refused file what
went wrong and what to do, in words for someone who is not technical; the player's own
(English, technical) message follows for the administrator. `status_text` is a pure function
of the status mapping (DESIGN.md "Status file") and the time; `write_status_page` puts it,
and status.json, into the state dir — never into the content folder, which the player only
reads.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

STATUS_TEXT_NAME = "状态.txt"
STATUS_JSON_NAME = "status.json"
STALE_AFTER = timedelta(minutes=2)
"""The player rewrites the status at least every 10 s; older than this, it is not running."""

_WEEKDAYS = "一二三四五六日"
_CONTROL = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029]")

# What each Problem.code means for the person who copied the file, and what to do about it.
# "{line}" is filled with "第 N 行" (or nothing) when the problem has a line number.
REASONS: Mapping[str, str] = {
    "image-truncated": "图片只复制了一半，请重新复制一次。",
    "image-damaged": "图片文件已损坏，打不开。请从原来的地方重新复制；"
    "如果还不行，请用画图等软件打开后另存为 JPG 再复制。",
    "empty-file": "文件是空的（0 字节），请重新保存后再复制。",
    "not-text": "这不是文本文件（可能是别的文件改了扩展名）。请用 WPS 或记事本打开看看内容，"
    "另存为 .txt 或 .docx 后再复制。",
    "bad-encoding": "文件的文字编码认不出来，显示出来会是乱码。请用记事本打开，"
    "点“另存为”，编码选“UTF-8”后保存，再复制。",
    "yaml-syntax": "{line}格式有误（常见原因：冒号后面少了空格、前面的空格没有对齐、"
    "引号没有配对）。请对照《使用说明》修改。",
    "bad-value": "{line}有一项填写的内容不对（见下面的技术说明），请对照《使用说明》修改。",
    "bad-date": "{line}日期或时间的写法不对，请写成 2026-12-03 或 2026-12-03 14:30 这样的格式。",
    "unknown-key": "{line}有一项设置的名称写错了或不认识，请对照《使用说明》修改。",
    "missing-file": "播放列表里写的文件或文件夹找不到。请检查名字（包括扩展名）有没有写错，"
    "或者文件是不是已经删掉了。",
    "outside-root": "这里写的路径指向了共享文件夹以外的地方，出于安全原因不能播放。"
    "请只写 slides 文件夹里的文件或文件夹名。",
    "encrypted-document": "文档设置了打开密码，播放器打不开。请在 WPS/Word 里取消密码，"
    "另存一份后再复制。",
    "damaged-document": "文档已损坏或者只复制了一半，打不开。请用 WPS/Word 打开检查，"
    "重新保存后再复制。",
    "needs-libreoffice": "这种旧格式（如 .doc、.wps、.ppt）播放机上没有装转换软件，显示不了。"
    "请在 WPS/Word 里“另存为” .docx 或 PDF 后再复制。",
    "unsupported-type": "播放器不认识这种文件。能显示的有：照片（.jpg、.png 等）、"
    "文本（.txt）、Word 文档（.docx）、PDF 和会议通知（.yaml）。",
    "too-large": "文件太大，播放器不处理。照片请先缩小（宽度不超过 4000 像素就够了），"
    "很长的文档请拆成几个文件。",
    "decompression-bomb": "这张图片的像素尺寸大得不正常，为了不让播放机卡住，没有打开。"
    "请把图片缩小后再复制。",
    "permission-denied": "播放器没有权限读取这个文件。请联系管理员检查文件权限。",
    "root-missing": "找不到共享文件夹（可能是网络盘没有连上，或者文件夹被改名、删除了）。"
    "请联系管理员。",
    "not-a-slide": "这个文件不是可以播放的内容（例如 .yaml 文件里没有写“kind: meeting”，"
    "就不算会议通知）。如果它是会议通知，请在第一行写上 kind: meeting。",
}

_PLAYLIST_NOTE = "改好之前，屏幕继续按这个播放列表上一次正确的内容播放。"
_FALLBACK = "无法显示（原因见下面的技术说明）。如果看不懂，请联系管理员。"


def status_text(status: Mapping[str, Any], now: datetime) -> str:
    """The page as text with "\\n" line ends; `encode_for_notepad` makes the file bytes.

    Never fails on a malformed status: missing or odd values are shown as unknown.
    """
    out: list[str] = []
    screen = _text(status.get("screen")) or "信息屏"
    out.append(f"{screen} 播放状态")
    updated = _parse_time(status.get("updated_at"))
    if updated is None:
        out.append("更新时间：未知")
    else:
        out.append(f"更新时间：{_full_time(updated, now)}")
        if _age(updated, now) > STALE_AFTER:
            out.append(
                "注意：播放器已经很久没有更新这一页，可能没有在运行。请看一下屏幕，"
                "必要时联系管理员。"
            )
    out.append(
        "（本页由播放器自动生成，大约每 10 秒更新一次。"
        "改好或删掉有问题的文件后，稍等片刻再打开本页查看。）"
    )
    out.append("")

    out.append("一、屏幕现在显示的内容")
    display = _text(status.get("display"))
    if display == "off":
        out.append("  现在是关屏时段，屏幕按设置关闭；到了开屏时间会自动继续播放。")
    current = status.get("current")
    if isinstance(current, Mapping) and _text(current.get("path")):
        page = current.get("page")
        where = f"（第 {page + 1} 页）" if isinstance(page, int) and page >= 0 else ""
        out.append(f"  {_show_path(_text(current.get('path')))}{where}")
        since = _parse_time(current.get("since"))
        if since is not None:
            out.append(f"  从{_short_time(since, now)}开始显示")
    elif display != "off":
        out.append("  现在没有在播放文件（屏幕显示单位名称和时间）。")
    playlist = _text(status.get("playlist"))
    if playlist:
        out.append(f"  使用的播放列表：{_show_path(playlist)}")
    else:
        out.append("  没有正在使用的播放列表：按文件名顺序播放 slides 文件夹里的全部文件。")
    out.append("")

    rotation = [_text(p) for p in _items(status.get("rotation")) if _text(p)]
    out.append(f"二、正在轮流播放的文件（共 {len(rotation)} 个）")
    if rotation:
        out += [f"  {n}. {_show_path(p)}" for n, p in enumerate(rotation, 1)]
    else:
        out.append("  （没有）")
    out.append("")

    problems = [p for p in _items(status.get("problems")) if isinstance(p, Mapping)]
    if problems:
        out.append(f"三、没有显示的文件和原因（共 {len(problems)} 个）")
        for n, problem in enumerate(problems, 1):
            out += _problem_lines(n, problem, now)
    else:
        out.append("三、没有显示的文件")
        out.append("  没有。所有文件都能正常显示。")
    out.append("")
    return "\n".join(out)


def explain(code: str, line: int | None = None, path: str = "") -> str:
    """The plain-Chinese reason for one problem; the technical message when the code is new."""
    template = REASONS.get(code)
    if template is None:
        return _FALLBACK
    where = f"第 {line} 行" if line else ("文件里" if "{line}" in template else "")
    reason = template.replace("{line}", where)
    if path.startswith("playlists/") and code in (
        "yaml-syntax",
        "bad-value",
        "bad-date",
        "unknown-key",
    ):
        reason += _PLAYLIST_NOTE
    return reason


def encode_for_notepad(text: str) -> bytes:
    """UTF-8 with a byte-order mark and CRLF line ends.

    Staff open the page in Notepad on whatever Windows the office has. Notepad before
    Windows 10 (1809) shows a file with bare LF line ends as one long line, and Notepad on a
    Chinese Windows reads a file without a BOM as ANSI (GBK) — UTF-8 Chinese then turns into
    mojibake. The BOM makes every Notepad (and WPS) read UTF-8; CRLF breaks lines everywhere.
    """
    return "\ufeff".encode() + text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


def write_status_page(
    directory: Path,
    status: Mapping[str, Any],
    now: datetime,
    *,
    content_root: Path | None = None,
) -> None:
    """Write status.json and 状态.txt into the state dir, each atomically (temporary file in
    the same directory, then rename), so a reader never sees half a file.

    Files are readable by everyone: the share serves them as the staff account, not as the
    player's user. Refuses (ValueError) a directory inside `content_root`: the player never
    writes into the content folder.
    """
    directory = Path(directory)
    if content_root is not None:
        root = Path(content_root).resolve()
        target = directory.resolve()
        if target == root or root in target.parents:
            raise ValueError(
                f"status directory {str(directory)!r} is inside "
                f"the content folder {str(content_root)!r}"
            )
    directory.mkdir(parents=True, exist_ok=True)
    data = json.dumps(status, ensure_ascii=False, indent=2, default=str) + "\n"
    _write_atomic(directory / STATUS_JSON_NAME, data.encode("utf-8"))
    _write_atomic(directory / STATUS_TEXT_NAME, encode_for_notepad(status_text(status, now)))


def _write_atomic(path: Path, data: bytes) -> None:
    # A dot name: hidden in the share while it is being written.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; the staff account must read it
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _problem_lines(n: int, problem: Mapping[str, Any], now: datetime) -> list[str]:
    path = _text(problem.get("path"))
    message = _text(problem.get("message"))
    code = _text(problem.get("code"))
    raw_line = problem.get("line")
    line = raw_line if isinstance(raw_line, int) and not isinstance(raw_line, bool) else None
    lines = [f"  {n}. {_show_path(path) if path else '（共享文件夹本身）'}"]
    lines.append(f"     原因：{explain(code, line, path)}")
    since = _parse_time(problem.get("since"))
    if since is not None:
        lines.append(f"     发现时间：{_short_time(since, now)}")
    if message:
        where = f"line {line}: " if line else ""
        lines.append(f"     技术说明（给管理员）：{where}{message}")
    return lines


def _show_path(path: str) -> str:
    # Staff know the folder from Windows Explorer, where the separator is a backslash.
    return path.replace("/", "\\")


def _text(value: Any) -> str:
    if value is None:
        return ""
    # Keep one line: a line break in a file name must not forge lines of the page. Other
    # spacing is kept, so the name matches the file in Explorer.
    return _CONTROL.sub(" ", str(value)).strip()


def _items(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        return None


def _local(moment: datetime, now: datetime) -> datetime:
    """`moment` in now's time zone (both aware), else as it is."""
    if moment.tzinfo is not None and now.tzinfo is not None:
        return moment.astimezone(now.tzinfo)
    return moment


def _age(moment: datetime, now: datetime) -> timedelta:
    if (moment.tzinfo is None) != (now.tzinfo is None):
        moment = moment.replace(tzinfo=now.tzinfo)
    return now - moment


def _full_time(moment: datetime, now: datetime) -> str:
    m = _local(moment, now)
    return f"{m.year}年{m.month}月{m.day}日 星期{_WEEKDAYS[m.weekday()]} {m:%H:%M:%S}"


def _short_time(moment: datetime, now: datetime) -> str:
    """今天 09:05 / 昨天 17:30 / 12月1日 08:00 / 2025年12月1日 08:00."""
    m = _local(moment, now)
    today = _local(now, now).date()
    clock = f"{m:%H:%M}"
    if m.date() == today:
        return f"今天 {clock}"
    if m.date() == today - timedelta(days=1):
        return f"昨天 {clock}"
    if m.year == today.year:
        return f"{m.month}月{m.day}日 {clock}"
    return f"{m.year}年{m.month}月{m.day}日 {clock}"
