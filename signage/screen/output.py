"""The window and the SDL renderer that put frames on the panel.

The renderer is chosen on purpose (screen.display.renderer_candidates), not left to SDL's
default, and proven before it is trusted: a test pattern is drawn, read back from the
renderer and compared before anything is presented; a renderer that reads back black or
wrong is dropped for the next candidate. A frame is the page (a texture as big as the
canvas) with the header band (a small texture) on top, rotated for portrait panels and
scaled to the output by the renderer, never by the CPU. Fades are paced by vsync where the
renderer has it, else by a frame clock, and bounded in frames.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pygame
from pygame._sdl2 import video

from signage.screen.display import frames_agree, renderer_candidates

log = logging.getLogger(__name__)

BLEND = 1
"""SDL_BLENDMODE_BLEND: a texture's alpha modulates how it covers what is under it."""
SOFTWARE_FPS = 30.0
"""A fade drawn by the CPU (software renderer, no vsync) needs no more frames than this."""
SLOW_FRAME_S = 0.125
"""A fade whose frames take longer than this (fewer than 8 a second) is a slideshow, not a
fade: a GL renderer drawing in software on a slow CPU (llvmpipe in an emulator took 2.5
CPU-seconds a fade). From then on pages change with a cut, which costs one frame."""


class NoRendererError(Exception):
    """No renderer could show a picture (each one tried read back wrong or failed)."""


@dataclass
class Picture:
    """What is on the glass: a page texture and the header band over it."""

    page: Any
    """video.Texture, canvas-sized."""
    header: Any | None
    """video.Texture of the header band (canvas x, y at the top), or None."""
    header_rect: tuple[int, int, int, int] = (0, 0, 0, 0)


def _driver_index(name: str) -> int | None:
    for index, info in enumerate(video.get_drivers()):
        if info.name == name:
            return index
    return None


def _refresh_rate() -> float:
    with contextlib.suppress(AttributeError, pygame.error, IndexError):
        rate = pygame.display.get_desktop_refresh_rates()[0]
        if 20 <= rate <= 240:
            return float(rate)
    return 60.0


class Display:
    """A full-screen (or windowed) output with a verified renderer."""

    def __init__(
        self,
        size: tuple[int, int] | None,
        windowed: bool,
        rotation: int,
        *,
        renderer: str | None = None,
    ) -> None:
        self.rotation = rotation % 360
        driver = pygame.display.get_driver()
        output = size if windowed and size is not None else pygame.display.get_desktop_sizes()[0]
        self.window = video.Window(
            "signage", size=output, fullscreen_desktop=not windowed and driver != "dummy"
        )
        if not windowed:
            pygame.mouse.set_visible(False)
        self.output: tuple[int, int] = tuple(self.window.size)  # type: ignore[assignment]
        base = size if size is not None else self.output
        # `size` is the panel as it stands; pages are laid out on the turned canvas.
        self.canvas = (base[1], base[0]) if self.rotation % 180 else base
        self.refresh_hz = _refresh_rate()
        self.renderer_name = ""
        self.vsync = False
        self.readback = True
        """False once the renderer refused to read a frame back (it is then trusted)."""
        self.cuts_only = False
        """True once fades proved too slow here (SLOW_FRAME_S): pages then change by a cut."""
        self.renderer: Any = None
        self.last: Picture | None = None
        """What was presented last (what is on the glass)."""
        self._compose: Any = None
        self._tried: list[str] = []
        self._open(renderer_candidates(driver, renderer))

    # --- the renderer ------------------------------------------------------------------

    def _open(self, candidates: tuple[str, ...]) -> None:
        errors: list[str] = []
        for name in candidates:
            self._tried.append(name)
            index = _driver_index(name)
            if index is None:
                errors.append(f"{name}: not built into this SDL")
                continue
            vsync = name != "software"
            if name == "software":
                # Else SDL backs the window's surface with a GL texture where it can (X11):
                # Mesa and LLVM loaded, 60 MB, to show what shared memory shows for free.
                os.environ.setdefault("SDL_FRAMEBUFFER_ACCELERATION", "0")
            try:
                self.renderer = video.Renderer(
                    self.window, index=index, accelerated=-1, vsync=vsync, target_texture=True
                )
            except pygame.error as err:
                errors.append(f"{name}: {err}")
                continue
            self.renderer_name, self.vsync = name, vsync
            problem = self._prove()
            if problem is None:
                log.info(
                    "renderer %s (vsync %s) on a %dx%d output, canvas %dx%d",
                    name,
                    "on" if vsync else "off",
                    *self.output,
                    *self.canvas,
                )
                return
            errors.append(f"{name}: {problem}")
            log.warning("renderer %s cannot show a picture here: %s", name, problem)
            self.renderer = None
        raise NoRendererError("; ".join(errors) or "no renderer to try")

    def _prove(self) -> str | None:
        """Draw a pattern, read it back, compare; None if it is what was drawn."""
        pattern = test_pattern(self.canvas)
        try:
            texture = video.Texture.from_surface(self.renderer, pattern)
            self._draw(Picture(texture, None))
            shown = self.renderer.to_surface()
        except pygame.error as err:
            if "read" in str(err).lower() or "support" in str(err).lower():
                self.readback = False
                log.info(
                    "renderer %s cannot read frames back (%s): trusting it", self.renderer_name, err
                )
                return None
            return str(err)
        return (
            None
            if frames_agree(self._expected(pattern), shown)
            else "the picture read back is wrong"
        )

    def verify(self, frame: Picture, expected: pygame.Surface) -> bool:
        """Draw `frame` without presenting it and compare what the renderer holds with
        `expected` (the same page and header composed in memory). True if unknown."""
        if not self.readback:
            return True
        try:
            self._draw(frame)
            shown = self.renderer.to_surface()
        except pygame.error:
            return True
        return frames_agree(self._expected(expected), shown)

    def _expected(self, canvas_surface: pygame.Surface) -> pygame.Surface:
        """The canvas as the output shows it (turned, scaled), for comparisons."""
        turned = (
            pygame.transform.rotate(canvas_surface, -self.rotation)
            if self.rotation
            else canvas_surface
        )
        x, y, w, h = self._placement(turned.get_size())
        out = pygame.Surface(self.output)
        out.blit(pygame.transform.smoothscale(turned, (w, h)), (x, y))
        return out

    # --- textures and frames -------------------------------------------------------------

    def texture(self, surface: pygame.Surface) -> Any:
        texture = video.Texture.from_surface(self.renderer, surface)
        texture.blend_mode = BLEND
        return texture

    def show(self, frame: Picture) -> None:
        self._draw(frame)
        self.renderer.present()
        self.last = frame

    def screenshot(self) -> pygame.Surface | None:
        """What is on the glass, read back from the renderer (None where it cannot)."""
        return None if self.last is None else self.read_back(self.last)

    def fade(self, old: Picture, new: Picture, seconds: float, on_frame: Callable[[], bool]) -> int:
        """Cross-fade from `old` to `new` over `seconds`; `on_frame` runs after each frame
        (heartbeat, keys) and returns False to stop. Returns the frames drawn."""
        if self.cuts_only:
            self.show(new)
            return 1
        rate = self.refresh_hz if self.vsync else min(self.refresh_hz, SOFTWARE_FPS)
        limit = int(seconds * rate) + 2
        start = time.perf_counter()
        frames = 0
        try:
            while frames < limit:
                t = (time.perf_counter() - start) / seconds
                if t >= 1.0:
                    break
                new.page.alpha = max(0, min(255, round(255 * t)))
                self._draw(new, under=old)
                self.renderer.present()
                frames += 1
                per_frame = (time.perf_counter() - start) / frames
                if frames >= 3 and per_frame > SLOW_FRAME_S:
                    log.warning(
                        "fades take %.0f ms a frame with renderer %s: pages change without "
                        "them from now on",
                        1000 * per_frame,
                        self.renderer_name,
                    )
                    self.cuts_only = True
                    break
                if not self.vsync:
                    pause = start + frames / rate - time.perf_counter()
                    if pause > 0:
                        time.sleep(pause)
                if not on_frame():
                    break
        finally:
            new.page.alpha = 255
        self.show(new)
        return frames + 1

    def read_back(self, frame: Picture) -> pygame.Surface | None:
        """The output as the renderer draws `frame` (None where it cannot read back)."""
        if not self.readback:
            return None
        try:
            self._draw(frame)
            surface: pygame.Surface = self.renderer.to_surface()
        except pygame.error:
            return None
        return surface

    def _placement(self, turned: tuple[int, int]) -> tuple[int, int, int, int]:
        """Where the (turned) canvas goes on the output: scaled to fit, centred."""
        ow, oh = self.output
        tw, th = turned
        scale = min(ow / tw, oh / th)
        w, h = round(tw * scale), round(th * scale)
        return (ow - w) // 2, (oh - h) // 2, w, h

    def _draw(self, frame: Picture, under: Picture | None = None) -> None:
        renderer = self.renderer
        if self.rotation == 0 and self.canvas == self.output:
            renderer.target = None
            renderer.draw_color = (0, 0, 0, 255)
            renderer.clear()
            self._layers(frame, under)
            return
        # Turned or scaled: compose on a canvas-sized target, then draw that once.
        if self._compose is None:
            self._compose = video.Texture(renderer, self.canvas, target=True)
        renderer.target = self._compose
        renderer.draw_color = (0, 0, 0, 255)
        renderer.clear()
        self._layers(frame, under)
        renderer.target = None
        renderer.clear()
        turned = self.canvas if self.rotation % 180 == 0 else (self.canvas[1], self.canvas[0])
        x, y, w, h = self._placement(turned)
        if self.rotation % 180:
            # The unturned rectangle, centred where the turned one must land.
            cx, cy = x + w / 2, y + h / 2
            w, h = h, w
            x, y = round(cx - w / 2), round(cy - h / 2)
        self._compose.draw(dstrect=(x, y, w, h), angle=float(self.rotation))

    def _layers(self, frame: Picture, under: Picture | None) -> None:
        if under is not None:
            under.page.draw()
        frame.page.draw()
        header = frame.header if frame.header is not None else (under.header if under else None)
        if header is not None:
            header.draw(dstrect=frame.header_rect)

    def close(self) -> None:
        """Textures first, then the renderer, then the window (see Player.close)."""
        self.last = None
        self._compose = None
        gc.collect()
        self.renderer = None
        gc.collect()
        with contextlib.suppress(pygame.error):
            self.window.destroy()


def test_pattern(canvas: tuple[int, int]) -> pygame.Surface:
    """Four coloured quarters and a white bar: wrong if read back black, blank or swapped."""
    w, h = canvas
    surface = pygame.Surface(canvas)
    surface.fill((200, 40, 40), (0, 0, w // 2, h // 2))
    surface.fill((40, 170, 60), (w // 2, 0, w - w // 2, h // 2))
    surface.fill((40, 70, 200), (0, h // 2, w // 2, h - h // 2))
    surface.fill((230, 200, 40), (w // 2, h // 2, w - w // 2, h - h // 2))
    surface.fill((255, 255, 255), (w // 4, h // 2 - h // 16, w // 2, h // 8))
    return surface
