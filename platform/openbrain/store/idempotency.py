"""Replies kept under the caller's ``Idempotency-Key``, written in the turn's own transaction.

A turn sent again with the same key finds the reply its first attempt committed and returns
it without running the model again. The record lives as long as the DynamoDB token window
allows a retry to matter (a day), then expires by TTL.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import msgspec

from openbrain.domain.base import Record
from openbrain.domain.chat import ChatMessage, ChatReply
from openbrain.domain.errors import InvalidError
from openbrain.store import keys
from openbrain.store.codec import encode
from openbrain.store.driver import Item
from openbrain.store.scoped import ScopedRepository

KEPT_FOR = timedelta(days=1)
HEADER = "Idempotency-Key"


class StoredReply(Record, kw_only=True, frozen=True):
    """A committed turn's reply, under the key its request carried."""

    client_id: str
    key: str
    fingerprint: str  # of the request: the same key with another request is refused
    reply: ChatReply
    created_at: datetime


def fingerprint(request: ChatMessage) -> str:
    """What the caller asked, without the session: a retry of a session's first message may
    come back with the session's cookie (set by an earlier attempt) and must still match."""
    asked = msgspec.structs.replace(request, session_id=None, client_id=None)
    return hashlib.sha256(msgspec.json.encode(asked)).hexdigest()


def stored_reply_item(record: StoredReply) -> Item:
    return Item(
        pk=keys.idempotency_pk(record.client_id, record.key),
        sk=keys.IDEMPOTENCY_SK,
        data=encode(record),
        expires_at=int((record.created_at + KEPT_FOR).timestamp()),
    )


class IdempotencyRepository(ScopedRepository):
    def get(self, key: str) -> StoredReply | None:
        return self._get(keys.idempotency_pk(self._client_id, key), keys.IDEMPOTENCY_SK,
                         StoredReply)

    def find(self, key: str, request: ChatMessage) -> ChatReply | None:
        """The reply committed under ``key``, if any.

        Raises:
            InvalidError: the key was used with a different request.
        """
        record = self.get(key)
        if record is None:
            return None
        if record.fingerprint != fingerprint(request):
            raise InvalidError(f"this {HEADER} was already used with a different request",
                               fields={HEADER: "reused with a different request"})
        return record.reply

    def record(self, key: str, request: ChatMessage, reply: ChatReply,
               now: datetime) -> StoredReply:
        """The record to commit with the turn (see ``TurnCommit.stored_reply``)."""
        return StoredReply(client_id=self._client_id, key=key, fingerprint=fingerprint(request),
                           reply=reply, created_at=now)
