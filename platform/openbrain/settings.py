"""Configuration from the environment: one typed, cached object; no I/O at import time."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from platformdirs import user_data_dir


def _optional(name: str) -> Callable[[], str | None]:
    """A default factory: the variable's value, or ``None`` when unset or empty."""
    return lambda: os.environ.get(name) or None


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


def _env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, str(default)))


def _env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, "1" if default else "0").strip().lower() in {"1", "true", "yes"}


def _data_dir() -> Path:
    return Path(os.environ.get("OB_DATA_DIR") or user_data_dir("openbrain"))


def _default_store() -> str:
    return f"sqlite:///{_data_dir() / 'openbrain.db'}"


def _jwt_secret() -> str | None:
    """``OB_JWT_SECRET``; in the local stage without one, a random secret kept (mode 0600) in
    the data directory, so ``ob serve``, ``ob-admin token`` and ``ob-tuner`` agree on it with
    no configuration. Deployed stages must configure it (from Secrets Manager)."""
    configured = os.environ.get("OB_JWT_SECRET")
    if configured or os.environ.get("OB_STAGE", "local") != "local":
        return configured or None
    path = _data_dir() / "jwt-secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole under a temporary name, then linked into place: two processes starting
        # at once both end up reading the one secret that won.
        temporary = path.with_name(f".jwt-secret.{os.getpid()}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return path.read_text().strip()


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Every knob, with defaults that make the embedded mode work with no configuration."""

    stage: str = field(default_factory=lambda: _env("OB_STAGE", "local"))
    """Deployment stage (``local``, ``dev``, ``prod``)."""
    data_dir: Path = field(default_factory=_data_dir)
    """Where the embedded mode keeps its database and local secret (``OB_DATA_DIR``)."""
    store: str = field(default_factory=lambda: _env("OB_STORE", _default_store()))
    """``sqlite:///path`` (embedded) or ``dynamodb://TABLE``."""
    table_name: str = field(default_factory=lambda: _env("OB_TABLE_NAME", "openbrain"))
    dynamodb_endpoint: str | None = field(default_factory=_optional("OB_DYNAMODB_ENDPOINT"))
    """Any DynamoDB-compatible endpoint (moto, DynamoDB Local); unset for AWS itself."""
    aws_region: str = field(
        default_factory=lambda: _env("AWS_REGION", _env("AWS_DEFAULT_REGION", "us-east-1"))
    )
    event_bus_name: str | None = field(default_factory=_optional("OB_EVENT_BUS"))
    """EventBridge bus; unset in embedded mode (the in-process dispatcher delivers events)."""
    events_endpoint: str | None = field(default_factory=_optional("OB_EVENTS_ENDPOINT"))
    metrics_namespace: str | None = field(default_factory=_optional("OB_METRICS_NAMESPACE"))
    """CloudWatch namespace the outbox sweeper publishes its metrics to; unset: none."""
    tenants_dir: Path = field(
        default_factory=lambda: Path(_env("OB_TENANTS_DIR", str(_repo_tenants_dir())))
    )
    openai_api_key: str | None = field(default_factory=_optional("OPENAI_API_KEY"), repr=False)
    openai_base_url: str | None = field(default_factory=_optional("OPENAI_BASE_URL"))
    llm_timeout: float = field(default_factory=lambda: _env_float("OB_LLM_TIMEOUT", 60.0))
    llm_max_retries: int = field(default_factory=lambda: _env_int("OB_LLM_MAX_RETRIES", 1))
    session_ttl_days: int = field(default_factory=lambda: _env_int("OB_SESSION_TTL_DAYS", 90))
    jwt_secret: str | None = field(default_factory=_jwt_secret, repr=False)
    jwt_jwks_url: str | None = field(default_factory=_optional("OB_JWT_JWKS_URL"))
    jwt_issuer: str = field(default_factory=lambda: _env("OB_JWT_ISSUER", "openbrain-local"))
    jwt_audience: str = field(default_factory=lambda: _env("OB_JWT_AUDIENCE", "openbrain"))
    jwt_algorithms: tuple[str, ...] = field(
        default_factory=lambda: tuple(_env("OB_JWT_ALGORITHMS", "HS256").split(","))
    )
    jwt_tenant_claim: str = field(
        default_factory=lambda: _env("OB_JWT_TENANT_CLAIM", "custom:clientId")
    )
    jwt_role_claim: str = field(default_factory=lambda: _env("OB_JWT_ROLE_CLAIM", "custom:role"))
    host: str = field(default_factory=lambda: _env("OB_HOST", "127.0.0.1"))
    port: int = field(default_factory=lambda: _env_int("OB_PORT", 8000))
    api_url: str | None = field(default_factory=_optional("OB_API_URL"))
    api_key: str | None = field(default_factory=_optional("OB_API_KEY"), repr=False)
    log_level: str = field(default_factory=lambda: _env("OB_LOG_LEVEL", "INFO"))
    log_json: bool = field(default_factory=lambda: _env_bool("OB_LOG_JSON", True))
    aws_mode: bool = field(default_factory=lambda: _env_bool("OB_AWS_MODE", False))
    """True when deployed: webhook targets must be public https (SSRF protection)."""

    @property
    def llm_configured(self) -> bool:
        """Whether an LLM endpoint is configured (otherwise the offline model is the default)."""
        return bool(self.openai_api_key or self.openai_base_url)

    @property
    def table_owned_by_deploy(self) -> bool:
        """A deployed stage's DynamoDB table is created by its Pulumi program, with its index
        and TTL: the runtime neither creates nor describes it (its roles may not)."""
        return self.stage != "local" and self.store.startswith("dynamodb://")

    @classmethod
    def from_env(cls) -> Settings:
        return cls()


def _repo_tenants_dir() -> Path:
    # platform/openbrain/settings.py -> repository root /tenants
    return Path(__file__).resolve().parents[2] / "tenants"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment once."""
    return Settings.from_env()
