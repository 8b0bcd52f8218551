"""Shared fixtures: the example article that ships in ``examples/``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Backends in tests prefill their prompt's prefix themselves: a prefix KV cache left on disk by another
# test or run would make two computations that a test compares share one. The prefix store's own tests
# turn it on.
os.environ["SUMMARIZER_PREFIX_CACHE"] = "0"

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "hama-2017.txt"


@pytest.fixture(scope="session")
def example_article() -> str:
    """The Hama 2017 Reuters article, exactly as stored (UTF-8, no BOM)."""
    return EXAMPLE.read_text(encoding="utf-8")
