"""``ModelFactory``: one chat model per profile settings, shared by every turn and thread."""

from __future__ import annotations

import threading

from langchain_core.language_models import BaseChatModel

from openbrain.agent.models import ModelFactory
from openbrain.agent.offline import OfflineChatModel
from openbrain.agent.prompts import offline_notice
from openbrain.agent.providers.openai_compat import OpenAICompatChatModel
from openbrain.domain.agent_config import AgentConfig
from openbrain.settings import Settings

ONLINE = Settings(store="sqlite:///:memory:", openai_api_key="sk-test",
                  openai_base_url="http://127.0.0.1:9/v1", llm_timeout=30.0)


def _config(**fields: object) -> AgentConfig:
    return AgentConfig(client_id="demo", profile_name="default", **fields)  # type: ignore[arg-type]


def test_one_model_per_profile_settings_built_from_them() -> None:
    factory = ModelFactory(ONLINE)
    config = _config(model="gpt-test", temperature=0.3, max_tokens=200, max_execution_time=20.0)

    choice = factory.for_config(config)
    model = choice.model

    assert isinstance(model, OpenAICompatChatModel)
    assert (choice.name, choice.offline, choice.notice) == ("gpt-test", False, None)
    assert (model.model_name, model.temperature, model.max_tokens, model.timeout) == (
        "gpt-test", 0.3, 200, 20.0)  # the turn's time bounds the request's
    assert model.api_key.get_secret_value() == "sk-test"
    assert model.base_url == "http://127.0.0.1:9/v1"
    assert factory.for_config(config).model is model
    assert factory.for_config(_config(model="gpt-test", temperature=0.3, max_tokens=200,
                                      max_execution_time=20.0, version=2)).model is model
    assert factory.for_config(_config(model="gpt-test", temperature=0.5, max_tokens=200,
                                      max_execution_time=20.0)).model is not model


def test_threads_asking_at_once_share_one_model() -> None:
    built: list[BaseChatModel] = []

    class Counting(ModelFactory):
        def _new_openai(self, config: AgentConfig, timeout: float) -> BaseChatModel:
            built.append(model := super()._new_openai(config, timeout))
            return model

    factory = Counting(ONLINE)
    start = threading.Barrier(8)
    seen: list[BaseChatModel] = []

    def ask() -> None:
        start.wait()
        seen.append(factory.for_config(_config(model="gpt-test")).model)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(built) == 1
    assert all(model is built[0] for model in seen)


def test_without_an_endpoint_the_offline_model_answers_with_a_notice() -> None:
    factory = ModelFactory(Settings(store="sqlite:///:memory:", openai_api_key=None,
                                    openai_base_url=None))

    choice = factory.for_config(_config(model="gpt-test"))

    assert isinstance(choice.model, OfflineChatModel)
    assert (choice.name, choice.offline) == ("offline", True)
    assert choice.notice == offline_notice("gpt-test")
    assert factory.for_config(_config(model="gpt-test")).model is choice.model
