"""The staff status page: 状态.txt, the status file told in plain Chinese.

Staff open it from the read-only status share when a file they dropped does not show. It
says what is on the screen now, what is in the rotation, and for every refused file what
went wrong and what to do, in words for someone who is not technical; the player's own
(English, technical) message follows for the administrator. Last come the files that are
fine but do not play now (dates, meeting period, playlist, screen, urgent notice), with the
planner's reason in plain Chinese, so a staff member does not take them for missing.
`status_text` is a pure function of the status mapping (DESIGN.md "Status file") and the
time; `write_status_page` puts it,
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
"""The status file is rewritten at least every 10 s; older than this, the player is not
running. (The page itself is written only when something changes — run.py — so this warns
only where the page is rendered later than the status, e.g. from an old status.json.)"""

_WEEKDAYS = "一二三四五六日"
_CONTROL = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029]")

# What each Problem.code means for the person who copied the file, and what to do about it.
# "{line}" is filled with "第 N 行" (or "文件里") when the problem has a line number.
# tests/test_statuspage.py collects every code the package emits from its source and fails
# when one has no entry here (or an entry names a code nothing emits).
REASONS: Mapping[str, str] = {
    # --- any file in slides/ ---------------------------------------------------------------
    "empty-file": "文件是空的（0 字节），请重新保存后再复制。",
    "too-large": "文件太大，播放器不处理。照片请先缩小（宽度不超过 4000 像素就够了），"
    "很长的文档请拆成几个文件。",
    "unsupported-type": "播放器不支持这种文件格式。能显示的有：照片（.jpg、.png 等）、"
    "文本（.txt）、Word 文档（.docx）、PDF 和会议通知（.yaml）。请另存为其中一种后再复制。",
    "permission-denied": "播放器没有权限读取这个文件。请联系管理员检查文件权限。",
    "missing": "文件在读取的时候不见了（可能刚被删除或改名）。如果不是有意删除的，请重新复制一次。",
    "unreadable": "播放器暂时读不了这个文件（可能正在复制、刚被删除，或者磁盘有问题）。"
    "请过一会儿再看本页；如果一直这样，请重新复制一次，或者联系管理员。",
    "reader-failed": "播放器读这个文件时出了错（可能是播放器自身的问题）。请把文件另存一份"
    "再复制试试，并把下面的技术说明告诉管理员。",
    "not-a-file": "这里应该是一个文件，实际上是文件夹或者特殊文件，播放器不处理。"
    "请检查名字有没有写错。",
    "broken-link": "这是一个链接（快捷方式），它指向的文件已经不存在了。请联系管理员。",
    "symlink-loop": "这是一个链接（快捷方式），但它绕了一圈又指回自己，打不开。请联系管理员。",
    "link-loop": "这个路径里有一个链接（快捷方式）绕了一圈又指回自己，打不开。请联系管理员。",
    "outside-root": "这个文件（或播放列表里写的路径）指向了共享文件夹以外的地方，"
    "出于安全原因不能播放。请只使用 slides 文件夹里的文件或文件夹。",
    "too-deep": "文件夹一层套一层太深了（超过 12 层），里面的内容不显示。"
    "请把文件放到浅一些的文件夹里。",
    "duplicate-folder": "这个文件夹是指向 slides 里另一个文件夹的链接（快捷方式），"
    "那里的内容已经在播放了，所以它不再重复播放。请联系管理员。",
    "too-many-files": "slides 里的文件和文件夹太多了（超过两万个），多出来的不显示。"
    "请把不用的旧文件移走。",
    "no-slides-folder": "这个文件夹里没有 slides 文件夹："
    "通知、文件、照片要放进 slides 文件夹才会上屏。",
    "bad-setting": "设置文件里有一项写得不对，这一项没有生效，其他设置照常使用。"
    "请对照《使用说明》修改。",
    "read-timeout": "这个文件读得太久（超过半分钟），播放器先跳过它；文件改动后会再试。",
    "root-missing": "找不到共享文件夹（可能是网络盘没有连上，或者文件夹被改名、删除了）。"
    "请联系管理员。",
    # --- photos ----------------------------------------------------------------------------
    "image-truncated": "图片只复制了一半，请重新复制一次。",
    "damaged-image": "图片文件已损坏，打不开。请从原来的地方重新复制；"
    "如果还不行，请用画图等软件打开后另存为 JPG 再复制。",
    "not-an-image": "文件的扩展名是图片，里面却不是图片（可能已损坏，或者是别的文件改了扩展名）。"
    "请用画图等软件打开，另存为 JPG 后再复制。",
    "decompression-bomb": "这张图片的像素尺寸大得不正常，为了不让播放机卡住，没有打开。"
    "请把图片缩小后再复制。",
    # --- text notices ----------------------------------------------------------------------
    "not-text": "这不是文本文件，或者文字编码认不出来（可能是别的文件改了扩展名）。"
    "请用记事本或 WPS 打开看看内容，另存为 .txt（编码选“UTF-8”）或 .docx 后再复制。",
    "front-matter": "{line}文件开头两行“---”之间的设置写得不对（见下面的技术说明），"
    "请对照《使用说明》第三条修改；不需要这些设置的话，把这几行删掉即可。",
    "yaml-syntax": "{line}格式有误（常见原因：用了中文冒号“：”、冒号后面少了空格、"
    "前面的空格没有对齐、引号没有配对）。请对照《使用说明》修改。",
    "yaml-too-complex": "{line}这个文件的结构太复杂（一层套一层太深、条目太多，"
    "或者用 & 和 * 反复引用），播放器为了安全没有读它。请按《使用说明》里的样子重新写。",
    # --- Word, PDF and other documents -----------------------------------------------------
    "encrypted-document": "文档设置了打开密码，播放器打不开。请在 WPS/Word 里取消密码，"
    "另存一份后再复制。",
    "damaged-document": "文档已损坏或者只复制了一半，打不开。请用 WPS/Word 打开检查，"
    "重新保存后再复制。",
    "empty-document": "文档里既没有文字也没有图片，没有可以显示的内容。请检查是不是保存错了文件。",
    "document-too-large": "文档太大（里面的内容或图片太多），播放器不处理。"
    "请把图片压缩一下，或者把文档拆成几个文件。",
    "needs-libreoffice": "这种旧格式（如 .doc、.wps、.ppt）播放机上没有装转换软件，显示不了。"
    "请在 WPS/Word 里“另存为” .docx 或 PDF 后再复制。",
    "conversion-failed": "这种格式要先在播放机上转换才能显示，但转换没有成功（文件可能已损坏"
    "或者太复杂）。请在 WPS/Word 里“另存为” .docx 或 PDF 后再复制。",
    "pdf-too-complex": "PDF 里有一页太复杂（线条、图形太多，或者里面的图片大得不正常），"
    "播放机处理不了。请把这一页导出成图片（JPG）再复制，或者在 WPS 里把 PDF 压缩后再复制。",
    "pdf-too-slow": "PDF 里有一页太复杂，播放机来不及画出来。请把这一页导出成图片（JPG）"
    "再复制，或者在 WPS 里把 PDF 压缩后再复制。",
    # --- meeting notices -------------------------------------------------------------------
    "meeting-field": "{line}会议通知里有一项没写或者写得不对（例如缺少标题、时间，"
    "或者时间的写法不对），请对照《使用说明》第四条修改。",
    "not-a-slide": "这个文件不是可以播放的内容（例如 .yaml 文件里没有写“kind: meeting”，"
    "就不算会议通知）。如果它是会议通知，请在第一行写上 kind: meeting。",
    # --- playlists -------------------------------------------------------------------------
    "not-a-mapping": "播放列表的写法不对：应该是“名称: 内容”这样一行一项。"
    "请对照《使用说明》第五条修改。",
    "unknown-key": "{line}有一项设置的名称写错了或不认识，请对照《使用说明》修改。",
    "duplicate-key": "{line}同一项设置写了两次，请删掉多余的那一个。",
    "bad-value": "{line}有一项填写的内容不对（见下面的技术说明），请对照《使用说明》修改。",
    "bad-name": "{line}播放列表的名称（name:）应该是一段文字。",
    "bad-priority": "{line}优先级（priority:）应该写一个整数。",
    "bad-screens": "{line}屏幕名称（screens:）写得不对：应该列出屏幕的名字；"
    "要在所有屏幕上播放，就把这一项删掉。",
    "bad-when": "{line}播放时间（when:）写得不对：下面只能有 days（哪些天）、"
    "hours（时间段）、dates（日期）这几项。",
    "bad-days": "{line}哪些天播放（days:）写得不对，可以写 workdays（工作日）、"
    "holidays（节假日）或 everyday（每天）。",
    "bad-hours": '{line}时间段（hours:）写得不对，请写成 "08:00-18:00" 这样的格式。',
    "bad-dates": "{line}日期（dates:）写得不对，请写成 2026-12-01 或 "
    "2026-12-01..2026-12-31 这样的格式。",
    "bad-date": "{line}日期或时间的写法不对，请写成 2026-12-03 或 2026-12-03 14:30 这样的格式。",
    "date-order": "{line}结束日期早于开始日期，请检查两个日期是不是写反了。",
    "bad-duration": "{line}每页显示的秒数（duration:）写得不对，应该是 1 到 3600 之间的数字。",
    "bad-fit": "{line}图片的显示方式（fit:）只能写 contain（完整显示）或 cover（铺满屏幕）。",
    "no-items": "播放列表里没有列出要播放的文件（items: 下面是空的）。"
    "请对照《使用说明》第五条补上。",
    "bad-items": "{line}要播放的文件（items:）写得不对：每一条单独一行，以“- ”开头"
    "（也可能是列的条数太多了）。",
    "bad-item": "{line}播放列表里有一条写得不对：应该写 slides 文件夹里的文件或文件夹名，"
    "例如“- slides: 通知/”。",
    "missing-slides": "{line}播放列表里有一条没有写要播放什么（slides:），请补上。",
    "missing-slide": "{line}播放列表里写的文件或文件夹在 slides 里找不到。请检查名字"
    "（包括扩展名）有没有写错，或者文件是不是已经删掉了。这个列表里的其他内容照常播放。",
    # --- the screen's settings and the machine ---------------------------------------------
    "bad-display": "{line}屏幕开关时间（display）有一条写得不对，这一条暂时不起作用"
    "（屏幕不会因为写错而关掉）。请对照《使用说明》修改。",
    "clock-not-set": "播放机的时钟不准（日期不对），所以暂时只播放没有设定日期和时间段的内容。"
    "请联系管理员检查网络和时间设置。",
    "calendar-year-unknown": "播放机还不知道今年的放假和调休安排，暂时按周一到周五上班计算，"
    "调休的日子可能算错。请管理员按下面的说明补充。",
    "bad-calendar-date": "播放机设置里补充的放假或调休日期写得不对，这个日期没有算进去。"
    "请联系管理员。",
    "play-log": "播放记录写不进去（可能是播放机的磁盘满了）。屏幕照常播放，请联系管理员。",
}

PLAYLIST_STILL_USED = frozenset({"missing-slide"})
"""Playlist problems that leave the playlist in use; any other refuses it as a whole
(playlist.py), and the last good version plays on."""

_PLAYLIST_NOTE = "改好之前这个播放列表不起作用；如果它以前是好的，屏幕继续按以前的版本播放。"
_KEPT_NOTE = "改好之前，屏幕继续显示这个文件上一次正常的版本。"
_CONTENT_SETTINGS = (
    "{line}屏幕设置文件 signage.yaml 写得不对（见下面的技术说明），写错的设置暂时不起作用，"
    "按默认设置播放。请对照《使用说明》修改。"
)
_MACHINE_SETTINGS = (
    "播放机本身的设置有误（见下面的技术说明），写错的那一项按默认设置。请联系管理员。"
)
_MACHINE_NOTE = "（这是播放机上的设置文件，由管理员修改。）"
_FALLBACK = "无法显示（原因见下面的技术说明）。如果看不懂，请联系管理员。"
_CONTENT_SETTINGS_FILE = "signage.yaml"


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
        "（本页由播放器自动生成，屏幕换内容、文件有变化时自动更新。"
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
            out.append(f"  从{_short_time(since, now)} 开始显示")
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
    elif display == "off":
        out.append("  （没有：关屏时段所有文件都暂停播放，到了开屏时间自动继续。）")
    else:
        out.append("  （没有）")
    out.append("")

    problems = [p for p in _items(status.get("problems")) if isinstance(p, Mapping)]
    # An old status file has no "left_out": then the page says nothing about it, rather
    # than "none", which might not be true.
    has_left_out = isinstance(status.get("left_out"), list | tuple)
    left_out = [
        (_text(e.get("path")), _text(e.get("reason")))
        for e in _items(status.get("left_out"))
        if isinstance(e, Mapping) and _text(e.get("path"))
    ]
    if problems:
        out.append(f"三、没有显示的文件和原因（共 {len(problems)} 个）")
        playing = set(rotation)
        for n, problem in enumerate(problems, 1):
            out += _problem_lines(n, problem, now, playing)
    else:
        out.append("三、没有显示的文件和原因")
        # Not "every file shows": files that are fine may still be waiting (section 四).
        out.append("  没有出错的文件。")
        if left_out:
            out.append(f"  另有 {len(left_out)} 个文件没有出错，只是现在不播放，见第四部分。")
    out.append("")

    if has_left_out:
        out.append(f"四、暂时不播放的文件（共 {len(left_out)} 个）")
        if left_out:
            out.append(
                "  这些文件本身没有问题，只是按设置现在不播放"
                "（比如还没到开始日期、已经过期、不在播放列表里）。"
            )
        else:
            out.append("  （没有）")
        for n, (path, reason) in enumerate(left_out, 1):
            out.append(f"  {n}. {_show_path(path)}")
            out.append(f"     原因：{why_left_out(reason)}")
        out.append("")
    return "\n".join(out)


# The planner's reasons (planner.why_not_now, make_plan) are English sentences with dates
# written by planner._fmt ("2026-12-03", "2026-12-03 14:30", "2026-12-03 14:30:05"). Each
# pattern below is one of them; its named groups fill the template ("date…" groups in
# Chinese date format, "screens" joined with 、, "line" the playlist item's line). A reason
# none matches is shown as it is, so a new one is never hidden; tests/test_statuspage.py
# runs the planner into every reason it gives and checks that each one is translated.
_DATE = r"\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2}(?::\d{2})?)?"
_ITEM = r"(?: \(playlist item, line (?P<line>\d+)\))?"
LEFT_OUT_REASONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(rf"show_from (?P<date>{_DATE}) not reached{_ITEM}"),
        "{where}设定从 {date} 开始显示，还没有到时间。",
    ),
    (
        re.compile(rf"show_until (?P<date>{_DATE}) passed{_ITEM}"),
        "{where}设定只显示到 {date}，已经过期，不再显示。如果还要显示，请修改或删掉结束时间。",
    ),
    (
        re.compile(rf"meeting on (?P<date>{_DATE}): shown from (?P<date_from>{_DATE})"),
        "会议在 {date} 召开，会议通知从 {date_from} 开始显示。",
    ),
    (
        re.compile(rf"meeting of (?P<date>{_DATE}) is over"),
        "会议（{date}）已经结束，通知不再显示。不需要的话可以把文件删掉。",
    ),
    (
        re.compile(r"the clock is not set and this slide has dates"),
        "播放机的时钟不准，设定了日期或时间的文件暂时不播放。请联系管理员。",
    ),
    (
        re.compile(r"the clock is not set and this is a dated meeting"),
        "播放机的时钟不准，会议通知暂时不播放。请联系管理员。",
    ),
    (
        re.compile(r"an urgent notice is showing"),
        "现在正在播放紧急通知，其他文件暂停播放；紧急通知到期后自动恢复。",
    ),
    (
        re.compile(r"urgent notice"),
        "这是紧急通知，现在不在它设定的显示时间内。",
    ),
    (
        re.compile(r"no playlist is active now"),
        "现在不在任何一个播放列表设定的播放时间内。",
    ),
    (
        re.compile(r"for screen (?P<screens>.+)"),
        "这个文件是给别的屏幕（{screens}）播放的。",
    ),
    (
        re.compile(r"not in playlist (?P<name>.+)"),
        "现在使用的播放列表 {name} 里没有列出这个文件。如果要在这里播放，请把它加进播放列表。",
    ),
)
_LEFT_OUT_FALLBACK = "按设置现在不播放（技术说明：{0}）。"
_CHINESE_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?: (\d{2}:\d{2})(?::\d{2})?)?")


def why_left_out(reason: str) -> str:
    """The plain-Chinese reason a file that is fine does not play now; a reason the table
    does not know is shown in the planner's own words."""
    for pattern, template in LEFT_OUT_REASONS:
        match = pattern.fullmatch(reason)
        if match is None:
            continue
        fields = {k: v or "" for k, v in match.groupdict().items()}
        for key in fields:
            if key.startswith("date"):
                fields[key] = _chinese_date(fields[key])
        if "screens" in fields:
            fields["screens"] = fields["screens"].replace(", ", "、")
        line = fields.pop("line", "")
        return template.format(where=f"播放列表第 {line} 行：" if line else "", **fields)
    return _LEFT_OUT_FALLBACK.format(reason or "未知")


def _chinese_date(text: str) -> str:
    """2026-12-03 14:30 → 2026年12月3日 14:30 (seconds dropped: staff think in minutes)."""
    m = _CHINESE_DATE.fullmatch(text)
    if m is None:
        return text
    day = f"{int(m[1])}年{int(m[2])}月{int(m[3])}日"
    return f"{day} {m[4]}" if m[4] else day


def explain(code: str, line: int | None = None, path: str = "", *, kept: bool = False) -> str:
    """The plain-Chinese reason for one problem; the technical message when the code is new.

    `kept`: the file is still in the rotation, i.e. its last good version keeps playing.
    """
    template = REASONS.get(code)
    if template is None:
        if code:
            return _FALLBACK
        # The settings loader gives its problems no code; the path tells whose file it is.
        if path == _CONTENT_SETTINGS_FILE:
            template = _CONTENT_SETTINGS
        elif _machine_file(path):
            return _MACHINE_SETTINGS
        else:
            return _FALLBACK
    reason = template.replace("{line}", f"第 {line} 行：" if line else "")
    if _machine_file(path):
        reason += _MACHINE_NOTE
    elif path.startswith("playlists/") and code not in PLAYLIST_STILL_USED:
        reason += _PLAYLIST_NOTE
    elif kept:
        reason += _KEPT_NOTE
    return reason


def _machine_file(path: str) -> bool:
    """A problem in the machine configuration: the only absolute paths in the status."""
    return path.startswith("/")


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


def _problem_lines(
    n: int, problem: Mapping[str, Any], now: datetime, playing: set[str]
) -> list[str]:
    path = _text(problem.get("path"))
    message = _text(problem.get("message"))
    code = _text(problem.get("code"))
    raw_line = problem.get("line")
    line = raw_line if isinstance(raw_line, int) and not isinstance(raw_line, bool) else None
    lines = [f"  {n}. {_show_path(path) if path else '（共享文件夹本身）'}"]
    lines.append(f"     原因：{explain(code, line, path, kept=bool(path) and path in playing)}")
    since = _parse_time(problem.get("since"))
    if since is not None:
        lines.append(f"     发现时间：{_short_time(since, now)}")
    if message:
        where = f"line {line}: " if line else ""
        lines.append(f"     技术说明（给管理员）：{where}{message}")
    return lines


def _show_path(path: str) -> str:
    # Staff know the folder from Windows Explorer, where the separator is a backslash. An
    # absolute path is a file on the player itself (its configuration): shown as it is.
    return path if _machine_file(path) else path.replace("/", "\\")


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
