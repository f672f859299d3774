"""The operators' inbox: sessions in hand-off, and taking, answering, releasing, closing one.

The operator is the credential's subject (a JWT's user, an API key's id): it is stored on
the session they hold and on every message they send.
"""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.params import JSONBody

from openbrain.api.controllers._common import IdParam
from openbrain.api.deps import PrincipalDep, ServicesDep, StoreDep
from openbrain.api.guards import requires_scope
from openbrain.api.schemas import InboxPage
from openbrain.domain.handoff import OperatorMessage
from openbrain.domain.session import ChatSession, Message

_GUARD = [requires_scope("handoff")]


class InboxController(Controller):
    path = "/v1/inbox"
    tags = ["inbox"]

    @get(operation_id="listInbox", guards=_GUARD, sync_to_thread=True)
    def list_inbox(self, store: StoreDep, services: ServicesDep) -> InboxPage:
        """Sessions waiting for an operator or held by one, oldest hand-off first."""
        return InboxPage(items=services.inbox.list(store), cursor=None)

    @post("/{session_id:str}/take", operation_id="takeSession", guards=_GUARD,
          status_code=200, sync_to_thread=True)
    def take(self, session_id: IdParam, store: StoreDep, services: ServicesDep,
             principal: PrincipalDep) -> ChatSession:
        """Hold the session: the agent stops answering it. Of operators taking one session
        at once, one wins; the others get 409."""
        return services.inbox.take(store, session_id, principal.subject)

    @post("/{session_id:str}/messages", operation_id="replyAsOperator", guards=_GUARD,
          status_code=201, sync_to_thread=True)
    def reply(self, session_id: IdParam, data: JSONBody[OperatorMessage], store: StoreDep,
              services: ServicesDep, principal: PrincipalDep) -> Message:
        """Say something to the visitor as a person (role ``human_agent``); the session's
        stream delivers it to their widget."""
        return services.inbox.reply(store, session_id, principal.subject, data.message)

    @post("/{session_id:str}/release", operation_id="releaseSession", guards=_GUARD,
          status_code=200, sync_to_thread=True)
    def release(self, session_id: IdParam, store: StoreDep, services: ServicesDep,
                principal: PrincipalDep) -> ChatSession:
        """Hand the session back to the agent, which sees the human exchange in its window."""
        return services.inbox.release(store, session_id, principal.subject)

    @post("/{session_id:str}/close", operation_id="closeSession", guards=_GUARD,
          status_code=200, sync_to_thread=True)
    def close(self, session_id: IdParam, store: StoreDep, services: ServicesDep,
              principal: PrincipalDep) -> ChatSession:
        """End the conversation: the visitor's further messages are refused (409)."""
        return services.inbox.close(store, session_id, principal.subject)
