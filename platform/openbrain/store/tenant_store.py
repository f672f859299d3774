"""One tenant's view of the table: every repository bound to that tenant's ``clientId``."""

from __future__ import annotations

from functools import cached_property

from openbrain.domain.errors import NotFoundError
from openbrain.store import keys
from openbrain.store.api_keys import ApiKeyRepository
from openbrain.store.configs import AgentConfigRepository
from openbrain.store.counters import CounterRepository
from openbrain.store.deliveries import DeadLetterRepository, DeliveryRepository
from openbrain.store.driver import TableDriver
from openbrain.store.idempotency import IdempotencyRepository
from openbrain.store.leads import LeadRepository
from openbrain.store.memory import MemoryRepository
from openbrain.store.outbox import OutboxRepository
from openbrain.store.routes import RouteRepository
from openbrain.store.sessions import SessionRepository
from openbrain.store.signin_codes import SigninCodeRepository
from openbrain.store.usage import UsageRepository


class TenantStore:
    """The only door to tenant-scoped data. Built from a credential's tenant (or a record's
    ``clientId``); there is no way to reach another tenant through it."""

    def __init__(self, driver: TableDriver, client_id: str) -> None:
        keys.tenant_pk(client_id)  # validates the id before any repository exists
        self.driver = driver
        self.client_id = client_id

    @cached_property
    def configs(self) -> AgentConfigRepository:
        return AgentConfigRepository(self.driver, self.client_id)

    @cached_property
    def sessions(self) -> SessionRepository:
        return SessionRepository(self.driver, self.client_id)

    @cached_property
    def memory(self) -> MemoryRepository:
        """Session summaries (``summary`` memory policy)."""
        return MemoryRepository(self.driver, self.client_id)

    @cached_property
    def leads(self) -> LeadRepository:
        return LeadRepository(self.driver, self.client_id)

    @cached_property
    def api_keys(self) -> ApiKeyRepository:
        return ApiKeyRepository(self.driver, self.client_id)

    @cached_property
    def outbox(self) -> OutboxRepository:
        return OutboxRepository(self.driver, self.client_id)

    @cached_property
    def usage(self) -> UsageRepository:
        return UsageRepository(self.driver, self.client_id)

    @cached_property
    def counters(self) -> CounterRepository:
        """Shared rate-limit windows and token leases (atomic, expiring)."""
        return CounterRepository(self.driver, self.client_id)

    @cached_property
    def routes(self) -> RouteRepository:
        """Routes added through the API, and every route's signing secret."""
        return RouteRepository(self.driver, self.client_id)

    @cached_property
    def deliveries(self) -> DeliveryRepository:
        """The delivery log and each (event, route) delivery state."""
        return DeliveryRepository(self.driver, self.client_id)

    @cached_property
    def dead_letters(self) -> DeadLetterRepository:
        return DeadLetterRepository(self.driver, self.client_id)

    @cached_property
    def idempotency(self) -> IdempotencyRepository:
        """Replies kept under the ``Idempotency-Key`` of the chat request that made them."""
        return IdempotencyRepository(self.driver, self.client_id)

    @cached_property
    def signin_codes(self) -> SigninCodeRepository:
        return SigninCodeRepository(self.driver, self.client_id)

    def erase_lead(self, lead_id: str) -> None:
        """Erase a lead with the session (and messages) that captured it, and the events that
        carry its data (right to erasure). Delivery logs and dead letters keep ids only."""
        lead = self.leads.get(lead_id)
        if lead is None:
            raise NotFoundError(f"lead {lead_id!r} does not exist")
        if lead.session_id:
            self.sessions.delete(lead.session_id)
        self.outbox.delete_about(lead_id, lead.session_id)
        self.leads.delete(lead_id)
