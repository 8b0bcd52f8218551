"""The KV cache of the prompt's shared prefix (instructions and examples), kept on disk between processes.

A process prefills the shared prefix (about 1,400 tokens for the bundled prompt: seconds on 2 cores)
before its first article and reuses that cache for every later one. The cache is also written to
``cache_dir()/prefix`` (safetensors, about 40 MB for the bundled model), under a key made of everything
that decides its values: the model's files, the quantization mode, the model's dtype, the prefix's
token ids, the torch and transformers versions, torch's thread count and quantized engine, whether
int8 activations keep to 7 bits on this CPU, and the source of this package's modules that compute a
forward pass. A later process with the same key reads it instead of prefilling; anything else (another
prompt, model, mode or version) gets a file of its own, and the oldest files beyond ``KEEP_FILES`` are
removed. ``SUMMARIZER_PREFIX_CACHE=0`` turns it off.

This keeps no answer: the prefix is the same for every article, and the article's own tokens are always
prefilled after it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import torch

FORMAT = 1  # bump when the file layout changes
KEEP_FILES = 8
ENV = "SUMMARIZER_PREFIX_CACHE"
_COMPUTING = ("quantize.py", "attention.py", "transformers_backend.py")  # modules whose code shapes the values


def enabled() -> bool:
    """False when ``SUMMARIZER_PREFIX_CACHE=0``."""
    return os.environ.get(ENV, "1") != "0"


def model_key(directory: Path, mode: str) -> str:
    """Identity of the model kept in ``directory`` and run in quantization ``mode``: its files' names,
    sizes and modification times (weights, config, tokenizer)."""
    files = sorted(
        (f.name, f.stat().st_size, f.stat().st_mtime_ns)
        for f in Path(directory).iterdir()
        if f.is_file() and "-rows-v" not in f.name  # not the int8 rows cache, rewritten at will
    )
    return json.dumps([str(Path(directory).resolve()), mode, files])


@functools.cache
def _numerics() -> str:
    """What besides the model decides the cached values: library versions, threads, engine, our code."""
    import transformers

    from summarizer.backends.quantize import _reduce_range

    here = Path(__file__).parent
    code = hashlib.sha256(b"".join((here / name).read_bytes() for name in _COMPUTING)).hexdigest()
    return json.dumps(
        [FORMAT, torch.__version__, transformers.__version__, torch.get_num_threads(),
         torch.backends.quantized.engine, _reduce_range(), code]
    )  # fmt: skip


class PrefixStore:
    """Prefix KV caches of one model (``model_key``) in ``directory``."""

    def __init__(self, directory: Path, key: str) -> None:
        self.directory = Path(directory)
        self.key = key

    def path(self, ids: list[int], model: Any) -> Path:
        """The file for the prefix ``ids`` of ``model`` (as it is now: its dtype is part of the key)."""
        dtype = str(next(model.parameters()).dtype)
        digest = hashlib.sha256(json.dumps([self.key, _numerics(), dtype, ids]).encode()).hexdigest()[:32]
        return self.directory / f"prefix-{digest}.safetensors"

    def read(self, ids: list[int], model: Any) -> Any | None:
        """The cache stored for ``ids``, as a ``DynamicCache`` for ``model``; None when there is none, or
        the file is unreadable or does not fit (another layer count or length)."""
        from safetensors import SafetensorError
        from safetensors.torch import load_file
        from transformers import DynamicCache

        path = self.path(ids, model)
        if not path.is_file():
            return None
        try:
            tensors = load_file(str(path))
        except (OSError, SafetensorError):
            return None
        config = model.config
        layers = config.get_text_config(decoder=True).num_hidden_layers
        pairs = [(tensors.get(f"k{i}"), tensors.get(f"v{i}")) for i in range(layers)]
        if len(tensors) != 2 * layers or any(
            k is None or v is None or k.shape[-2] != len(ids) or v.shape[-2] != len(ids) for k, v in pairs
        ):
            return None
        cache = DynamicCache(config=config)
        for i, (k, v) in enumerate(pairs):
            cache.update(k, v, i)
        return cache

    def write(self, ids: list[int], cache: Any, model: Any) -> None:
        """Store ``cache`` (the prefix ``ids`` prefilled by ``model``) atomically; a read-only or full disk
        only costs the next process its prefill."""
        from safetensors.torch import save_file

        try:
            tensors = {}
            for i, layer in enumerate(cache.layers):
                tensors[f"k{i}"], tensors[f"v{i}"] = layer.keys.contiguous(), layer.values.contiguous()
        except AttributeError:
            return  # a cache of another kind: not stored
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".prefix-", suffix=".tmp")
            os.close(fd)
            try:
                save_file(tensors, tmp, metadata={"format": str(FORMAT), "tokens": str(len(ids))})
                os.replace(tmp, self.path(ids, model))
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
            self._prune()
        except OSError:
            pass

    def _prune(self) -> None:
        files = sorted(self.directory.glob("prefix-*.safetensors"), key=lambda f: f.stat().st_mtime_ns)
        for old in files[:-KEEP_FILES]:
            old.unlink(missing_ok=True)
