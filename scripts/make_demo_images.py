"""Draw the demo images in slides/图片/ (run from anywhere; writes next to this repo's slides/).

    python scripts/make_demo_images.py [--out DIR]

Everything is drawn from shapes, so the output is the same on every run and carries no
photograph or artwork from elsewhere. Each image exercises one thing the player must handle:

- 01 a landscape "photo" of the township (JPEG, 16:9, fills a landscape screen);
- 02 a portrait poster (1080x1920), letterboxed on a landscape screen;
- 03 a JPEG stored on its side with EXIF Orientation = 6: it reads upright only when the
  player applies the tag (the 上/UP arrow must point up on screen);
- 04 a PNG with transparency (an emblem with a soft shadow) shown on the theme background.
"""

from __future__ import annotations

import argparse
import math
import random
import subprocess
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps

ROOT = Path(__file__).resolve().parents[1]
SANS_BOLD = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")
SC_FACE = 2  # face order in Noto CJK collections: 0 JP, 1 KR, 2 SC, 3 TC, 4 HK

RGB = tuple[int, int, int]
MAX_BYTES = 400 * 1024


def font(size: int) -> ImageFont.FreeTypeFont:
    """Noto Sans CJK SC Bold; asks fontconfig when the Debian path is not there."""
    path = SANS_BOLD
    if not path.exists():
        found = subprocess.run(
            ["fc-match", "-f", "%{file}", "Noto Sans CJK SC:bold"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        path = Path(found)
    return ImageFont.truetype(str(path), size, index=SC_FACE)


def mix(a: RGB, b: RGB, t: float) -> RGB:
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def vertical_gradient(size: tuple[int, int], top: RGB, bottom: RGB) -> Image.Image:
    w, h = size
    column = Image.new("RGB", (1, h))
    for y in range(h):
        column.putpixel((0, y), mix(top, bottom, y / max(1, h - 1)))
    return column.resize((w, h))


def ridge(
    width: int, base: float, waves: list[tuple[float, float, float]], step: int = 8
) -> list[tuple[float, float]]:
    """Points of a smooth skyline: base height plus a few sine waves (amplitude, period, phase)."""
    points = []
    for x in range(0, width + step, step):
        y = base + sum(a * math.sin(2 * math.pi * x / p + ph) for a, p, ph in waves)
        points.append((float(x), y))
    return points


def fill_below(
    draw: ImageDraw.ImageDraw, line: list[tuple[float, float]], h: int, c: RGB | int
) -> None:
    draw.polygon([*line, (line[-1][0], h), (line[0][0], h)], fill=c)


def centred_text(
    draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, size: int, fill: RGB
) -> None:
    draw.text(xy, text, font=font(size), fill=fill, anchor="mm")


def house(draw: ImageDraw.ImageDraw, x: int, ground: int, w: int, h: int) -> None:
    """A white-walled, grey-tiled village house (粉墙黛瓦) standing on `ground`."""
    wall: RGB = (244, 240, 230)
    roof: RGB = (70, 74, 82)
    draw.rectangle((x, ground - h, x + w, ground), fill=wall)
    eave = max(4, w // 10)
    draw.polygon(
        [(x - eave, ground - h), (x + w // 2, ground - h - h // 2), (x + w + eave, ground - h)],
        fill=roof,
    )
    for i in range(2):
        wx = x + w // 5 + i * (w // 2)
        draw.rectangle((wx, ground - h * 3 // 4, wx + w // 6, ground - h // 2), fill=(60, 62, 70))


def tree(draw: ImageDraw.ImageDraw, x: int, ground: int, r: int, c: RGB) -> None:
    draw.rectangle((x - r // 6, ground - r, x + r // 6, ground), fill=(92, 70, 50))
    draw.ellipse((x - r, ground - 3 * r, x + r, ground - r // 2), fill=c)


def landscape(size: tuple[int, int] = (1920, 1080)) -> Image.Image:
    """Morning over terraced fields, a river and a village at the foot of green hills."""
    w, h = size
    img = vertical_gradient(size, (104, 160, 218), (252, 226, 186))

    # Sun with a soft glow, and a few clouds: drawn on layers and blurred.
    glow = Image.new("L", size, 0)
    ImageDraw.Draw(glow).ellipse((1330, 170, 1590, 430), fill=200)
    glow = glow.filter(ImageFilter.GaussianBlur(60))
    img.paste((255, 244, 214), (0, 0), glow)
    ImageDraw.Draw(img).ellipse((1400, 240, 1520, 360), fill=(255, 248, 226))
    clouds = Image.new("L", size, 0)
    cd = ImageDraw.Draw(clouds)
    for cx, cy, cw in [(300, 180, 260), (420, 200, 200), (900, 120, 300), (1040, 140, 180)]:
        cd.ellipse((cx - cw, cy - cw // 5, cx + cw, cy + cw // 5), fill=170)
    img.paste((255, 255, 255), (0, 0), clouds.filter(ImageFilter.GaussianBlur(18)))

    # Three ranges of hills, paler with distance.
    # Blur only the mask: blurring a transparent layer would darken the ridge's edge.
    far = Image.new("L", size, 0)
    fill_below(
        ImageDraw.Draw(far),
        ridge(w, 520, [(60, 900, 0.3), (25, 310, 1.7), (10, 130, 0.2)]),
        h,
        255,
    )
    img.paste((150, 176, 196), (0, 0), far.filter(ImageFilter.GaussianBlur(2)))
    draw = ImageDraw.Draw(img)
    fill_below(draw, ridge(w, 610, [(55, 700, 2.1), (22, 260, 0.9)]), h, (104, 146, 118))
    fill_below(draw, ridge(w, 700, [(30, 1100, 4.0), (12, 380, 2.5)]), h, (86, 134, 82))

    # Terraced fields: bands between gently curving lines, alternating winter greens and straw.
    colours: list[RGB] = [(132, 176, 84), (196, 178, 110), (112, 162, 76), (176, 190, 96)]
    top = 760.0
    for i in range(9):
        band = 22 + i * 9
        upper = ridge(w, top, [(10 + i, 800 + 90 * i, 0.5 * i)])
        lower = ridge(w, top + band, [(10 + i, 800 + 90 * i, 0.5 * i)])
        draw.polygon([*upper, *reversed(lower)], fill=colours[i % len(colours)])
        draw.line(lower, fill=(92, 120, 60), width=2)
        top += band

    # A river winding out of the hills towards the bottom left.
    left = [(940 - 0.9 * (y - 770) + 50 * math.sin(y / 70), float(y)) for y in range(770, h + 8, 8)]
    right = [(x + 6 + 0.3 * (y - 770), y) for x, y in left]
    draw.polygon([*left, *reversed(right)], fill=(150, 196, 222))

    # The village: houses and trees at the foot of the hills, the township hall among them.
    rng = random.Random(2026)
    ground = 770
    for x in range(180, 900, 84):
        hw = rng.randint(56, 76)
        house(draw, x + rng.randint(-10, 10), ground + rng.randint(-6, 6), hw, hw * 2 // 3)
    hall_x, hall_w, hall_h = 1120, 260, 150
    draw.rectangle((hall_x, ground - hall_h, hall_x + hall_w, ground), fill=(246, 243, 236))
    for row in range(4):
        for col in range(7):
            wx = hall_x + 18 + col * 34
            wy = ground - hall_h + 14 + row * 34
            draw.rectangle((wx, wy, wx + 18, wy + 20), fill=(90, 120, 150))
    draw.line(
        (hall_x + hall_w // 2, ground - hall_h, hall_x + hall_w // 2, ground - hall_h - 70),
        fill=(200, 200, 200),
        width=4,
    )
    draw.rectangle(
        (
            hall_x + hall_w // 2 + 2,
            ground - hall_h - 70,
            hall_x + hall_w // 2 + 46,
            ground - hall_h - 42,
        ),
        fill=(214, 30, 30),
    )
    for x in [*range(100, 1000, 130), *range(1420, 1900, 110)]:
        tree(
            draw,
            x + rng.randint(-20, 20),
            ground + rng.randint(4, 16),
            rng.randint(16, 24),
            (54 + rng.randint(0, 20), 104 + rng.randint(0, 20), 60),
        )

    # A small caption, as the office's photographer would add.
    caption = "青山镇溪口村　2026年11月"
    cap_font = font(34)
    box = draw.textbbox((60, h - 60), caption, font=cap_font, anchor="ls")
    shade = Image.new("L", size, 0)
    ImageDraw.Draw(shade).rounded_rectangle(
        (box[0] - 18, box[1] - 12, box[2] + 18, box[3] + 14), radius=10, fill=110
    )
    img.paste((0, 0, 0), (0, 0), shade)
    draw.text((60, h - 60), caption, font=cap_font, fill=(255, 255, 255), anchor="ls")
    return img


def bin_icon(draw: ImageDraw.ImageDraw, cx: int, cy: int, s: int, c: RGB) -> None:
    """A simple wheelie bin: body, lid and two stripes."""
    draw.rounded_rectangle((cx - s, cy - s // 2, cx + s, cy - s // 3), radius=6, fill=c)
    draw.polygon(
        [
            (cx - s + 8, cy - s // 3 + 6),
            (cx + s - 8, cy - s // 3 + 6),
            (cx + s - 22, cy + s),
            (cx - s + 22, cy + s),
        ],
        fill=c,
    )
    for dx in (-s // 3, s // 3):
        draw.line((cx + dx, cy, cx + dx * 4 // 5, cy + s - 16), fill=(255, 255, 255), width=6)


def poster(size: tuple[int, int] = (1080, 1920)) -> Image.Image:
    """A portrait waste-sorting poster: title, four category cards, issuing office."""
    w, h = size
    img = Image.new("RGB", size, (250, 245, 232))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, w, 430), fill=(34, 120, 74))
    centred_text(draw, (w / 2, 170), "垃圾分类", 170, (255, 255, 255))
    centred_text(draw, (w / 2, 330), "从我做起　共建美丽青山", 64, (236, 246, 226))

    cards: list[tuple[str, RGB, list[str]]] = [
        ("可回收物", (30, 96, 170), ["废纸板", "塑料瓶", "易拉罐", "旧衣物"]),
        ("有害垃圾", (196, 40, 36), ["废充电电池", "废灯管", "过期药品", "废油漆桶"]),
        ("厨余垃圾", (46, 140, 70), ["剩菜剩饭", "瓜皮果核", "菜帮菜叶", "过期食品"]),
        ("其他垃圾", (96, 100, 108), ["卫生纸", "烟蒂", "陶瓷碎片", "一次性餐具"]),
    ]
    margin, gap, top, card_h = 60, 40, 500, 560
    card_w = (w - 2 * margin - gap) // 2
    for i, (name, colour, examples) in enumerate(cards):
        x = margin + (i % 2) * (card_w + gap)
        y = top + (i // 2) * (card_h + gap)
        draw.rounded_rectangle(
            (x, y, x + card_w, y + card_h), radius=28, fill=(255, 255, 255), outline=colour, width=6
        )
        draw.rounded_rectangle((x, y, x + card_w, y + 120), radius=28, fill=colour)
        draw.rectangle((x, y + 90, x + card_w, y + 120), fill=colour)
        centred_text(draw, (x + card_w / 2, y + 62), name, 64, (255, 255, 255))
        bin_icon(draw, x + card_w // 2, y + 230, 70, colour)
        for j, example in enumerate(examples):
            centred_text(draw, (x + card_w / 2, y + 360 + j * 50), example, 38, (50, 50, 54))

    draw.rectangle((0, h - 200, w, h), fill=(34, 120, 74))
    centred_text(draw, (w / 2, h - 130), "青山镇人民政府　宣", 52, (255, 255, 255))
    centred_text(draw, (w / 2, h - 62), "咨询电话：0571-86512366", 40, (236, 246, 226))
    return img


def floor_guide(size: tuple[int, int] = (1600, 1000)) -> Image.Image:
    """The hall's floor directory, drawn upright, with an 上/UP arrow at the top edge."""
    w, h = size
    img = Image.new("RGB", size, (248, 244, 236))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, w, 190), fill=(168, 24, 24))
    centred_text(draw, (w / 2 - 80, 95), "镇政府办公楼楼层指引", 84, (255, 248, 235))
    # The orientation marker: an arrow pointing to the top edge, labelled in both scripts.
    ax = w - 150
    draw.polygon([(ax, 22), (ax - 50, 92), (ax + 50, 92)], fill=(255, 220, 90))
    draw.rectangle((ax - 18, 90, ax + 18, 140), fill=(255, 220, 90))
    centred_text(draw, (ax, 166), "上 UP", 30, (255, 220, 90))

    floors = [
        ("3F", "第一会议室　镇领导办公室　档案室"),
        ("2F", "党政综合办公室　多功能厅　退役军人服务站"),
        ("1F", "便民服务中心　综合受理　社保医保　民政残联"),
    ]
    row_h = (h - 250) // len(floors)
    for i, (label, rooms) in enumerate(floors):
        y = 220 + i * row_h
        draw.rounded_rectangle((60, y, 240, y + row_h - 30), radius=20, fill=(168, 24, 24))
        centred_text(draw, (150, y + (row_h - 30) / 2), label, 80, (255, 255, 255))
        draw.text((290, y + (row_h - 30) / 2), rooms, font=font(54), fill=(40, 40, 44), anchor="lm")
        draw.line((290, y + row_h - 15, w - 60, y + row_h - 15), fill=(214, 200, 186), width=3)
    return img


def emblem(size: int = 1000) -> Image.Image:
    """A round service-hotline badge on a transparent ground, with a soft drop shadow."""
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    c = size // 2
    r = size * 9 // 20
    shadow = Image.new("L", (size, size), 0)
    ImageDraw.Draw(shadow).ellipse((c - r + 16, c - r + 26, c + r + 16, c + r + 26), fill=120)
    img.putalpha(shadow.filter(ImageFilter.GaussianBlur(18)))

    disc = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(disc)
    draw.ellipse((c - r, c - r, c + r, c + r), fill=(176, 26, 26, 255))
    inner = r - 36
    draw.ellipse((c - inner, c - inner, c + inner, c + inner), fill=(255, 250, 240, 255))
    # Sun and two green peaks: the township's name is "green hills".
    draw.ellipse((c + 60, c - 250, c + 150, c - 160), fill=(240, 160, 40, 255))
    draw.polygon([(c - 300, c - 10), (c - 110, c - 250), (c + 60, c - 10)], fill=(46, 140, 70, 255))
    draw.polygon([(c - 80, c - 10), (c + 110, c - 200), (c + 300, c - 10)], fill=(86, 170, 96, 255))
    draw.rectangle((c - 300, c - 14, c + 300, c - 4), fill=(46, 140, 70, 255))
    draw.text((c, c + 80), "青山镇便民服务", font=font(84), fill=(176, 26, 26, 255), anchor="mm")
    draw.text((c, c + 200), "0571-86512345", font=font(72), fill=(40, 40, 44, 255), anchor="mm")
    return Image.alpha_composite(img, disc)


def save_jpeg(img: Image.Image, path: Path, **extra: object) -> None:
    img.save(path, "JPEG", quality=88, optimize=True, progressive=True, **extra)


def write_all(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []

    p = out / "01-青山镇风光.jpg"
    save_jpeg(landscape(), p)
    written.append(p)

    p = out / "02-垃圾分类宣传海报.png"
    poster().save(p, "PNG", optimize=True)
    written.append(p)

    # Orientation 6: the stored rows are the picture's right-hand column, so the viewer must
    # turn it 90 degrees clockwise. Store the upright picture turned 90 degrees anticlockwise.
    p = out / "03-楼层指引（EXIF旋转）.jpg"
    upright = floor_guide()
    exif = Image.Exif()
    exif[0x0112] = 6
    save_jpeg(upright.transpose(Image.Transpose.ROTATE_90), p, exif=exif.tobytes())
    with Image.open(p) as check:
        shown = ImageOps.exif_transpose(check)
        assert shown.size == upright.size, "the EXIF tag does not restore the upright picture"
    written.append(p)

    p = out / "04-便民服务热线（透明背景）.png"
    emblem().save(p, "PNG", optimize=True)
    written.append(p)

    for path in written:
        size = path.stat().st_size
        assert size < MAX_BYTES, f"{path.name} is {size} bytes, over {MAX_BYTES}"
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=ROOT / "slides" / "图片")
    args = parser.parse_args(argv)
    for path in write_all(args.out):
        with Image.open(path) as im:
            print(f"{path.stat().st_size:>8}  {im.size[0]}x{im.size[1]} {im.mode:5} {path.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
