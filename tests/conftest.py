"""Shared fixtures: the example article that ships in ``examples/``."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "hama-2017.txt"


@pytest.fixture(scope="session")
def example_article() -> str:
    """The Hama 2017 Reuters article, exactly as stored (UTF-8, no BOM)."""
    return EXAMPLE.read_text(encoding="utf-8")
