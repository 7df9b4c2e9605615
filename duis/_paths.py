"""Where ``duis`` keeps its per-user state by default (counter store, tracker).

One place for the platform rule, so the counter store and the tracker sit side by
side: ``%LOCALAPPDATA%`` on Windows, ``~/Library/Application Support`` on macOS,
``$XDG_DATA_HOME`` (else ``~/.local/share``) elsewhere, each with a ``duis`` folder.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["user_data_dir"]


def user_data_dir() -> Path:
    """The per-user ``duis`` data folder (not created here)."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "duis"
