"""What the guest's monitor shows, against what `signage preview` renders for the same moment.

The guest's clock runs from a fixed start (vm.RTC_BASE_UTC); the moment is read from the
guest just before and after each screendump, and the picture only counts when both fall in
the same minute, so the header clock in the preview is the one on screen. The preview runs on
the host from this checkout, over a copy of the guest's content folder and configuration.
"""

from __future__ import annotations

import base64
import contextlib
import io
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageChops, ImageFilter

from tests.system.vm import GUEST_TZ, REPO, VM, VMError

# A pixel differs when a channel is off by more than this after a 1-pixel blur, which
# absorbs anti-aliasing and the GPU's rounding; a picture matches when fewer than
# MATCH_FRACTION of its pixels differ. A different page, a missing line or a wrong clock
# minute differs in far more (a changed minute alone is ~0.4 % at 1280x720).
PIXEL_TOLERANCE = 40
MATCH_FRACTION = 0.002
ARTIFACTS = Path(os.environ.get("SIGNAGE_VM_ARTIFACTS") or REPO / "out" / "system-test")


@dataclass(frozen=True)
class Expected:
    at: str
    pages: dict[str, Image.Image]
    """Page file name (e.g. `01-notices_停水-p01.png`, `00-idle.png`) → picture."""


def difference(a: Image.Image, b: Image.Image) -> float:
    """The fraction of pixels that differ beyond anti-aliasing (1.0 when sizes differ)."""
    if a.size != b.size:
        return 1.0
    blur = ImageFilter.BoxBlur(1)
    diff = ImageChops.difference(a.convert("RGB").filter(blur), b.convert("RGB").filter(blur))
    channel_max = ImageChops.lighter(
        ImageChops.lighter(diff.getchannel(0), diff.getchannel(1)), diff.getchannel(2)
    )
    over = channel_max.point(lambda v: 255 if v > PIXEL_TOLERANCE else 0)
    histogram = over.histogram()
    return histogram[255] / (a.size[0] * a.size[1])


def is_black(picture: Image.Image) -> bool:
    """Nearly every pixel dark: the failure issue 11 found (READY, watchdog fed, nothing)."""
    dark = picture.convert("L").point(lambda v: 255 if v < 16 else 0).histogram()[255]
    return dark > 0.98 * picture.size[0] * picture.size[1]


def guest_minute(vm: VM) -> str:
    return vm.sh("date +%Y-%m-%dT%H:%M", timeout=30).out.strip()


def fetch_content(vm: VM, dest: Path) -> Path:
    """A copy of the guest's content folder and a host configuration that points at it."""
    packed = vm.sh("tar -C /srv/signage -cf - . | base64 -w0", timeout=120).out
    content = dest / "content"
    content.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(base64.b64decode(packed))) as tar:
        tar.extractall(content, filter="data")
    import yaml

    machine = yaml.safe_load(vm.sh("cat /etc/signage/signage.yaml", timeout=30).out) or {}
    config = {
        key: value
        for key, value in machine.items()
        if key not in ("state_dir", "status_file", "play_log", "share", "display")
    }
    config["content"] = str(content)
    # The card of an empty lobby names the share as staff type it (\\host\share): the
    # guest's own answer, since the host has neither its name nor its smb.conf.
    address = vm.sh(
        "/opt/signage/venv/bin/python -c '"
        "import socket; from pathlib import Path; "
        "from signage.core.config import load_settings; "
        "from signage.appliance.samba import staff_share_address; "
        'settings, _ = load_settings(None, Path("/etc/signage/signage.yaml")); '
        "print(staff_share_address(settings, socket.gethostname()))'",
        timeout=60,
    ).out.strip()
    if address:
        config["share"] = {"address": address}
    (dest / "machine.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), "utf-8")
    return dest / "machine.yaml"


def preview(config: Path, at: str, size: tuple[int, int], out: Path) -> dict[str, Image.Image]:
    env = {
        **os.environ,
        "TZ": GUEST_TZ,
        "SDL_VIDEODRIVER": "dummy",
        "SDL_AUDIODRIVER": "dummy",
        "PYGAME_HIDE_SUPPORT_PROMPT": "1",
        "PYTHONPATH": str(REPO),
    }
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "signage",
            "preview",
            "--config",
            str(config),
            "--at",
            at,
            "--size",
            f"{size[0]}x{size[1]}",
            "--screen",
            "lobby-vm",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    if r.returncode != 0:
        raise VMError(f"signage preview failed:\n{r.stdout}{r.stderr}")
    pages = {}
    for png in sorted(out.glob("*.png")):
        if png.name != "overview.png":
            with Image.open(png) as img:
                pages[png.name] = img.convert("RGB")
    return pages


@dataclass
class Match:
    page: str
    score: float
    picture: Image.Image
    at: str
    waited_s: float


class Screen:
    """Waits for the guest's screen to show a page the preview renders for that moment."""

    def __init__(self, vm: VM, name: str) -> None:
        self.vm = vm
        self.name = name
        self.tmp = Path(tempfile.mkdtemp(prefix="signage-screen-"))
        self._cache: dict[tuple[str, str], dict[str, Image.Image]] = {}
        self.content_version = 0

    def content_changed(self) -> None:
        """The guest's content changed: fetch it again before the next preview."""
        self.content_version += 1

    def _expected(self, at: str) -> dict[str, Image.Image]:
        key = (at, str(self.content_version))
        if key not in self._cache:
            work = self.tmp / f"v{self.content_version}-{at.replace(':', '')}"
            config = fetch_content(self.vm, work)
            self._cache[key] = preview(config, at, self.vm.size, work / "preview")
        return self._cache[key]

    def wait(
        self,
        timeout: float,
        *,
        page: str | None = None,
        label: str = "",
    ) -> Match:
        """The first screendump within `timeout` seconds that matches a previewed page (or
        the page whose file name contains `page`). Fails with the pictures saved."""
        t0 = time.monotonic()
        blank = Image.new("RGB", (1, 1))
        best: tuple[float, str, Image.Image, Image.Image | None] = (2.0, "", blank, None)
        while True:
            try:
                before = guest_minute(self.vm)
                picture = self.vm.screendump()
                after = guest_minute(self.vm)
            except (VMError, OSError, TimeoutError, ConnectionError) as err:
                # The guest is still booting (the agent is not up): keep looking.
                if time.monotonic() - t0 > timeout:
                    message = f"{label}: no screen within {timeout:.0f} s: {err}"
                    raise AssertionError(message) from err
                time.sleep(2)
                self._reconnect()
                continue
            if before == after:
                expected = self._expected(before)
                for name, want in expected.items():
                    if page is not None and page not in name:
                        continue
                    score = difference(picture, want)
                    if score < best[0]:
                        best = (score, name, picture, want)
                    if score <= MATCH_FRACTION:
                        return Match(name, score, picture, before, time.monotonic() - t0)
            if time.monotonic() - t0 > timeout:
                self._fail(label, timeout, picture, best)
            time.sleep(1.0)

    def _reconnect(self) -> None:
        assert self.vm.agent is not None
        with contextlib.suppress(VMError):
            self.vm.agent.connect(5)

    def _fail(
        self,
        label: str,
        timeout: float,
        picture: Image.Image,
        best: tuple[float, str, Image.Image, Image.Image | None],
    ) -> Any:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        stem = f"{self.name}-{label or 'screen'}".replace("/", "_")
        picture.save(ARTIFACTS / f"{stem}-screen.png")
        detail = ""
        if best[3] is not None:
            best[3].save(ARTIFACTS / f"{stem}-expected.png")
            ImageChops.difference(best[2], best[3]).save(ARTIFACTS / f"{stem}-diff.png")
            detail = f"; closest page {best[1]} differs in {best[0]:.2%} of pixels"
        black = " The screen is black." if is_black(picture) else ""
        raise AssertionError(
            f"{label}: the screen did not show the previewed page within {timeout:.0f} s"
            f"{detail}.{black} Pictures in {ARTIFACTS}/{stem}-*.png"
        )
