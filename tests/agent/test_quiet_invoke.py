"""Our chat models skip LangChain's run bookkeeping only when nothing observes the run: the
answer is the one ``BaseChatModel.invoke`` gives, and callbacks, tracing hooks, caches and
verbose mode still see (or serve) every call."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest
from langchain_core.caches import InMemoryCache
from langchain_core.callbacks import BaseCallbackHandler, CallbackManager
from langchain_core.globals import set_llm_cache
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.runnables import RunnableBinding, RunnableLambda
from langchain_core.tracers.context import collect_runs
from pydantic import SecretStr

from openbrain.agent.offline import OfflineChatModel
from openbrain.agent.providers.openai_compat import OpenAICompatChatModel
from openbrain.agent.tools import default_registry
from tests.agent.fake_llm import Calls, FakeLLM, Text

RUN_ID = re.compile(r"^lc_run--[0-9a-f-]{36}-0$")
TOOLS = [t.openai_spec() for t in default_registry().select(["capture_lead", "calculator"])]


class Recording(BaseCallbackHandler):
    def __init__(self) -> None:
        self.events: list[str] = []

    def on_chat_model_start(self, serialized: dict[str, Any],
                            messages: list[list[BaseMessage]], **kwargs: Any) -> None:
        self.events.append("start")

    def on_llm_end(self, response: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self.events.append("end")


def _messages(text: str) -> list[BaseMessage]:
    return [SystemMessage(content="You help."), HumanMessage(content=text)]


def _answer(message: AIMessage) -> dict[str, Any]:
    """Everything but the run's id (a fresh one per run) and the ids the fake server numbers
    its tool calls with."""
    fields = dict(message.__dict__)
    assert RUN_ID.match(fields.pop("id"))
    fields["tool_calls"] = [{**c, "id": None} for c in message.tool_calls]
    return fields


@pytest.fixture
def online(llm: FakeLLM) -> OpenAICompatChatModel:
    return OpenAICompatChatModel(model_name="test-model", base_url=llm.url,
                                 api_key=SecretStr("test-key"), temperature=0.2, max_tokens=64)


@pytest.fixture
def no_global_cache() -> Iterator[None]:
    yield
    set_llm_cache(None)


@pytest.mark.parametrize("text", ["Hello there", "I am Ann Lee, ann@example.com",
                                  "What is 2 + 3 * 4?"])
def test_offline_answers_equal_the_observed_ones(text: str) -> None:
    model = OfflineChatModel().bind_tools(TOOLS)
    quiet = model.invoke(_messages(text), timeout=5.0)
    observed = model.invoke(_messages(text), {"callbacks": [Recording()]}, timeout=5.0)

    assert isinstance(quiet, AIMessage)
    assert isinstance(observed, AIMessage)
    assert _answer(quiet) == _answer(observed)


def test_openai_compatible_answers_equal_the_observed_ones(
    online: OpenAICompatChatModel, llm: FakeLLM,
) -> None:
    llm.then(Text("Hi!"), Text("Hi!"),
             Calls([("calculator", {"expression": "2+3"})]),
             Calls([("calculator", {"expression": "2+3"})]))
    model = online.bind_tools(TOOLS)
    for _ in range(2):
        quiet = model.invoke(_messages("hello"), timeout=5.0)
        observed = model.invoke(_messages("hello"), {"callbacks": [Recording()]}, timeout=5.0)
        assert isinstance(quiet, AIMessage)
        assert isinstance(observed, AIMessage)
        assert _answer(quiet) == _answer(observed)
    assert llm.requests[0] == llm.requests[1]  # the same request either way


def test_without_observers_no_run_is_opened(monkeypatch: pytest.MonkeyPatch) -> None:
    """The property the speed comes from: no run bookkeeping when nobody listens."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a run was opened")

    monkeypatch.setattr(CallbackManager, "on_chat_model_start", refuse)

    answer = OfflineChatModel().bind_tools(TOOLS).invoke(_messages("Hello"), timeout=5.0)

    assert isinstance(answer, AIMessage)
    assert answer.usage_metadata is not None


def _models(online: OpenAICompatChatModel) -> list[BaseChatModel]:
    return [OfflineChatModel(), online]


def test_a_callback_in_the_config_sees_the_run(online: OpenAICompatChatModel) -> None:
    for model in _models(online):
        handler = Recording()
        model.bind_tools(TOOLS).invoke(_messages("Hello"), {"callbacks": [handler]})
        assert handler.events == ["start", "end"]


def test_a_callback_on_the_model_sees_the_run(online: OpenAICompatChatModel) -> None:
    for model in _models(online):
        handler = Recording()
        model.callbacks = [handler]
        model.invoke(_messages("Hello"))
        assert handler.events == ["start", "end"]


def test_a_tracing_hook_in_context_sees_the_run(online: OpenAICompatChatModel) -> None:
    for model in _models(online):
        with collect_runs() as runs:
            model.bind_tools(TOOLS).invoke(_messages("Hello"))
        assert len(runs.traced_runs) == 1


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """One entry per model run LangChain opens (the observed path)."""
    runs: list[bool] = []
    start = CallbackManager.on_chat_model_start

    def recording(self: CallbackManager, *args: Any, **kwargs: Any) -> Any:
        runs.append(True)
        return start(self, *args, **kwargs)

    monkeypatch.setattr(CallbackManager, "on_chat_model_start", recording)
    return runs


def test_verbose_mode_takes_the_observed_path(started: list[bool],
                                              online: OpenAICompatChatModel) -> None:
    for model in _models(online):
        model.verbose = True
        model.invoke(_messages("Hello"))
    assert started == [True, True]


def test_a_cache_still_answers(no_global_cache: None, online: OpenAICompatChatModel,
                               llm: FakeLLM) -> None:
    set_llm_cache(InMemoryCache())
    llm.then(Text("first"), Text("second"))

    first = online.invoke(_messages("Hello"))
    again = online.invoke(_messages("Hello"))

    assert (first.content, again.content) == ("first", "first")
    assert len(llm.requests) == 1


def test_stop_words_and_multimodal_content_take_the_observed_path(started: list[bool]) -> None:
    model = OfflineChatModel()
    model.invoke(_messages("Hello"), stop=["."])
    model.invoke([HumanMessage(content=[{"type": "text", "text": "Hello"}])])
    assert started == [True, True]


def test_the_tool_binding_is_langchains_binding(online: OpenAICompatChatModel) -> None:
    """``bind_tools`` binds what ``model.bind(tools=...)`` bound: same kwargs, same config,
    and ``with_config``/``bind`` keep working on it."""
    for model in _models(online):
        bound = model.bind_tools(TOOLS, tool_choice="calculator")
        assert isinstance(bound, RunnableBinding)
        plain = model.bind(**bound.kwargs)
        assert isinstance(plain, RunnableBinding)
        assert (bound.bound, bound.kwargs, bound.config, bound.config_factories) == (
            plain.bound, plain.kwargs, plain.config, plain.config_factories)

        handler = Recording()
        bound.with_config(callbacks=[handler]).invoke(_messages("Hello"))
        assert handler.events == ["start", "end"]


def test_the_binding_skips_merging_empty_configs(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("configs merged")

    monkeypatch.setattr(RunnableBinding, "_merge_configs", refuse)
    model = OfflineChatModel().bind_tools(TOOLS)

    answer = model.invoke(_messages("What is 2 + 3?"), timeout=5.0)

    assert isinstance(answer, AIMessage)
    assert [c["name"] for c in answer.tool_calls] == ["calculator"]  # the bound tools applied


def test_the_binding_passes_stop_words_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """A ``stop`` bound or given goes to the model (the observed path, as before)."""
    seen: list[Any] = []
    generate = OfflineChatModel._generate

    def recording(self: OfflineChatModel, messages: list[BaseMessage], stop: Any = None,
                  run_manager: Any = None, **kwargs: Any) -> Any:
        seen.append(stop)
        return generate(self, messages, stop, run_manager, **kwargs)

    monkeypatch.setattr(OfflineChatModel, "_generate", recording)
    model = OfflineChatModel().bind_tools(TOOLS)
    model.invoke(_messages("Hello"), stop=["."])
    model.bind(stop=["!"]).invoke(_messages("Hello"))
    model.invoke(_messages("Hello"))
    assert seen == [["."], ["!"], None]


def test_the_binding_calls_the_models_invoke(monkeypatch: pytest.MonkeyPatch) -> None:
    """The model's ``invoke`` stays the one entry of a call (the benchmarks time it there)."""
    calls: list[Any] = []
    invoke = OfflineChatModel.invoke

    def counting(self: OfflineChatModel, input: Any, config: Any = None, **kwargs: Any) -> Any:
        calls.append(sorted(kwargs))
        return invoke(self, input, config, **kwargs)

    monkeypatch.setattr(OfflineChatModel, "invoke", counting)
    OfflineChatModel().bind_tools(TOOLS).invoke(_messages("Hello"), timeout=5.0)

    assert calls == [["timeout", "tools"]]


def test_inside_a_runnable_the_parents_callbacks_see_the_run() -> None:
    handler = Recording()
    model = OfflineChatModel().bind_tools(TOOLS)
    parent = RunnableLambda(lambda _: model.invoke(_messages("Hello")))

    parent.invoke(None, {"callbacks": [handler]})

    assert handler.events == ["start", "end"]
