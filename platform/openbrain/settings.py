"""Configuration from the environment: one typed, cached object; no I/O at import time."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from platformdirs import user_config_dir, user_data_dir


def _optional(name: str) -> Callable[[], str | None]:
    """A default factory: the variable's value, or ``None`` when unset or empty."""
    return lambda: os.environ.get(name) or None


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


class SettingsError(ValueError):
    """A setting from the environment that cannot be used; the message names the variable,
    so commands print it as one line instead of a traceback."""


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, str(default))
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None


def _optional_int(name: str) -> int | None:
    raw = os.environ.get(name)
    if not raw:
        return None
    value = _env_int(name, 0)
    if value < 1:
        raise SettingsError(f"{name} must be at least 1, not {raw!r}")
    return value


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, str(default))
    try:
        return float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, not {raw!r}") from None


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _log_level() -> str:
    raw = _env("OB_LOG_LEVEL", "INFO")
    if raw.strip().upper() not in LOG_LEVELS:
        raise SettingsError(f"OB_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, not {raw!r}")
    return raw.strip().upper()


def _env_names(name: str) -> tuple[str, ...]:
    """A comma-separated list (blanks dropped, order kept, each name once)."""
    names = (part.strip() for part in os.environ.get(name, "").split(","))
    return tuple(dict.fromkeys(n for n in names if n))


@dataclass(frozen=True)
class ModelPrice:
    """What a model costs, in US dollars per million tokens."""

    input: float
    output: float


def _model_prices() -> dict[str, ModelPrice]:
    """``OB_MODEL_PRICES``: a JSON object, model name -> ``{"input": USD, "output": USD}``
    per million tokens, e.g. ``{"gpt-4o-mini": {"input": 0.15, "output": 0.6}}``."""
    raw = os.environ.get("OB_MODEL_PRICES", "").strip()
    if not raw:
        return {}
    example = 'e.g. {"gpt-4o-mini": {"input": 0.15, "output": 0.6}} (USD per million tokens)'
    try:
        table = json.loads(raw)
    except ValueError:
        raise SettingsError(f"OB_MODEL_PRICES must be a JSON object, {example}") from None
    if not isinstance(table, dict):
        raise SettingsError(f"OB_MODEL_PRICES must be a JSON object, {example}")
    prices: dict[str, ModelPrice] = {}
    for model, price in table.items():
        amounts = [price.get(k) for k in ("input", "output")] if isinstance(price, dict) else []
        numbers = [float(a) for a in amounts
                   if isinstance(a, int | float) and not isinstance(a, bool) and a >= 0]
        if not model.strip() or len(numbers) != 2 or set(price) != {"input", "output"}:
            raise SettingsError(f"OB_MODEL_PRICES[{model!r}] must be an object with two "
                                f"prices of at least 0, input and output, {example}")
        prices[model.strip()] = ModelPrice(input=numbers[0], output=numbers[1])
    return prices


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


_COGNITO_SCOPES = "openid email profile"


@dataclass(frozen=True, kw_only=True)
class CognitoSettings:
    """The Cognito user pool tenant admins sign in with (a stage's dashboard and API).

    The API verifies the pool's tokens when ``client_id`` and an issuer (``issuer``, or one
    derived from ``user_pool_id``) are set; the dashboard offers the hosted UI when ``domain``
    and ``redirect_uri`` are set too. Unset everywhere in the local stage.
    """

    user_pool_id: str | None = field(default_factory=_optional("OB_COGNITO_USER_POOL_ID"))
    client_id: str | None = field(default_factory=_optional("OB_COGNITO_CLIENT_ID"))
    """The dashboard's app client: the ``aud`` of ID tokens, ``client_id`` of access tokens."""
    domain: str | None = field(default_factory=_optional("OB_COGNITO_DOMAIN"))
    """The hosted UI's base URL (``https://PREFIX.auth.REGION.amazoncognito.com``)."""
    configured_issuer: str | None = field(default_factory=_optional("OB_COGNITO_ISSUER"))
    """Overrides the issuer derived from the pool id (an OIDC issuer on loopback in tests)."""
    redirect_uri: str | None = field(default_factory=_optional("OB_COGNITO_REDIRECT_URI"))
    """The dashboard's callback (and sign-out) URL, one of the app client's callback URLs."""
    scopes: str = field(default_factory=lambda: _env("OB_COGNITO_SCOPES", _COGNITO_SCOPES))
    tenant_claim: str = field(
        default_factory=lambda: _env("OB_COGNITO_TENANT_CLAIM", "custom:clientId")
    )
    role_claim: str = field(default_factory=lambda: _env("OB_COGNITO_ROLE_CLAIM", "custom:role"))

    @property
    def issuer(self) -> str | None:
        """``https://cognito-idp.REGION.amazonaws.com/POOL`` (a pool id starts with its region)."""
        if self.configured_issuer:
            return self.configured_issuer.rstrip("/")
        if self.user_pool_id and "_" in self.user_pool_id:
            region = self.user_pool_id.partition("_")[0]
            return f"https://cognito-idp.{region}.amazonaws.com/{self.user_pool_id}"
        return None

    @property
    def jwks_url(self) -> str | None:
        return f"{self.issuer}/.well-known/jwks.json" if self.issuer else None

    @property
    def verifies_tokens(self) -> bool:
        """Whether the API accepts this pool's tokens."""
        return bool(self.client_id and self.issuer)

    @property
    def hosted_ui(self) -> bool:
        """Whether the dashboard can send admins to the hosted UI."""
        return self.verifies_tokens and bool(self.domain and self.redirect_uri)

    @classmethod
    def from_env(cls) -> CognitoSettings:
        return cls()


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
    tenants_dir: Path = field(default_factory=lambda: _tenants_dir())
    """Tenant specs (``OB_TENANTS_DIR``); unset: the checkout's ``tenants/`` when run from the
    source tree, else :func:`user_tenants_dir`, created with the demo tenant on first use."""
    openai_api_key: str | None = field(default_factory=_optional("OPENAI_API_KEY"), repr=False)
    openai_base_url: str | None = field(default_factory=_optional("OPENAI_BASE_URL"))
    llm_models: tuple[str, ...] = field(default_factory=lambda: _env_names("OB_LLM_MODELS"))
    """The models the configured endpoint serves (``OB_LLM_MODELS``, comma-separated), offered
    by the profile form's model picker; unset: the platform's default model."""
    model_prices: dict[str, ModelPrice] = field(default_factory=_model_prices)
    """Price per million tokens by model (``OB_MODEL_PRICES``) for the usage page's costs; a
    model not in it is shown unpriced."""
    llm_timeout: float = field(default_factory=lambda: _env_float("OB_LLM_TIMEOUT", 60.0))
    llm_max_retries: int = field(default_factory=lambda: _env_int("OB_LLM_MAX_RETRIES", 1))
    session_ttl_days: int = field(default_factory=lambda: _env_int("OB_SESSION_TTL_DAYS", 90))
    stream_poll: float = field(default_factory=lambda: _env_float("OB_STREAM_POLL", 0.25))
    """Seconds between two reads of a session by its live stream (``GET …/events``)."""
    stream_max_seconds: float = field(
        default_factory=lambda: _env_float("OB_STREAM_MAX_SECONDS", 300.0))
    """A live stream ends after this long and the client reconnects with ``Last-Event-ID``
    (a Lambda Function URL cuts a streamed response at 15 minutes: keep it below that)."""
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
    cognito: CognitoSettings = field(default_factory=CognitoSettings.from_env)
    """Tenant admins' sign-in on a stage (their tokens are accepted beside local JWTs)."""
    host: str = field(default_factory=lambda: _env("OB_HOST", "127.0.0.1"))
    port: int = field(default_factory=lambda: _env_int("OB_PORT", 8000))
    api_url: str | None = field(default_factory=_optional("OB_API_URL"))
    api_key: str | None = field(default_factory=_optional("OB_API_KEY"), repr=False)
    log_level: str = field(default_factory=_log_level)
    log_json: bool = field(default_factory=lambda: _env_bool("OB_LOG_JSON", True))
    aws_mode: bool = field(default_factory=lambda: _env_bool("OB_AWS_MODE", False))
    """True when deployed: webhook targets must be public https (SSRF protection)."""
    turn_threads: int | None = field(default_factory=lambda: _optional_int("OB_TURN_THREADS"))
    """Worker threads for blocking work (turns, streamed or not, and store calls) in one API
    process; unset: anyio's 40 and asyncio's ``min(32, CPUs + 4)``. A long-lived service holds
    hundreds of turns waiting on the LLM at once, each in a thread."""

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


def user_tenants_dir() -> Path:
    """An installed package's tenant specs: the user's configuration directory."""
    return Path(user_config_dir("openbrain")) / "tenants"


def _checkout_tenants_dir() -> Path | None:
    """The repository's ``tenants/`` when this module runs from the source tree (an editable
    install, ``scripts/run.sh``); ``None`` from a wheel (where ``parents[2]`` is ``lib/``)."""
    root = Path(__file__).resolve().parents[2]  # platform/openbrain/settings.py -> the root
    if (root / "pyproject.toml").is_file() and (root / "tenants").is_dir():
        return root / "tenants"
    return None


def _tenants_dir() -> Path:
    configured = os.environ.get("OB_TENANTS_DIR")
    if configured:
        return Path(configured)
    return _checkout_tenants_dir() or user_tenants_dir()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment once."""
    return Settings.from_env()
