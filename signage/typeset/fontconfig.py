"""Running fontconfig's command-line tools (fc-list, fc-scan) for the font finders.

A missing tool, a failure or a hang (20 s) all come back as no output: finding no font is
a state the callers already report in plain words.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence


def tool_output(args: Sequence[str]) -> str:
    """What `args` printed, or "" when the tool is missing, fails or takes over 20 s."""
    exe = shutil.which(args[0])
    if exe is None:
        return ""
    try:
        done = subprocess.run(
            [exe, *args[1:]], capture_output=True, text=True, timeout=20, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout if done.returncode == 0 else ""
