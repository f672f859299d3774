"""The models this platform is configured with, for the profile form's picker and the usage
page's costs: the offline model always, and what the LLM endpoint serves when one is set."""

from __future__ import annotations

from openbrain.domain.agent_config import DEFAULT_MODEL, OFFLINE_MODEL
from openbrain.domain.pricing import ModelInfo
from openbrain.settings import ModelPrice, Settings
from openbrain.store.usage import model_key

_FREE = ModelPrice(input=0.0, output=0.0)


def configured_models(settings: Settings) -> list[ModelInfo]:
    """``offline`` first, then the endpoint's models (``OB_LLM_MODELS``, or the platform's
    default model) when an endpoint is configured: without one every profile runs offline."""
    served = (settings.llm_models or (DEFAULT_MODEL,)) if settings.llm_configured else ()
    names = [OFFLINE_MODEL, *(name for name in served if name != OFFLINE_MODEL)]
    infos = []
    for name in names:
        price = price_of(settings, name)
        infos.append(ModelInfo(name=name, offline=name == OFFLINE_MODEL,
                               input_price=price.input if price else None,
                               output_price=price.output if price else None))
    return infos


def price_of(settings: Settings, model: str) -> ModelPrice | None:
    """The price table's entry for ``model`` (as usage counts it: its first characters), or
    ``None``: unpriced. The offline model is free unless the table says otherwise (it is code
    in this process, not a paid endpoint)."""
    key = model_key(model)
    for name, price in settings.model_prices.items():
        if model_key(name) == key:
            return price
    return _FREE if model == OFFLINE_MODEL else None
