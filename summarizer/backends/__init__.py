"""Generation backends behind one small interface (see ``base.Backend``)."""

from summarizer.backends.base import Backend, GenerationError, GenerationResult

__all__ = ["Backend", "GenerationError", "GenerationResult", "load_backend"]


def load_backend(model: str | None = None, backend: str = "transformers") -> Backend:
    """Create the named backend for ``model`` (None = the bundled default)."""
    if backend == "transformers":
        from summarizer.backends.transformers_backend import TransformersBackend

        return TransformersBackend(model)
    if backend == "llamacpp":
        from summarizer.backends.llamacpp_backend import LlamaCppBackend

        return LlamaCppBackend(model)
    raise ValueError(f"unknown backend {backend!r} (available: transformers, llamacpp)")
