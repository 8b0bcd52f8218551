"""Generation backends behind one small interface (see ``base.Backend``)."""

from summarizer.backends.base import Backend, GenerationError, GenerationResult

__all__ = ["Backend", "GenerationError", "GenerationResult", "load_backend"]


def load_backend(model: str | None = None, backend: str = "transformers", quantize: str = "auto") -> Backend:
    """Create the named backend for ``model`` (None = the bundled default); ``quantize`` (transformers
    backend only): "auto" (w8a8 where the CPU runs it, else none), "none" (bf16), "int8" or "int4"
    weights, "w8a8" (int8 weights and activations) or "w8a8-fast" (w8a8, a scale per token, every layer int8)."""
    if backend == "transformers":
        from summarizer.backends.transformers_backend import TransformersBackend

        return TransformersBackend(model, quantize=quantize)
    if quantize not in ("auto", "none"):
        raise ValueError("quantize applies to the transformers backend only (a GGUF is already quantized)")
    if backend == "llamacpp":
        from summarizer.backends.llamacpp_backend import LlamaCppBackend

        return LlamaCppBackend(model)
    raise ValueError(f"unknown backend {backend!r} (available: transformers, llamacpp)")
