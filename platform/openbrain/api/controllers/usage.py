"""Token usage per day and profile, and what it cost per model."""

from __future__ import annotations

from litestar import Controller, get

from openbrain.agent.catalogue import price_of
from openbrain.api.controllers._common import DayParam, day
from openbrain.api.deps import ServicesDep, StoreDep
from openbrain.api.guards import requires_scope
from openbrain.api.schemas import UsagePage
from openbrain.domain.pricing import ModelUsage, UsageCosts, cost


class UsageController(Controller):
    path = "/v1/usage"
    tags = ["usage"]

    @get(operation_id="listUsage", guards=[requires_scope("configs:read")], sync_to_thread=True)
    def list_usage(self, store: StoreDep, since: DayParam = None,
                   until: DayParam = None) -> UsagePage:
        # Checked as days, compared as the ``YYYY-MM-DD`` text usage keys hold.
        day("since", since)
        day("until", until)
        return UsagePage(items=store.usage.list(since=since, until=until), cursor=None)

    @get("/costs", operation_id="usageCosts", guards=[requires_scope("configs:read")],
         sync_to_thread=True)
    def costs(self, store: StoreDep, services: ServicesDep, since: DayParam = None,
              until: DayParam = None) -> UsageCosts:
        """Tokens and cost per model, priced by the platform's table (``OB_MODEL_PRICES``,
        US dollars per million tokens); a model it does not list is unpriced, never free."""
        day("since", since)
        day("until", until)
        settings = services.settings
        items = []
        for model, (turns, input_tokens, output_tokens) in store.usage.by_model(
                since=since, until=until).items():
            price = price_of(settings, model)
            spent = None if price is None else cost(input_tokens, output_tokens, price.input,
                                                    price.output)
            items.append(ModelUsage(model=model, turns=turns, input_tokens=input_tokens,
                                    output_tokens=output_tokens, cost=spent))
        return UsageCosts(
            items=items,
            total=round(sum(i.cost for i in items if i.cost is not None), 6),
            unpriced=[i.model for i in items if i.cost is None],
        )
