"""The model factory: the OpenAI-compatible provider for configured endpoints, or the offline
model.

The offline model answers when the profile asks for it (``model: "offline"``) and whenever no
endpoint is configured; in that case a profile naming another model runs offline too, and the
runtime says so once (a log line per factory, a notice on the session's first reply).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import structlog
from langchain_core.language_models import BaseChatModel

from openbrain.agent.offline import OfflineChatModel
from openbrain.agent.prompts import offline_notice
from openbrain.domain.agent_config import OFFLINE_MODEL, AgentConfig
from openbrain.settings import Settings

log = structlog.get_logger("openbrain.agent.models")

# Sent when no key is configured; OpenAI-compatible servers without auth ignore it.
_NO_KEY = "unused"


@dataclass(frozen=True)
class ModelChoice:
    """The model for one turn; ``notice`` is set when it stands in for the profile's model."""

    model: BaseChatModel
    name: str
    offline: bool
    notice: str | None = None


class ModelFactory:
    """Builds (and reuses) a chat model per profile settings; safe to share between threads."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._cache: dict[tuple[object, ...], BaseChatModel] = {}
        self._lock = threading.Lock()
        self._fallback_logged = False

    def timeout(self, config: AgentConfig) -> float:
        return min(self._settings.llm_timeout, config.max_execution_time)

    @property
    def retries(self) -> int:
        """Retries of a failed model request: made by the tool loop within the turn's
        deadline, not by the openai client (each of its retries waits a whole timeout)."""
        return self._settings.llm_max_retries

    def for_config(self, config: AgentConfig) -> ModelChoice:
        if config.model == OFFLINE_MODEL:
            return ModelChoice(self._offline(config), OFFLINE_MODEL, offline=True)
        if not self._settings.llm_configured:
            self._log_fallback(config.model)
            return ModelChoice(
                self._offline(config), OFFLINE_MODEL, offline=True,
                notice=offline_notice(config.model),
            )
        return ModelChoice(self._openai(config), config.model, offline=False)

    def _offline(self, config: AgentConfig) -> BaseChatModel:
        return self._cached(("offline", config.max_tokens),
                            lambda: OfflineChatModel(max_tokens=config.max_tokens))

    def _openai(self, config: AgentConfig) -> BaseChatModel:
        timeout = self.timeout(config)
        key = ("openai", config.model, config.temperature, config.max_tokens, timeout)
        return self._cached(key, lambda: self._new_openai(config, timeout))

    def _new_openai(self, config: AgentConfig, timeout: float) -> BaseChatModel:
        # Imported here: the offline mode (e.g. a zero-configuration ``ob`` call) never needs
        # the HTTP client. No retries in the model: call_model retries within the deadline.
        from pydantic import SecretStr

        from openbrain.agent.providers.openai_compat import DEFAULT_BASE_URL, OpenAICompatChatModel

        settings = self._settings
        return OpenAICompatChatModel(
            model_name=config.model,
            temperature=config.temperature,
            max_tokens=config.max_tokens,
            timeout=timeout,
            api_key=SecretStr(settings.openai_api_key or _NO_KEY),
            base_url=settings.openai_base_url or DEFAULT_BASE_URL,
            stream_usage=True,
        )

    def _cached(
        self, key: tuple[object, ...], build: Callable[[], BaseChatModel]
    ) -> BaseChatModel:
        model = self._cache.get(key)  # built once per key: only a miss takes the lock
        if model is not None:
            return model
        with self._lock:
            model = self._cache.get(key)
            if model is None:
                model = self._cache[key] = build()
            return model

    def _log_fallback(self, model: str) -> None:
        if not self._fallback_logged:
            self._fallback_logged = True
            log.warning("llm.offline_fallback", requested_model=model,
                        reason="no LLM endpoint configured")
