"""Generation backends behind one small interface (see ``base.Backend``)."""

from summarizer.backends.base import Backend, GenerationError, GenerationResult

__all__ = ["Backend", "GenerationError", "GenerationResult", "load_backend"]


def load_backend(model: str | None = None, backend: str = "transformers", quantize: str = "none") -> Backend:
    """Create the named backend for ``model`` (None = the bundled default); ``quantize`` (transformers
    backend only): "none" (bf16), "int8" or "int4" weights."""
    if backend == "transformers":
        from summarizer.backends.transformers_backend import TransformersBackend

        return TransformersBackend(model, quantize=quantize)
    if quantize != "none":
        raise ValueError("quantize applies to the transformers backend only (a GGUF is already quantized)")
    if backend == "llamacpp":
        from summarizer.backends.llamacpp_backend import LlamaCppBackend

        return LlamaCppBackend(model)
    raise ValueError(f"unknown backend {backend!r} (available: transformers, llamacpp)")
