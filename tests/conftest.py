"""Shared test set-up: headless SDL, and a clean pygame for every test that uses it."""

from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

# The live Samba share for tests marked `samba` (skips without smbd, smbclient or root).
from tests.samba_fixtures import samba_share  # noqa: F401
