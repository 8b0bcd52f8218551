"""Find the package data (``schemas/``, ``prompts/``) in an installed package or a source checkout."""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent


def resource_path(kind: str, name: str = "") -> Path:
    """Path of ``kind/name``: inside the installed package, else at the repository root."""
    for base in (_PKG / kind, _PKG.parent / kind):
        if base.is_dir():
            return base / name if name else base
    raise FileNotFoundError(f"package data folder {kind!r} not found (broken install?)")
