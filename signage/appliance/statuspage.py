"""The staff status page: 状态.txt, the status file told in plain Chinese.

Staff open it from the read-only status share when a file they dropped does not show. It
says what is on the screen now (and when urgent notices have replaced every playlist), what
is in the rotation, and for every refused file what went wrong and what to do, in words for
someone who is not technical — quoting the bad value, field or folder where the technical
message names one (`DETAILED`) and by the kind of file for types the player does not show;
the player's own (English, technical) message follows for the administrator. Then come the
files that are fine but do not play now (dates, meeting period, playlist, screen, urgent
notice), with the planner's reason in plain Chinese, so a staff member does not take them
for missing, and the playlists: which one is in use and why each other one is not. The top
says when it was written and how fresh it must be, and says so when the player has stopped
(`mark_stopped`, run by systemd after the player exits) or did not start (`refusal_status`),
or plays on its last good machine configuration.
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
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any

from signage.core.model import Problem

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
    "no-text": "文件里没有要显示的文字（只有空格、空行，或者只有开头两行 --- 之间的设置）。"
    "请把通知的内容写进去，保存后再复制。",
    "too-large": "文件太大，播放器不处理。照片请先缩小（宽度不超过 4000 像素就够了），"
    "很长的文档请拆成几个文件。",
    "unsupported-type": "播放器不支持这种文件格式。能显示的有：照片（.jpg、.png 等）、"
    "文本（.txt）、Word 文档（.docx）、PDF 和会议通知（.yaml）。请另存为其中一种后再复制。",
    "permission-denied": "播放器没有权限读取这个文件。请联系管理员检查文件权限。",
    "mongolian-legacy-code": "文件里的蒙古文是用旧版输入法打的（如蒙科立等旧版输入法的私有编码），"
    "不是标准编码，只有那种输入法自带的字体才能显示，屏幕上会变成方框，所以不播放。"
    "请用新版输入法或转换工具转为标准编码（Unicode）后重新保存，再复制进来。"
    "（蒙古文：ᠬᠠᠭᠤᠴᠢᠨ ᠤᠷᠤᠭᠤᠯᠬᠤ ᠠᠷᠭ᠎ᠠ ᠪᠠᠷ ᠪᠢᠴᠢᠭᠰᠡᠨ ᠮᠣᠩᠭᠣᠯ ᠪᠢᠴᠢᠭ᠃ "
    "ᠰᠢᠨ᠎ᠡ ᠤᠷᠤᠭᠤᠯᠬᠤ ᠠᠷᠭ᠎ᠠ ᠪᠠᠷ ᠳᠠᠬᠢᠨ ᠪᠢᠴᠢᠭᠡᠷᠡᠢ᠃）",
    "missing": "文件在读取的时候不见了（可能刚被删除或改名）。如果不是有意删除的，请重新复制一次。",
    "unreadable": "播放器暂时读不了这个文件（可能正在复制、刚被删除，或者磁盘有问题）。"
    "请过一会儿再看本页；如果一直这样，请重新复制一次，或者联系管理员。",
    "reader-failed": "播放器读这个文件时出了错（可能是播放器自身的问题）。请把文件另存一份"
    "再复制试试，并把下面的技术说明告诉管理员。",
    "name-encoding": "名字后面标着“〔编码不对〕”的文件或文件夹，名字的编码不对（常见于从旧压缩包里"
    "解出来、或者从老电脑的 U 盘拷过来的文件），屏幕和状态页都写不出它的名字，所以没有播放。"
    "请把标着的那个文件或文件夹重新命名（照原样再输入一遍名字也行）。",
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
    "read-timeout": "这个文件读得太久，播放器先跳过它，其他文件照常播放；文件改动后会再试。"
    "如果一直这样，请把文件另存一份（照片请缩小，长文档请拆开）再复制。",
    "reader-memory": "读这个文件需要的内存太多，播放器跳过了它，其他文件照常播放。"
    "照片请先缩小，很长的文档请拆成几个文件，然后再复制；文件改动后会再试。",
    "reader-crashed": "这个文件让播放器的读取程序出了故障，播放器跳过了它，其他文件照常播放。"
    "文件可能已损坏：请从原来的地方重新导出或另存一份再复制；文件改动后会再试。",
    "show-timeout": "这个文件能读，但排版或显示得太久，播放器先跳过它，其他文件照常播放；"
    "文件改动后会再试。请把文件另存一份或拆小后再复制。",
    "show-failed": "这个文件能读，但显示时出了故障，播放器跳过了它，其他文件照常播放。"
    "请把文件另存一份再复制；如果还不行，请把下面的技术说明告诉管理员。",
    "display-unverified": "播放器画好的画面在屏幕上读回来不一样（可能是黑屏）。"
    "请联系管理员按《管理员手册》检查显示设置。",
    "changed": "这个文件在显示前又被改动了，播放器会先读新的版本。一般不用处理。",
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
    "用了 Tab 键缩进、前面的空格没有对齐、引号没有配对）。请对照《使用说明》修改。",
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
    "old-word-format": "这是旧版的 Word/WPS 文件（.doc 或 .wps），只是名字被改成了 .docx，"
    "文件本身没有坏。请用 WPS/Word 打开它，点“另存为”，文件类型选“Word 文档（*.docx）”，"
    "保存后再复制。",
    "needs-libreoffice": "这种旧格式（如 .doc、.wps、.ppt）播放机上没有装转换软件，显示不了。"
    "请在 WPS/Word 里“另存为” .docx 或 PDF 后再复制。",
    "conversion-failed": "这种格式要先在播放机上转换才能显示，但转换没有成功（文件可能已损坏"
    "或者太复杂）。请在 WPS/Word 里“另存为” .docx 或 PDF 后再复制。",
    "pdf-too-complex": "PDF 里有一页太复杂（线条、图形太多，或者里面的图片大得不正常），"
    "播放机处理不了。请把这一页导出成图片（JPG）再复制，或者在 WPS 里把 PDF 压缩后再复制。",
    "pdf-too-slow": "PDF 里有一页太复杂，播放机来不及画出来。请把这一页导出成图片（JPG）"
    "再复制，或者在 WPS 里把 PDF 压缩后再复制。",
    "hidden-extension": "文件名的最后一段（扩展名）和文件的内容对不上：Windows 平时不显示扩展名，"
    "所以在电脑上看不出来。请在文件夹窗口的“查看”里勾选“文件扩展名”，把名字改成和内容相符"
    "（见下面的技术说明）后再复制。",
    "playlist-in-slides": "这是一个播放列表，要放在 playlists 文件夹里才起作用；放在 slides 里"
    "不会播放。请把它移到 playlists 文件夹。",
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
    "machine-config": "{line}播放机的设置文件（由管理员维护）写错了，见下面的技术说明。"
    "播放器没有采用这个文件。请联系管理员改正。",
    "config-last-good": "播放机的设置文件有错，播放器正在使用上一次正确的设置继续播放"
    "（见下面的技术说明）。屏幕照常播放；请联系管理员改正设置文件。",
    "config-copy": "播放机没能在自己的硬盘上保存设置文件的备份（见下面的技术说明）。屏幕照常播放，"
    "请联系管理员检查磁盘。",
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
    problems = [p for p in _items(status.get("problems")) if isinstance(p, Mapping)]
    stopped = status.get("stopped")
    if updated is None:
        out.append("更新时间：未知")
    else:
        out.append(f"更新时间：{_full_time(updated, now)}")
    if isinstance(stopped, Mapping):
        out += _stopped_lines(stopped, now)
    elif updated is not None and _age(updated, now) > STALE_AFTER:
        out.append(
            "注意：播放器已经很久没有更新这一页，可能没有在运行。请看一下屏幕，必要时联系管理员。"
        )
    if any(_text(p.get("code")) == "config-last-good" for p in problems):
        out.append(
            "注意：播放机的设置文件有错，播放器正在用上一次正确的设置继续播放（详见第三部分）。"
            "请联系管理员改正。"
        )
    out.append(
        "（本页由播放器自动生成：屏幕换内容、文件有变化时更新，没有变化也至少每 5 分钟更新一次。"
        "如果上面的更新时间比现在早了 10 分钟以上，说明播放器没有在运行（例如停电或死机），"
        "请看一下屏幕，必要时联系管理员。改好或删掉有问题的文件后，稍等片刻再打开本页查看。）"
    )
    out.append(
        "（不用去大厅：同一个文件夹里的“当前画面.jpg”就是屏幕此刻的样子，屏幕每换一页就更新；"
        "“今日预览.png”列出今天各个时段要播放的内容。）"
    )
    out.append("")

    has_playlists = isinstance(status.get("playlists_unused"), list | tuple)
    unused = [
        (_text(e.get("path")), _text(e.get("reason")))
        for e in _items(status.get("playlists_unused"))
        if isinstance(e, Mapping) and _text(e.get("path"))
    ]
    urgent = status.get("urgent") is True
    display = _text(status.get("display"))
    out.append("一、屏幕现在显示的内容")
    if isinstance(stopped, Mapping):
        out.append("  播放器没有在运行（见上面的“注意”），屏幕上现在可能没有画面。")
        if stopped.get("result") == "config":
            # Nothing below describes a player that never started.
            has_playlists = False
            display = "stopped"
        else:
            out.append("  下面是播放器停止前的情况：")
    out += _showing_lines(status, now, display, urgent, unused)
    out.append("")

    rotation = [_text(p) for p in _items(status.get("rotation")) if _text(p)]
    warned: dict[str, list[str]] = {}
    for e in _items(status.get("warnings")):
        if isinstance(e, Mapping) and _text(e.get("path")) and _text(e.get("message")):
            warned.setdefault(_text(e.get("path")), []).append(_text(e.get("message")))
    out.append(f"二、正在轮流播放的文件（共 {len(rotation)} 个）")
    for n, p in enumerate(rotation, 1):
        out.append(f"  {n}. {_show_path(p)}")
        out += [f"     提示：{explain_warning(w)}" for w in warned.get(p, [])]
    if not rotation and display == "off":
        out.append("  （没有：关屏时段所有文件都暂停播放，到了开屏时间自动继续。）")
    elif not rotation:
        out.append("  （没有）")
    out.append("")

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
                "（比如还没到开始日期、已经过期、不在播放列表里、正在播放紧急通知）。"
            )
        else:
            out.append("  （没有）")
        for n, (path, reason) in enumerate(left_out, 1):
            out.append(f"  {n}. {_show_path(path)}")
            out.append(f"     原因：{why_left_out(reason)}")
        out.append("")

    playlist = _text(status.get("playlist"))
    if has_playlists and (playlist or unused):
        out.append("五、播放列表")
        if playlist:
            out.append(f"  正在使用：{_show_path(playlist)}")
        for n, (path, reason) in enumerate(unused, 1):
            out.append(f"  {n}. {_show_path(path)}：现在不用")
            out.append(f"     原因：{why_playlist_unused(reason)}")
        out.append(
            "  （同一时间有几个播放列表都在播放时间内时，只用优先级 priority 数字最大的那一个，"
            "不写 priority 就是 0；一样大时，写了播放时间 when 的优先，再按文件名先后。"
            "想让一个列表在这段时间播放，就把它的 priority 改得比正在使用的列表大。"
            "写错了的播放列表列在第三部分。）"
        )
        out.append("")
    return "\n".join(out)


def _showing_lines(
    status: Mapping[str, Any],
    now: datetime,
    display: str,
    urgent: bool,
    unused: list[tuple[str, str]],
) -> list[str]:
    """Part 一 after its heading: what is on screen, and which playlist decides it."""
    if display == "stopped":
        return []
    out: list[str] = []
    if display == "off":
        out.append("  现在是关屏时段，屏幕按设置关闭；到了开屏时间会自动继续播放。")
    if urgent:
        out.append(
            "  现在正在播放紧急通知。紧急通知（放在 slides 里“紧急”文件夹中的文件，或者开头写了"
            " urgent: true 的通知）会代替所有播放列表，在每一块屏幕上轮流播放，其他文件暂停。"
            "紧急通知过了结束时间、被删掉或者移出“紧急”文件夹后，屏幕自动恢复原来的播放。"
        )
    current = status.get("current")
    if isinstance(current, Mapping) and _text(current.get("path")):
        page = current.get("page")
        where = f"（第 {page + 1} 页）" if isinstance(page, int) and page >= 0 else ""
        out.append(f"  {_show_path(_text(current.get('path')))}{where}")
        since = _parse_time(current.get("since"))
        if since is not None:
            out.append(f"  从{short_time(since, now)} 开始显示")
    elif display != "off":
        out.append("  现在没有在播放文件（屏幕显示单位名称和时间）。")
    playlist = _text(status.get("playlist"))
    paused = [path for path, reason in unused if reason == URGENT_PAUSES]
    if playlist:
        out.append(f"  使用的播放列表：{_show_path(playlist)}")
    elif urgent:
        if paused:
            out.append(f"  暂停的播放列表：{'、'.join(_show_path(p) for p in paused)}")
    elif unused and all(reason.startswith("for screen ") for _, reason in unused):
        out.append("  没有给这块屏幕的播放列表：按文件名顺序播放 slides 文件夹里的全部文件。")
    elif unused:
        out.append("  现在没有在播放时间内的播放列表（见第五部分），所以没有文件要播放。")
    else:
        out.append("  没有正在使用的播放列表：按文件名顺序播放 slides 文件夹里的全部文件。")
    return out


URGENT_PAUSES = "paused while urgent notices show"
"""The planner's reason for the playlist an urgent notice interrupts (planner.URGENT_PAUSES;
the appliance may not import the planner, so the words are repeated here and a test keeps
them equal)."""

_PRIORITY = r"-?\d+"
PLAYLIST_REASONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"not active now"), "现在不在它设定的播放时间（when）内。"),
    (
        re.compile(
            rf"priority (?P<mine>{_PRIORITY}) is lower than "
            rf"(?P<other>.+) \((?P<theirs>{_PRIORITY})\)"
        ),
        "{other} 的优先级更高（它的 priority 是 {theirs}，这个列表是 {mine}），现在用的是它。",
    ),
    (
        re.compile(
            rf"same priority (?P<mine>{_PRIORITY}) as (?P<other>.+), which has times and wins"
        ),
        "它和 {other} 的优先级一样（{mine}），{other} 写了播放时间（when），优先使用。",
    ),
    (
        re.compile(
            rf"same priority (?P<mine>{_PRIORITY}) as (?P<other>.+), which comes first by name"
        ),
        "它和 {other} 的优先级一样（都是 {mine}），按文件名排在后面。",
    ),
    (re.compile(r"for screen (?P<screens>.+)"), "这个列表是给别的屏幕（{screens}）用的。"),
    (
        re.compile(re.escape(URGENT_PAUSES)),
        "正在播放紧急通知，这个列表暂停；紧急通知结束后自动恢复。",
    ),
)


def why_playlist_unused(reason: str, *, windows_paths: bool = True) -> str:
    """The plain-Chinese reason a valid playlist is not the one in use (Plan.playlists);
    paths as Explorer shows them, or as they are for the administrator's console."""
    for pattern, template in PLAYLIST_REASONS:
        match = pattern.fullmatch(reason)
        if match is None:
            continue
        fields = dict(match.groupdict())
        if "other" in fields and windows_paths:
            fields["other"] = _show_path(fields["other"])
        if "screens" in fields:
            fields["screens"] = fields["screens"].replace(", ", "、")
        return template.format(**fields)
    return _LEFT_OUT_FALLBACK.format(reason or "未知")


_STOP_RESULTS = {
    "success": "正常停止，例如管理员停止了播放器或者关机、重启",
    "exit-code": "播放器出错退出",
    "signal": "播放器被强行结束",
    "core-dump": "播放器出错退出",
    "watchdog": "播放器卡住了，被系统结束",
    "timeout": "播放器没有按时启动或停止",
    "oom-kill": "播放机内存不够，播放器被系统结束",
}


def _stopped_lines(stopped: Mapping[str, Any], now: datetime) -> list[str]:
    when = _parse_time(stopped.get("at"))
    result = _text(stopped.get("result"))
    why = _STOP_RESULTS.get(result, "原因不明")
    at = f"在{short_time(when, now)} " if when is not None else ""
    detail = f"（技术说明：{result}）" if result and result not in ("success", "config") else ""
    if result == "config":
        lines = [f"注意：播放器{at}没有启动：播放机的设置文件有错。"]
        lines.append(
            "  屏幕上现在没有播放内容。请联系管理员改正设置文件（见第三部分），然后重新启动播放器。"
        )
    else:
        lines = [f"注意：播放器{at}停止了运行：{why}{detail}。"]
        lines.append(
            "  下面是它停止前最后的状态，屏幕上现在可能没有画面。系统通常会在几秒钟内自动"
            "重新启动它；如果过了几分钟本页还是这样，请联系管理员。"
        )
    return lines


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


_NO_GLYPH = re.compile(r"^no installed font has (?P<chars>.+?)(?: and (?P<more>\d+) more)?: ")


def _visible_char(listed: str) -> str:
    """'🎉 (U+1F389)' -> '🎉'; a private-use or unassigned one (nothing to see) by its code."""
    char, _, code = listed.partition(" (")
    if len(char) == 1 and unicodedata.category(char) not in ("Co", "Cn"):
        return char
    return code.rstrip(")") or listed


def explain_warning(message: str) -> str:
    """A reader's or the typesetter's warning about a file that plays, for staff."""
    m = _NO_GLYPH.match(message)
    if m:
        chars = "、".join(_visible_char(part) for part in m.group("chars").split("、"))
        more = f"等 {int(m.group('more')) + 10} 个字" if m.group("more") else ""
        return (
            f"屏幕上有些字显示不出来，会是空方框：{chars}{more}。这些字本机的字体里没有"
            "（生僻字、表情符号或其他文字）。请换成常用字，或者请管理员安装有这些字的字体。"
            f"（技术说明：{message}）"
        )
    return f"这个文件可以播放，但请留意：{message}"


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


# Reasons that quote what was wrong, read from the technical message (the readers' and the
# planner's English, which names the field and the bad value): (code, pattern, template). The
# first pattern of the problem's code that matches the message wins; "{value}" is the quoted
# bad value in Chinese quotes, the other groups as they are. No match: the code's REASONS
# text. tests/test_statuspage.py makes the readers produce each message and checks that its
# pattern still matches.
_VALUE = r"(?P<value>'[^']*'|\"[^\"]*\")"
DETAILED: tuple[tuple[str, re.Pattern[str], str], ...] = (
    (
        "meeting-field",
        re.compile(r"the meeting has no title"),
        "{line}会议通知没有写会议名称。请加上一行，例如“标题: 全镇安全生产工作会议”。",
    ),
    (
        "meeting-field",
        re.compile(r"the meeting has no start time"),
        "{line}会议通知没有写开会时间。请加上一行，例如“时间: 2026-12-03 14:30”。",
    ),
    (
        "meeting-field",
        re.compile(rf"start: {_VALUE} is not a date"),
        "{line}开会时间写成了{value}，播放器认不出来。请写成“2026-12-03 14:30”、"
        "“2026/12/3 14:30”或“2026年12月3日 14:30”这样，年、月、日和几点几分都要写，"
        "几点和几分之间用冒号。",
    ),
    (
        "meeting-field",
        re.compile(rf"start {_VALUE} is a day without a time"),
        "{line}开会时间只写了日期{value}，没有写几点开始。请写成“2026-12-03 14:30”"
        "或“2026年12月3日 下午2:30”这样，加上几点几分。",
    ),
    (
        "meeting-field",
        re.compile(rf"end {_VALUE} is not a time"),
        "{line}结束时间写成了{value}，播放器认不出来。请写成“16:30”或“2026-12-03 16:30”这样。",
    ),
    (
        "meeting-field",
        re.compile(rf"end {_VALUE} is before the start"),
        "{line}结束时间{value}比开会时间还早，请检查是不是写错了。",
    ),
    (
        "meeting-field",
        re.compile(r"duration (?P<value>'[^']*'|\"[^\"]*\"|\S+) (?:should|is outside)"),
        "{line}每页显示的秒数（duration）写成了{value}，应该是 1 到 3600 之间的数字。",
    ),
    (
        "yaml-syntax",
        re.compile(r"found character '\\t'"),
        "{line}这一行有 Tab（按了 Tab 键）。缩进和对齐只能用空格，请把 Tab 删掉，改成空格。",
    ),
    (
        "yaml-syntax",
        re.compile(r"is not closed"),
        "{line}这一行的引号或括号只有开头、没有结尾。请补上结尾，或者把开头那个删掉。",
    ),
    (
        "missing-slide",
        re.compile(
            rf"slides {_VALUE} matches no file under slides/ "
            r"\(folders in slides/: (?P<folders>.+)\)"
        ),
        "{line}播放列表里写的{value}在 slides 文件夹里找不到。slides 里现有的文件夹是："
        "{folders}。请改成其中一个（名字要一字不差），这个列表里的其他内容照常播放。",
    ),
    (
        "missing-slide",
        re.compile(rf"slides {_VALUE} matches no file"),
        "{line}播放列表里写的{value}在 slides 文件夹里找不到。请检查名字（包括扩展名）有没有写错，"
        "或者文件是不是已经删掉了。这个列表里的其他内容照常播放。",
    ),
)

# Files staff may copy that the player does not show, by extension: what to do instead.
_UNSUPPORTED: tuple[tuple[str, str], ...] = (
    (
        ".mp4 .avi .mov .wmv .mkv .flv .m4v .mpg .mpeg .3gp .webm .ts .rm .rmvb",
        "这是视频。信息屏不播放视频（也不放声音）。可以从视频里截几张图，保存成 JPG 放进来，"
        "或者把要说的内容写成通知。",
    ),
    (
        ".mp3 .wav .wma .m4a .aac .flac .amr .ogg",
        "这是声音文件。信息屏不放声音，请把要说的内容写成通知。",
    ),
    (
        ".xls .xlsx .xlsm .et .ett .csv .ods",
        "这是表格文件，信息屏不能直接显示表格。请在 WPS/Excel 里用“输出为 PDF”（或“另存为” PDF）"
        "保存一份，再把 PDF 复制进来；表格很宽的话，先在“页面设置”里选横向、缩放到一页宽。",
    ),
    (
        ".zip .rar .7z .tar .gz .tgz .bz2 .xz",
        "这是压缩包，播放器不会解压。请先解压，再把里面要显示的文件复制进来。",
    ),
    (
        ".lnk .url",
        "这是一个快捷方式，不是文件本身。请把原来的文件复制进来。",
    ),
    (
        ".htm .html .mht .mhtml",
        "这是网页文件，播放器不显示网页。请在浏览器里“打印”，打印机选“另存为 PDF”，"
        "把 PDF 复制进来；或者截图保存成 JPG。",
    ),
    (
        ".heic .heif .tif .tiff .svg .psd .ico .raw .cr2 .nef .arw .dng",
        "这种图片格式（例如苹果手机的 HEIC、TIFF、设计稿）播放器不认。请用画图、手机相册或"
        "WPS 图片把它“另存为” JPG 后再复制。",
    ),
    (
        ".ofd .wdf .ceb .caj .xps .oxps .djvu",
        "这种版式文件（如 OFD、CAJ、XPS）播放器打不开。请用原来的阅读软件“另存为”或"
        "“打印”成 PDF 后再复制。",
    ),
)
_NO_EXTENSION = (
    "这个文件名后面没有扩展名（.txt、.jpg、.docx 这样的结尾），播放器不知道它是什么文件。"
    "请在文件夹窗口的“查看”里勾选“文件扩展名”，给它加上正确的扩展名。"
)
_WHAT = {
    "a JPEG photo": "一张 JPG 照片",
    "a PNG picture": "一张 PNG 图片",
    "a GIF picture": "一张 GIF 图片",
    "a WebP picture": "一张 WebP 图片",
    "a BMP picture": "一张 BMP 图片",
    "a PDF document": "一个 PDF 文件",
    "a Word document": "一个 Word 文档",
    "an Excel spreadsheet": "一个 Excel 表格",
    "a PowerPoint presentation": "一个 PowerPoint 幻灯片",
    "an RTF document": "一个 RTF 文档",
    "an old Office or WPS file (.doc/.wps/.xls/.ppt)": "一个旧版 Office/WPS 文件",
}
_HIDDEN = re.compile(
    r"named '.*' but the file is (?P<what>.+?) \(Windows hides the last extension"
    r"(?:: rename it to end in (?P<ext>\.\w+))?\)"
)


def _detailed(code: str, message: str, path: str) -> str | None:
    """A reason that names the bad value or the file's real type; None: use REASONS."""
    if code == "unsupported-type":
        ext = PurePosixPath(path).suffix.lower()
        if not ext and path:
            return _NO_EXTENSION
        for extensions, reason in _UNSUPPORTED:
            if ext in extensions.split():
                return reason
        return None
    if code == "hidden-extension":
        return _hidden_extension(message, path)
    for detail_code, pattern, template in DETAILED:
        if detail_code != code:
            continue
        match = pattern.search(message)
        if match is None:
            continue
        fields = match.groupdict()
        value = fields.get("value")
        if value:
            bare = value[1:-1] if value[0] in "'\"" else value
            fields["value"] = f"“{bare}”"
        if fields.get("folders"):
            fields["folders"] = "、".join(
                f.strip().rstrip("/") for f in fields["folders"].split(",")
            )
        return template.replace("{line}", "\x00").format(**fields).replace("\x00", "{line}")
    return None


def _hidden_extension(message: str, path: str) -> str | None:
    match = _HIDDEN.search(message)
    name = PurePosixPath(path).name
    if match is None or not name:
        return None
    what = _WHAT.get(match["what"], "一个别的类型的文件")
    shown = PurePosixPath(name).stem
    ext = match["ext"]
    if ext is None:
        fix = "请用原来的软件打开它，另存为 .docx、PDF 或 JPG 后再复制。"
    else:
        should = (
            shown if PurePosixPath(shown).suffix.lower() == ext else PurePosixPath(shown).stem + ext
        )
        fix = f"请在文件夹窗口的“查看”里勾选“文件扩展名”，把名字改成“{should}”后再复制。"
    return (
        f"文件的全名是“{name}”，里面其实是{what}：Windows 平时不显示最后的扩展名，"
        f"所以在电脑上看起来叫“{shown}”。{fix}"
    )


def explain(
    code: str,
    line: int | None = None,
    path: str = "",
    *,
    kept: bool = False,
    message: str = "",
) -> str:
    """The plain-Chinese reason for one problem; the technical message when the code is new.

    `kept`: the file is still in the rotation, i.e. its last good version keeps playing.
    `message`: the technical message, from which a reason may quote the bad value.
    """
    template = _detailed(code, message, path) or REASONS.get(code)
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


def refusal_status(screen: str, problems: Sequence[Problem], now: datetime) -> dict[str, Any]:
    """The status when the player refuses to start (no usable machine configuration)."""
    stamp = now.isoformat(timespec="seconds")
    return {
        "updated_at": stamp,
        "pid": os.getpid(),
        "screen": screen,
        "playlist": None,
        "current": None,
        "rotation": [],
        "problems": [
            {
                "path": p.path,
                "message": p.message,
                **({"line": p.line} if p.line else {}),
                **({"code": p.code} if p.code else {}),
                "since": stamp,
            }
            for p in problems
        ],
        "display": "off",
        "stopped": {"at": stamp, "result": "config"},
    }


def mark_stopped(
    directory: Path,
    now: datetime,
    result: str = "",
    exit_status: str = "",
    *,
    status_file: Path | None = None,
) -> bool:
    """After the player stopped (`signage stopped`, systemd's ExecStopPost): rewrite
    status.json and 状态.txt in `directory` (and the status file) so that they say so,
    keeping the last status as it was. A refusal to start is not overwritten by the exit
    that followed it. False when there was no status to mark."""
    marked = False
    targets = [directory / STATUS_JSON_NAME] + ([status_file] if status_file else [])
    for target in targets:
        try:
            status = json.loads(target.read_text("utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(status, dict):
            continue
        old = status.get("stopped")
        if not (isinstance(old, Mapping) and old.get("result") == "config"):
            stopped: dict[str, Any] = {"at": now.isoformat(timespec="seconds")}
            if result:
                stopped["result"] = result
            if exit_status:
                stopped["exit_status"] = exit_status
            status["stopped"] = stopped
        if target.parent == directory and target.name == STATUS_JSON_NAME:
            write_status_page(directory, status, now)
        else:
            data = json.dumps(status, ensure_ascii=False, indent=1) + "\n"
            _write_atomic(target, data.encode("utf-8"))
        marked = True
    return marked


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
    kept = bool(path) and path in playing
    lines.append(f"     原因：{explain(code, line, path, kept=kept, message=message)}")
    since = _parse_time(problem.get("since"))
    if since is not None:
        lines.append(f"     发现时间：{short_time(since, now)}")
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


def short_time(moment: datetime, now: datetime) -> str:
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
