"""The `signage` command: main(argv) -> exit status (0 ok, 1 problems or failure, 2 usage)."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from signage.core.clock import local_zone, parse_when
from signage.core.config import (
    DEFAULT_MACHINE_CONFIG,
    LAST_GOOD_PROBLEM,
    Settings,
    config_usable,
    load_settings,
    parse_size,
    unusable_config_message,
)
from signage.core.model import Problem

if TYPE_CHECKING:
    from signage.content.folder import ContentFolder
    from signage.typeset.fonts import FontBook
    from signage.workers.lane import WorkerLane

log = logging.getLogger("signage")


class UsageError(Exception):
    pass


class Refused(Exception):
    """The command cannot work on its input (no usable machine configuration): exit 1."""


def _size(text: str) -> tuple[int, int]:
    try:
        return parse_size(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="signage",
        description="Lobby signage player: notices, documents, meetings and photos, full screen.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(p: argparse.ArgumentParser, *, size: bool = True) -> None:
        p.add_argument("--content", type=Path, help="content root (default: current directory)")
        p.add_argument(
            "--config",
            type=Path,
            help=f"machine configuration (default: {DEFAULT_MACHINE_CONFIG} if it exists)",
        )
        if size:
            p.add_argument("--size", type=_size, metavar="WxH", help="canvas size, e.g. 1920x1080")

    p = sub.add_parser("run", help="play full screen (or in a window)")
    common(p)
    p.add_argument("--windowed", action="store_true", help="play in a window (Esc quits)")
    p.add_argument("--status-file", type=Path, help="write the status JSON here")
    p.add_argument("--play-log", type=Path, metavar="DIR", help="proof-of-play log directory")
    p.add_argument(
        "--state-dir",
        type=Path,
        metavar="DIR",
        help="where the player writes status/状态.txt, its position and the last good "
        "configuration (never inside the content folder)",
    )
    p.add_argument("--rotation", type=int, choices=(0, 90, 180, 270))
    p.add_argument("--driver", help="SDL video driver (kmsdrm, wayland, x11, dummy …)")
    p.add_argument("--screen", help="this screen's name (default: host name)")
    p.add_argument("--at", help=argparse.SUPPRESS)  # start the clock here (demos, tests)

    p = sub.add_parser("preview", help="write every page that would play as PNG")
    common(p)
    p.add_argument("--at", help="local time, ISO 8601 (default: now)")
    p.add_argument("--out", type=Path, help="output directory: every page and overview.png")
    p.add_argument("--day", action="store_true", help="every slide that plays that day")
    p.add_argument("--sheet", type=Path, help="write only the overview sheet, to this file")
    p.add_argument("--screen", help="screen name to plan for")

    p = sub.add_parser("check", help="validate every slide and playlist")
    common(p, size=False)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("inspect", help="how one file is read and laid out")
    p.add_argument("file", type=Path)
    p.add_argument("--size", type=_size, metavar="WxH")
    p.add_argument("--at", help="local time for meeting labels (default: now)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--config", type=Path, help=argparse.SUPPRESS)

    p = sub.add_parser("plan", help="what plays at a time, and what is left out")
    common(p, size=False)
    p.add_argument("--at", help="local time, ISO 8601 (default: now)")
    p.add_argument("--from", dest="start", help="timeline start (with --to)")
    p.add_argument("--to", dest="end", help="timeline end")
    p.add_argument("--screen", help="screen name to plan for")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("report", help="proof of play: what was shown, when, for how long")
    p.add_argument("--config", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--play-log", type=Path, metavar="DIR")
    p.add_argument("--from", dest="start", help="first day (YYYY-MM-DD)")
    p.add_argument("--to", dest="end", help="last day (YYYY-MM-DD)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--today", help=argparse.SUPPRESS)  # tests: what "today" is

    p = sub.add_parser(
        "stopped",
        help="mark the status page: the player has stopped (systemd's ExecStopPost runs it)",
    )
    p.add_argument("--config", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--state-dir", type=Path, metavar="DIR")

    p = sub.add_parser(
        "share-config",
        help="print the smb.conf for the staff share (docs/share.md)",
        # No option prefix here: every argument, --config and -h included, goes unparsed to
        # signage.appliance.samba's own parser (argparse.REMAINDER alone refuses leading options).
        prefix_chars="\x00",
        add_help=False,
    )
    p.add_argument("arguments", nargs=argparse.REMAINDER)

    p = sub.add_parser(
        "sites",
        help="several sites through Syncthing: set up the office and stations (docs/多站点.md)",
        prefix_chars="\x00",  # every argument goes to signage.sites.main's own parser
        add_help=False,
    )
    p.add_argument("arguments", nargs=argparse.REMAINDER)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # pygame prints a banner on import; a service log and command output don't want it.
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    _setup_logging(args.command)
    handler = {
        "run": cmd_run,
        "preview": cmd_preview,
        "check": cmd_check,
        "inspect": cmd_inspect,
        "plan": cmd_plan,
        "report": cmd_report,
        "share-config": cmd_share_config,
        "sites": cmd_sites,
        "stopped": cmd_stopped,
    }[args.command]
    try:
        return handler(args)
    except UsageError as err:
        print(f"signage {args.command}: {err}", file=sys.stderr)
        return 2
    except Refused as err:
        print(err, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `signage plan --json | head`: the reader left; not an error worth a traceback.
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        return 0


def _setup_logging(command: str) -> None:
    from signage.appliance.logsetup import setup_logging

    # The one-shot commands print their results (problems included); their log would only
    # repeat them, so it shows errors alone.
    level = os.environ.get("SIGNAGE_LOG_LEVEL") or ("info" if command == "run" else "error")
    setup_logging(level, environ=os.environ, stream=sys.stderr if command != "run" else None)


# --- shared set-up ------------------------------------------------------------------------


def _machine_config(args: argparse.Namespace) -> Path | None:
    if getattr(args, "config", None) is not None:
        if not args.config.is_file():
            raise UsageError(f"configuration file {str(args.config)!r} does not exist")
        # Absolute: problems name the file as the administrator would open it.
        return Path(args.config).absolute()
    return DEFAULT_MACHINE_CONFIG if DEFAULT_MACHINE_CONFIG.is_file() else None


def _overrides(args: argparse.Namespace, **extra: Any) -> dict[str, Any]:
    keys = ("size", "status_file", "play_log", "state_dir", "rotation", "driver", "screen")
    out = {k: getattr(args, k) for k in keys if getattr(args, k, None) is not None}
    if getattr(args, "windowed", False):
        out["windowed"] = True
    out.update(extra)
    return out


def _state_dirs(args: argparse.Namespace) -> list[Path]:
    """Where a last good machine configuration may be: --state-dir, then systemd's
    StateDirectory= (the service's $STATE_DIRECTORY)."""
    found = [Path(args.state_dir)] if getattr(args, "state_dir", None) else []
    found += [Path(d) for d in os.environ.get("STATE_DIRECTORY", "").split(":") if d]
    return found


def _settings_loader(args: argparse.Namespace, *, remember: bool = False, **extra: Any) -> Any:
    """The settings as the commands load them (again whenever the content's signage.yaml
    changes). `remember` (the player): keep a copy of a good machine configuration, and
    should the file later break with no copy on disk, go on with the settings it had."""
    content = getattr(args, "content", None)
    if content is not None and not Path(content).is_dir():
        raise UsageError(f"content folder {str(content)!r} does not exist")
    machine = _machine_config(args)
    overrides = _overrides(args, **extra)
    state_dirs = _state_dirs(args)
    good: list[Settings] = []

    def load() -> tuple[Settings, list[Problem]]:
        settings, problems = load_settings(
            content, machine, overrides, state_dirs=state_dirs, remember=remember
        )
        if config_usable(problems):
            if remember:
                good[:] = [settings]
            return settings, problems
        if good:
            kept = Problem(
                str(machine),
                "the file has errors (listed with it); going on with the configuration "
                "the player started with",
                None,
                LAST_GOOD_PROBLEM,
            )
            return good[0], [*problems, kept]
        return settings, problems

    return load


def _content_folder(args: argparse.Namespace, **extra: Any) -> ContentFolder:
    import time

    from signage.content.folder import ContentFolder

    folder = ContentFolder(_settings_loader(args, **extra), time.monotonic)
    problems = folder.problems()
    if not config_usable(problems):
        folder.close()
        raise Refused(unusable_config_message(problems))
    try:
        folder.scan()  # every file read now, by workers
    finally:
        folder.close()  # what was read stays; the workers go
    return folder


@contextlib.contextmanager
def _worker_lane(settings: Settings) -> Iterator[WorkerLane]:
    """Worker processes for a one-shot command: the same jobs and limits as the player's."""
    from signage.workers.lane import WorkerLane
    from signage.workers.limits import worker_limits

    lane = WorkerLane("screen", worker_limits(settings), idle_exit_s=30.0)
    try:
        yield lane
    finally:
        lane.close()


def _moment(text: str | None, settings: Settings) -> datetime:
    tz = local_zone(settings.timezone)
    if not text:
        return datetime.now(tz) if tz else datetime.now().astimezone()
    try:
        return parse_when(text, tz)
    except ValueError as err:
        raise UsageError(str(err)) from None


def _fonts(settings: Settings) -> FontBook:
    from signage.typeset.fonts import FontBook

    return FontBook.from_settings(settings.fonts)


# --- commands -----------------------------------------------------------------------------


def cmd_check(args: argparse.Namespace) -> int:
    from signage.appliance.statuspage import explain, explain_warning
    from signage.core.paths import PLAYLISTS_DIR, SLIDES_DIR

    folder = _content_folder(args, settle_s=0.0)
    problems = folder.problems()
    if not (folder.root / SLIDES_DIR).is_dir():
        problems.insert(
            0,
            Problem(
                "",
                f"there is no {SLIDES_DIR}/ folder in {folder.root}: is this a content folder? "
                f"(it needs {SLIDES_DIR}/ and optionally {PLAYLISTS_DIR}/)",
                code="no-slides-folder",
            ),
        )
    slides = folder.catalog.slides
    if args.json:
        print(
            json.dumps(
                {
                    "content": str(folder.root),
                    "slides": [
                        {
                            "path": folder.describe(p),
                            "kind": s.kind,
                            "title": s.title,
                            "warnings": list(s.warnings),
                        }
                        for p, s in slides.items()
                    ],
                    "playlists": sorted(folder.playlists),
                    "problems": [
                        {
                            **_problem_json(p, folder),
                            "explanation": explain(p.code, p.line, p.path, message=p.message),
                        }
                        for p in problems
                    ],
                },
                ensure_ascii=False,
                indent=1,
            )
        )
    else:
        for slide_path, slide in slides.items():
            kind = _KINDS_ZH.get(slide.kind, slide.kind)
            print(f"可以播放  {folder.describe(slide_path)}  〔{kind}〕{slide.title}")
            for warning in slide.warnings:
                print(f"          提示：{explain_warning(warning)}")
        for problem in problems:
            print(_problem_text(problem, folder, "有问题    "))
        print(
            f"检查结果：{len(slides)} 个文件可以播放，{len(folder.playlists)} 个播放列表，"
            f"{len(problems)} 个问题"
            f"（{len(slides)} slides, {len(folder.playlists)} playlists, "
            f"{len(problems)} problems）"
        )
    return 1 if problems else 0


def _width(text: str) -> int:
    """Columns on a terminal: Chinese characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


_KINDS_ZH = {
    "notice": "通知",
    "document": "文件",
    "meeting": "会议",
    "image": "图片",
    "pdf": "PDF",
}


def _problem_text(problem: Problem, folder: ContentFolder, lead: str) -> str:
    """One problem for the administrator: where, the plain-Chinese reason staff also read on
    状态.txt, and the technical line (the part to search for or to report)."""
    from signage.appliance.statuspage import explain

    where = folder.describe(problem.path)
    reason = explain(problem.code, problem.line, problem.path, message=problem.message)
    said = f"第 {problem.line} 行" if problem.line else ""
    line = f" {said}" if said and not reason.startswith(said) else ""
    head = f"{lead}{where}{line}：" if where else lead
    technical = f"line {problem.line}: {problem.message}" if problem.line else problem.message
    pad = " " * _width(lead) if lead.strip() else lead + "  "
    return f"{head}{reason}\n{pad}技术说明：{technical}"


def _problem_json(problem: Problem, folder: ContentFolder) -> dict[str, Any]:
    out: dict[str, Any] = {"path": folder.describe(problem.path), "message": problem.message}
    if problem.line:
        out["line"] = problem.line
    if problem.code:
        out["code"] = problem.code
    return out


def cmd_plan(args: argparse.Namespace) -> int:
    folder = _content_folder(args, settle_s=0.0)
    settings = folder.settings
    if args.start or args.end:
        if not (args.start and args.end):
            raise UsageError("--from and --to go together")
        from signage.schedule.timeline import format_timeline

        start, end = _moment(args.start, settings), _moment(args.end, settings)
        if end <= start:
            raise UsageError("--to must be after --from")
        segments = folder.timeline(start, end)
        if args.json:
            print(
                json.dumps(
                    [
                        {
                            "start": s.start.isoformat(timespec="seconds"),
                            "end": s.end.isoformat(timespec="seconds"),
                            "playlist": s.playlist,
                            "items": [folder.describe(p) for p in s.items],
                            "display": s.display,
                            "urgent": s.urgent,
                        }
                        for s in segments
                    ],
                    ensure_ascii=False,
                    indent=1,
                )
            )
        else:
            print(format_timeline(segments))
        return 0
    at = _moment(args.at, settings)
    plan = folder.plan(at)
    from signage.schedule.planner import plan_json

    canvas = settings.size or (1920, 1080)
    fonts = _fonts(settings)

    def page_info(item: Any) -> tuple[int, float]:
        from signage.typeset.paginate import pages_for

        pages = pages_for(item, canvas, fonts, settings, at)
        return len(pages), sum(p.duration for p in pages)

    data = plan_json(plan, page_info)
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=1))
    else:
        print(_plan_text(plan, data, folder))
    return 0


def _plan_text(plan: Any, data: dict[str, Any], folder: ContentFolder) -> str:
    """`signage plan` for a person: Chinese, durations as 22分13秒, each problem once, with
    the technical line kept."""
    from signage.appliance.playlog import format_duration_zh
    from signage.appliance.statuspage import why_left_out, why_playlist_unused
    from signage.render.page import chinese_datetime

    settings = folder.settings
    display = "开屏" if data["display"] == "on" else "关屏（按设置的开屏时段）"
    out = [f"{chinese_datetime(plan.at)}  屏幕 {data['screen']}  {display}"]
    if plan.urgent:
        out.append("现在播放紧急通知：它们代替所有播放列表，结束后恢复原来的播放。")
    elif data["playlist"]:
        out.append(f"播放列表：{data['playlist']}")
    elif plan.items:
        out.append("没有使用播放列表：slides 里的全部文件按文件名顺序播放。")
    else:
        out.append("没有在播放时间内的播放列表：屏幕只显示单位名称和时间。")
    per_turn = {
        folder.describe(i.slide.path): (
            i.pages_per_turn if i.pages_per_turn is not None else settings.pages_per_turn
        )
        for i in plan.items
    }
    lines, total = [], 0.0
    for item in data["items"]:
        turn = per_turn.get(item["path"], 0)
        whole = format_duration_zh(item["duration"])
        if 0 < turn < item["pages"]:
            # A long document shows `turn` pages a time round: that is what a round costs.
            share = item["duration"] * turn / item["pages"]
            total += share
            said = (
                f"{item['pages']} 页，每轮 {turn} 页约 {format_duration_zh(share)}（全部 {whole}）"
            )
        else:
            total += item["duration"]
            said = f"{item['pages']} 页，{whole}"
        lines.append(f"  {item['path']}  {said}")
    out.append(
        f"轮流播放 {len(data['items'])} 个文件，一轮约 {format_duration_zh(total)}："
        if data["items"]
        else "轮流播放：（没有）"
    )
    out += lines
    if data["left_out"]:
        out.append(f"暂时不播放 {len(data['left_out'])} 个文件：")
        for item in data["left_out"]:
            out.append(f"  {item['path']}：{why_left_out(item['reason'])}")
            out.append(f"    技术说明：{item['reason']}")
    if plan.playlists:
        out.append("没有使用的播放列表：")
        for path, reason in plan.playlists:
            said = why_playlist_unused(reason, windows_paths=False)
            out.append(f"  {folder.describe(path)}：{said}")
            out.append(f"    技术说明：{reason}")
    if plan.problems:
        out.append(f"问题 {len(plan.problems)} 个：")
        out += [_problem_text(problem, folder, "  ") for problem in plan.problems]
    known = {p.message for p in plan.problems}
    out += [f"说明（技术）：{note}" for note in plan.notes if note not in known]
    return "\n".join(out)


def cmd_inspect(args: argparse.Namespace) -> int:
    from signage.core.model import PlannedItem, Problem
    from signage.typeset.describe import inspect_json, missing_glyph_warnings
    from signage.workers.jobs import Failure, Layout, ReadSlide

    path: Path = args.file
    if not path.exists():
        raise UsageError(f"{str(path)!r} does not exist")
    settings, _ = load_settings(Path("."), _machine_config(args), {}, state_dirs=_state_dirs(args))
    root = path.resolve().parent
    rel = path.name
    # Keep the content-relative path when the file lies under a content folder's slides/.
    for parent in path.resolve().parents:
        if parent.name == "slides":
            root = parent.parent
            rel = path.resolve().relative_to(root).as_posix()
            break
    with _worker_lane(settings) as lane:
        slide = lane.call(ReadSlide(str(root), rel, settings), 60.0)
        if isinstance(slide, Problem | Failure):
            message = slide.message if isinstance(slide, Problem) else slide.detail
            code = slide.code if isinstance(slide, Problem) else slide.kind
            line = f":{slide.line}" if isinstance(slide, Problem) and slide.line else ""
            print(f"{path}{line}: {message}", file=sys.stderr)
            if args.json:
                print(json.dumps({"path": rel, "error": message, "code": code}, ensure_ascii=False))
            return 1
        canvas = args.size or (1920, 1080)
        now = _moment(args.at, settings)
        pages = lane.call(Layout(PlannedItem(slide), canvas, settings, now), 60.0)
    if isinstance(pages, Failure):
        print(f"{path}: cannot lay it out: {pages.detail}", file=sys.stderr)
        return 1
    # Which characters the fonts lack: a look-up in trusted fonts, no parsing of the file.
    warnings = [*slide.warnings, *missing_glyph_warnings(slide, _fonts(settings))]
    data = inspect_json(slide, pages, warnings)
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=1))
    else:
        print(f"{data['path']}: {data['kind']} “{data['title']}”, {len(data['pages'])} page(s)")
        for n, page in enumerate(data["pages"], 1):
            print(f"-- page {n} ({page['duration']:.0f} s)")
            for line in page.get("lines", []):
                print(f"  [{line['role']:9s} {line['size']:3d}px] {line['text']}")
        for warning in data.get("warnings", []):
            print(f"warning: {warning}")
    return 0


def cmd_preview(args: argparse.Namespace) -> int:
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    import pygame

    from signage.render.page import draw_header, header_lines, render_idle
    from signage.typeset.canvas import frame_for
    from signage.workers.jobs import Failure, Layout, Render

    if args.out is None and args.sheet is None:
        raise UsageError("give --out DIR (every page and an overview) or --sheet FILE")
    folder = _content_folder(args, settle_s=0.0)
    settings = folder.settings
    at = _moment(args.at, settings)
    canvas = settings.size or (1920, 1080)
    pygame.display.init()  # not pygame.init(): no audio device is wanted, nor its warnings
    fonts = _fonts(settings)
    frame = frame_for(canvas)
    out: Path | None = args.out
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    items = _day_items(folder, at) if args.day else list(folder.plan(at).items)

    pages_drawn: list[tuple[Any, str]] = []
    """(a thumbnail for the overview, its label); full pages go to --out only."""
    header = header_lines(frame, settings.organisation, at, fonts, settings.organisation_mn)

    def keep(surface: Any, name: str, label: str) -> None:
        draw_header(surface, frame, header, fonts, settings.theme)
        if out is not None:
            pygame.image.save(surface, str(out / name))
            print(f"{out / name}  {label}")
        pages_drawn.append((_thumbnail(surface), label))

    # Pages are laid out and drawn by workers, exactly as the player has them made.
    with _worker_lane(settings) as lane:
        for n, item in enumerate(items, 1):
            slide = item.slide
            pages = lane.call(Layout(item, canvas, settings, at), 60.0)
            if isinstance(pages, Failure):
                print(f"problem: {slide.path}: cannot lay it out: {pages.detail}", file=sys.stderr)
                continue
            stem = _safe_stem(slide.path)
            for i, page in enumerate(pages):
                job = Render(page, slide.path, slide.digest, str(folder.root), canvas, settings)
                pixels = lane.call(job, 60.0)
                if isinstance(pixels, Failure):
                    print(
                        f"problem: {slide.path} page {i + 1}: cannot draw it: {pixels.detail}",
                        file=sys.stderr,
                    )
                    continue
                surface = pygame.image.frombytes(pixels.data, (pixels.width, pixels.height), "RGB")
                label = f"{slide.path} {i + 1}/{len(pages)}"
                keep(surface, f"{n:02d}-{stem}-p{i + 1:02d}.png", label)
    if not items:
        welcome = None
        if not folder.catalog.slides and not any(p for p in folder.catalog.problems if p):
            import socket

            from signage.appliance.samba import staff_share_address

            welcome = staff_share_address(settings, socket.gethostname())
        surface = render_idle(
            canvas,
            settings.organisation,
            at,
            fonts,
            settings.theme,
            settings.organisation_mn,
            welcome=welcome,
        )
        keep(surface, "00-idle.png", "(nothing to play)")
    sheet = _overview(pages_drawn, fonts, settings)
    for target in [out / "overview.png"] if out is not None else []:
        pygame.image.save(sheet, str(target))
        print(f"{target}  overview of {len(pages_drawn)} page(s)")
    if args.sheet is not None:
        _save_atomically(sheet, Path(args.sheet))
    for problem in folder.problems():
        print(f"problem: {problem.describe()}", file=sys.stderr)
    return 0


def _day_items(folder: ContentFolder, at: datetime) -> list[Any]:
    """Every slide that plays on `at`'s day (each once, in the order it first comes up)."""
    from datetime import timedelta

    start = at.replace(hour=0, minute=0, second=0, microsecond=0)
    segments = folder.timeline(start, start + timedelta(days=1))
    seen: dict[str, Any] = {}
    for segment in segments:
        if segment.display != "on":
            continue
        for item in folder.plan(max(segment.start, start)).items:
            seen.setdefault(item.slide.path, item)
    return list(seen.values())


def _save_atomically(surface: Any, target: Path) -> None:
    import pygame

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.stem}.{os.getpid()}.tmp{target.suffix}")
    try:
        pygame.image.save(surface, str(tmp))
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


THUMB_W = 480


def _thumbnail(surface: Any) -> Any:
    import pygame

    w, h = surface.get_size()
    return pygame.transform.smoothscale(surface, (THUMB_W, round(THUMB_W * h / w)))


def _safe_stem(rel: str) -> str:
    from signage.core.paths import display_path

    stem = display_path(rel).removeprefix("slides/").rsplit(".", 1)[0]
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in stem)[:60]


def _overview(pages: list[tuple[Any, str]], fonts: FontBook, settings: Settings) -> Any:
    """A contact sheet of every page with its file name, for checking a day at a glance."""
    import math

    import pygame

    from signage.core.model import Line
    from signage.render.text import draw_lines

    cols = min(4, max(1, len(pages)))
    rows = max(1, math.ceil(len(pages) / cols))
    tw = THUMB_W
    th = max((thumb.get_height() for thumb, _ in pages), default=270)
    label_h = 36
    pad = 16
    sheet = pygame.Surface((cols * (tw + pad) + pad, rows * (th + label_h + pad) + pad))
    sheet.fill((235, 232, 226))
    for i, (thumb, label) in enumerate(pages):
        x = pad + (i % cols) * (tw + pad)
        y = pad + (i // cols) * (th + label_h + pad)
        sheet.blit(thumb, (x, y))
        text = label.removeprefix("slides/")
        size = 18
        while size > 10 and fonts.advance(text, "sans", size) > tw:
            size -= 1
        draw_lines(
            sheet,
            [
                Line(
                    text=text,
                    role="meta",
                    x=x,
                    y=y + th + 6,
                    width=tw,
                    size=size,
                    baseline=y + th + 6 + round(size * 0.88),
                    color="muted",
                )
            ],
            fonts,
            settings.theme,
        )
    return sheet


def cmd_report(args: argparse.Namespace) -> int:
    from datetime import date, timedelta

    from signage.appliance.playlog import format_report, summarise
    from signage.schedule.calendar import WorkCalendar

    settings, _ = load_settings(Path("."), _machine_config(args), {}, state_dirs=_state_dirs(args))
    directory = args.play_log or settings.play_log
    if directory is None:
        raise UsageError("no play log directory: give --play-log DIR or set play_log in the config")
    if not Path(directory).is_dir():
        raise UsageError(f"play log directory {str(directory)!r} does not exist")
    try:
        start = date.fromisoformat(args.start) if args.start else None
        end = date.fromisoformat(args.end) if args.end else None
    except ValueError as err:
        raise UsageError(f"{err}: dates are written 2026-12-01") from None
    report = summarise(Path(directory), start, end)
    expected = None
    if start is not None and end is not None and end >= start:
        # "Was it on screen every working day?": list the official working days to check.
        calendar, _ = WorkCalendar.from_settings(
            settings.calendar_workdays, settings.calendar_holidays
        )
        days = (start + timedelta(days=i) for i in range((end - start).days + 1))
        expected = [d for d in days if calendar.is_workday(d)]
    try:
        today = date.fromisoformat(args.today) if args.today else _moment(None, settings).date()
    except ValueError as err:
        raise UsageError(f"{err}: dates are written 2026-12-01") from None
    print(format_report(report, as_json=args.json, expected_days=expected, today=today))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from signage.commands.run import run_player

    return run_player(_settings_loader(args, remember=True), args)


def cmd_stopped(args: argparse.Namespace) -> int:
    """systemd runs this after the player stops (ExecStopPost=), whatever the reason, so that
    状态.txt never shows a stopped player as playing. It never fails the unit."""
    from signage.appliance.statuspage import mark_stopped

    dirs = _state_dirs(args)
    machine = _machine_config(args)
    settings, _ = load_settings(None, machine, {}, state_dirs=dirs) if machine else (None, [])
    if settings is not None and settings.state_dir is not None:
        dirs.append(settings.state_dir)
    if not dirs:
        print("signage stopped: no state directory (give --state-dir)", file=sys.stderr)
        return 0
    now = _moment(None, settings or Settings(content=Path(".")))
    result = os.environ.get("SERVICE_RESULT", "")
    status = os.environ.get("EXIT_STATUS", "")
    marked = mark_stopped(
        dirs[0] / "status",
        now,
        result,
        status,
        status_file=settings.status_file if settings is not None else None,
    )
    if not marked:
        print(f"signage stopped: no status to mark in {dirs[0] / 'status'}", file=sys.stderr)
    return 0


def cmd_share_config(args: argparse.Namespace) -> int:
    from signage.appliance.samba import share_config_main

    return share_config_main(args.arguments)


def cmd_sites(args: argparse.Namespace) -> int:
    from signage.sites.main import sites_main

    return sites_main(args.arguments)
