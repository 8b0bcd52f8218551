"""summarizer: a local language model fills a strict conflict schema from a news article."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("summarizer")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.1.0"

from summarizer.article import ArticleError  # noqa: E402
from summarizer.core import Summarizer  # noqa: E402
from summarizer.result import Result  # noqa: E402
from summarizer.validate import Problem, validate  # noqa: E402

__all__ = ["ArticleError", "Problem", "Result", "Summarizer", "__version__", "validate"]
