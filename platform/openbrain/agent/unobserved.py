"""A chat model call without LangChain's run bookkeeping, when nothing observes the run.

``BaseChatModel.invoke`` spends about 150 µs per call around the model's own ``_generate``:
configuring a callback manager, opening and closing a run (ids, invocation parameters,
tracing metadata, message copies for tracing), re-validating the messages into a prompt
value, inspecting ``_generate``'s signature. With no handler to report to, none of it changes
the answer. ``quiet_invoke`` calls ``_generate`` directly in exactly that case: no callback
handler would be attached (none in the config, on the model, from tracing, debug, verbose or
a tracing hook in context), no cache and no rate limiter apply, and the input is a list of
plain-text messages (which LangChain's normalisation leaves as they are). The answer is
finished as ``_generate_with_cache`` finishes it (run-based id, response metadata). Anything
else returns ``None`` and the caller takes ``BaseChatModel.invoke`` unchanged.

``QuietBinding`` is the tool binding (``bind_tools``) of our models: called without a config,
outside any runnable's context and with no config of its own, it hands the model ``None``
instead of merging empty configs into the default one (the model's ``invoke`` makes that
same default from ``None``); anything else is ``RunnableBinding.invoke``.
"""

from __future__ import annotations

from typing import Any, cast

from langchain_core.callbacks import CallbackManager
from langchain_core.globals import get_llm_cache
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.language_models.chat_models import _gen_info_and_msg_metadata
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.runnables import RunnableBinding, RunnableConfig, ensure_config
from langchain_core.runnables.config import var_child_runnable_config
from langchain_core.utils.utils import LC_ID_PREFIX
from langchain_core.utils.uuid import uuid7

__all__ = ("QuietBinding", "QuietChatModel", "quiet_invoke", "unobserved")

# Keyword arguments ``generate`` reads itself (structured output tracing, streaming choice).
_HANDLED_BY_GENERATE = frozenset({"ls_structured_output_format", "structured_output_format",
                                  "stream"})


def quiet_invoke(
    model: BaseChatModel, input: LanguageModelInput, config: RunnableConfig | None,
    stop: list[str] | None, kwargs: dict[str, Any],
) -> AIMessage | None:
    """``model.invoke(input, config, stop=stop, **kwargs)`` when nothing observes the run,
    else ``None``."""
    if (
        stop is not None
        or not isinstance(input, list)
        or model.rate_limiter is not None
        or model.output_version == "v1"
        or not _HANDLED_BY_GENERATE.isdisjoint(kwargs)
        or not _uncached(model)
        or not all(isinstance(m, BaseMessage) and isinstance(m.content, str) for m in input)
    ):
        return None
    if not unobserved(model, config):
        return None
    result = model._generate(list(input), stop=None, run_manager=None, **kwargs)
    run_id = uuid7()  # the id ``on_chat_model_start`` gives the run
    for index, generation in enumerate(result.generations):
        if generation.message.id is None:
            generation.message.id = f"{LC_ID_PREFIX}-{run_id}-{index}"
        generation.message.response_metadata = _gen_info_and_msg_metadata(generation)
    first = result.generations[0].message
    if len(result.generations) == 1 and result.llm_output is not None:
        first.response_metadata = {**result.llm_output, **first.response_metadata}
    return cast("AIMessage", first)  # as ``invoke`` casts it


def unobserved(model: BaseChatModel, config: RunnableConfig | None) -> bool:
    """No callback handler would see a run of ``model`` under ``config``: none in the config
    (a parent runnable's included: ``ensure_config`` reads the caller's context), on the
    model, from tracing, debug or verbose mode, or a tracing hook in context."""
    config = ensure_config(config)
    manager = CallbackManager.configure(config.get("callbacks"), model.callbacks, model.verbose)
    return not (manager.handlers or manager.inheritable_handlers)


def _uncached(model: BaseChatModel) -> bool:
    """No cache applies (``_generate_with_cache``'s rule: the model's own, else the global
    one unless the model says ``cache=False``; ``cache=True`` with none is its error)."""
    return model.cache is False or (model.cache is None and get_llm_cache() is None)


class QuietBinding(RunnableBinding[LanguageModelInput, AIMessage]):
    """``model.bind(**kwargs)``, without merging configs when all of them are empty."""

    def invoke(self, input: LanguageModelInput, config: RunnableConfig | None = None,
               **kwargs: Any) -> AIMessage:
        if (config is None and not self.config and not self.config_factories
                and var_child_runnable_config.get() is None):
            # The model's kwargs, then the call's, as ``RunnableBinding.invoke`` passes them.
            return self.bound.invoke(input, None, **{**self.kwargs, **kwargs})
        return super().invoke(input, config, **kwargs)


class QuietChatModel(BaseChatModel):
    """A chat model whose ``invoke`` goes straight to ``_generate`` when nothing observes the
    run (:func:`quiet_invoke`), and through ``BaseChatModel.invoke`` otherwise."""

    def invoke(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> AIMessage:
        quiet = quiet_invoke(self, input, config, stop, kwargs)
        return quiet if quiet is not None else super().invoke(input, config, stop=stop, **kwargs)
