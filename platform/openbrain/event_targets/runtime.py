"""The runtime a Lambda container builds on its first invocation and reuses for the next:
settings from the environment (``OB_TENANTS_DIR`` is the packaged ``tenants/``), JSON logs."""

from __future__ import annotations

from functools import cache

from openbrain.runtime import LAMBDA, Runtime


@cache
def lambda_runtime() -> Runtime:
    return Runtime(profile=LAMBDA)
