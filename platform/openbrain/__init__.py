"""OpenBrain: multi-tenant platform for stored, configurable, stateful LLM chat agents."""

import sys as _sys

# The one place the version is written: the wheel's metadata reads it (hatch's version source),
# and so do the commands' --version, GET /healthz and the OpenAPI document. Lambda's code
# archive carries no package metadata, so the code reads this, not importlib.metadata.
__version__ = "0.1.0"


def _import_structlog_without_rich() -> None:
    """Import structlog as if ``rich`` were not installed (typer installs it): structlog's
    ``dev`` and ``tracebacks`` modules import rich and pygments whenever they can, for pretty
    tracebacks none of our pipelines uses (``format_exc_info`` renders exceptions as text
    before any renderer), and that cost every process ~10 MiB and a tenth of its start. Done
    here, before any module of ours imports structlog; rich stays importable for the rest."""
    if "structlog" in _sys.modules:
        return
    saved = _sys.modules.get("rich")
    _sys.modules["rich"] = None  # type: ignore[assignment]  # "import rich" -> ImportError
    try:
        import structlog  # noqa: F401
    finally:
        if saved is None:
            del _sys.modules["rich"]
        else:
            _sys.modules["rich"] = saved


_import_structlog_without_rich()
# httpx imports its command-line client (click, rich, pygments) whenever click is installed
# (typer installs it), for the ``httpx`` console script, which never runs in our processes:
# with this entry httpx's import of it fails and httpx defines its stub ``main`` instead.
_sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
