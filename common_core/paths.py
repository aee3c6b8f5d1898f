"""Where the project keeps its local state (embedded database, dev secrets, mail, uploads)."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def var_dir() -> Path:
    """The writable state folder: var/ at the project root unless MARKETPLACE_VAR_DIR says otherwise."""
    path = Path(os.environ.get("MARKETPLACE_VAR_DIR") or PROJECT_ROOT / "var")
    path.mkdir(parents=True, exist_ok=True)
    return path
