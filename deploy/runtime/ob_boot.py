"""Cold-start launcher of OpenBrain's Lambda functions: secrets into the environment, then the app.

The functions' environment names the secrets, never their values: ``OB_SECRET_ARNS`` maps an
environment variable (``OPENAI_API_KEY``, ``OB_JWT_SECRET``) to a
Secrets Manager ARN. They are read once per cold start, before ``openbrain`` reads its settings,
so the runtime sees ordinary environment variables in AWS just as it does locally. Every
function then builds from :mod:`openbrain.runtime` (JSON logs included): the API through
uvicorn's factory, the others through their ``openbrain.event_targets`` handler.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

SECRET_ARNS_ENV = "OB_SECRET_ARNS"  # noqa: S105 (a variable name, not a secret)
API_APP = "openbrain.api.app:app_from_environment"  # builds the runtime from the environment

_loaded = False


class SecretLoadError(RuntimeError):
    """A configured secret cannot be read; the message names the variable and ARN, never a value."""


def load_secrets(environ: dict[str, str] | None = None, client: Any = None) -> list[str]:
    """Copy every secret named in ``OB_SECRET_ARNS`` into ``environ``; return the variables set."""
    env = os.environ if environ is None else environ
    try:
        mapping = json.loads(env.get(SECRET_ARNS_ENV) or "{}")
    except json.JSONDecodeError as exc:
        raise SecretLoadError(f"{SECRET_ARNS_ENV} is not a JSON object: {exc}") from exc
    if not isinstance(mapping, dict):
        raise SecretLoadError(f"{SECRET_ARNS_ENV} must be a JSON object of NAME: ARN")
    if not mapping:
        return []
    sm = client or boto3.client("secretsmanager")
    for name, arn in sorted(mapping.items()):
        try:
            value = sm.get_secret_value(SecretId=arn).get("SecretString")
        except (ClientError, BotoCoreError) as exc:
            raise SecretLoadError(f"cannot read secret for {name} ({arn}): {exc}") from exc
        if not value:
            raise SecretLoadError(f"secret for {name} ({arn}) has no string value")
        env[name] = value
    return sorted(mapping)


def _boot() -> None:
    global _loaded
    if not _loaded:
        load_secrets()
        _loaded = True


def handle_sqs(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Event-target function: one SQS batch, answered with its partial batch failures."""
    _boot()
    from openbrain.event_targets.handler import lambda_handler as handler

    result: dict[str, Any] = handler(event, context)
    return result


def sweep(event: dict[str, Any], context: Any) -> Any:
    """Outbox sweeper function, run on its schedule."""
    _boot()
    from openbrain.event_targets.sweeper import lambda_handler as handler

    return handler(event, context)


def serve() -> None:
    """API function (via the Lambda Web Adapter): load secrets, then become uvicorn."""
    _boot()
    port = os.environ.get("AWS_LWA_PORT", "8080")
    argv = [sys.executable, "-m", "uvicorn", "--factory", API_APP, "--host", "127.0.0.1"]
    os.execv(sys.executable, [*argv, "--port", port, "--no-access-log"])  # noqa: S606


if __name__ == "__main__":
    if sys.argv[1:] != ["serve"]:
        sys.exit("usage: python -m ob_boot serve")
    serve()
