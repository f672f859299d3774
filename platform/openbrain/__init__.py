"""OpenBrain: multi-tenant platform for stored, configurable, stateful LLM chat agents."""

# The one place the version is written: the wheel's metadata reads it (hatch's version source),
# and so do the commands' --version, GET /healthz and the OpenAPI document. Lambda's code
# archive carries no package metadata, so the code reads this, not importlib.metadata.
__version__ = "0.1.0"
