"""Every key of the table, built in one place. Each begins with the tenant: ``T#{clientId}``.

The access patterns and the keys they use are tabled in ``docs/data-model.md``. Functions here
take the ``client_id`` as their first argument, so no code can name a record without naming
its tenant; only the platform's tenant listing lives outside a tenant partition.
"""

from __future__ import annotations

import zlib
from datetime import datetime

from openbrain.domain.errors import InvalidError
from openbrain.domain.ids import CLIENT_ID

TENANTS_INDEX = "TENANTS"
TENANT_SK = "TENANT"
TENANT_DISABLED_SK = "TENANT#DISABLED"
"""Present while a platform admin has disabled the tenant through the API (spec syncs keep it)."""
SESSION_SK = "SESSION"
MESSAGE_PREFIX = "M#"
MEMORY_SK = "MEMORY"
"""A session's latest summary of its older messages (``summary`` memory policy)."""
ACTION_PREFIX = "A#"
SEQ_WIDTH = 10
# A session's partition sorts as A#…, INBOX, LISTED, M#…, MEMORY, SESSION: a turn reads the
# session, its summary and its newest messages in one query, newest first, from SESSION down
# to M#. No other key of the partition may sort between MESSAGE_PREFIX and SESSION_SK
# (tests/store/test_turn_read.py).


_tenant_pks: dict[str, str] = {}
"""Partitions of the tenant ids seen (a turn builds about ten keys of one tenant)."""


def tenant_pk(client_id: str) -> str:
    """The tenant's partition; a malformed id (which could alias another key) is refused."""
    found = _tenant_pks.get(client_id)
    if found is not None and type(client_id) is str:
        return found
    if not CLIENT_ID.fullmatch(client_id):
        raise InvalidError(f"client_id {client_id!r} is not a valid tenant id")
    pk = f"T#{client_id}"
    if type(client_id) is str and len(_tenant_pks) < 4096:
        _tenant_pks[client_id] = pk
    return pk


def api_key_sk(key_id: str) -> str:
    return f"KEY#{key_id}"


def profile_head_sk(profile_name: str) -> str:
    return f"PROFILE#{profile_name}"


def profile_versions_pk(client_id: str, profile_name: str) -> str:
    return f"{tenant_pk(client_id)}#P#{profile_name}"


def version_sk(version: int) -> str:
    return f"V#{version:08d}"


def session_pk(client_id: str, session_id: str) -> str:
    return f"{tenant_pk(client_id)}#S#{session_id}"


def sessions_index(client_id: str) -> str:
    """The session listing before it was sharded: session items themselves carried this key
    and were rewritten in the index on every turn. Still read, never written."""
    return f"{tenant_pk(client_id)}#SESSIONS"


SESSION_LIST_SHARDS = 16
"""The session listing is spread over this many index partitions (one tenant can start
16,000 sessions a second before one of them reaches DynamoDB's 1,000 WCU/s)."""
SESSION_LISTED_SK = "LISTED"
"""A session's listing entry: written once when the session starts, holding only index keys,
so a turn (which rewrites ``SESSION``) never writes the index."""


def sessions_index_shard(client_id: str, session_id: str) -> str:
    shard = zlib.crc32(session_id.encode()) % SESSION_LIST_SHARDS
    return f"{sessions_index(client_id)}#{shard:02d}"


def sessions_index_shards(client_id: str) -> list[str]:
    return [f"{sessions_index(client_id)}#{n:02d}" for n in range(SESSION_LIST_SHARDS)]


def session_index_sk(created_at: datetime, session_id: str) -> str:
    return f"{created_at.isoformat()}#{session_id}"


SESSION_INBOX_SK = "INBOX"
"""A session's entry in its tenant's inbox while it waits for or is held by an operator:
written and deleted with the hand-off's state changes only (rare), never by a turn."""


def inbox_index(client_id: str) -> str:
    return f"{tenant_pk(client_id)}#INBOX"


def inbox_sk(handoff_at: datetime, session_id: str) -> str:
    return f"{handoff_at.isoformat()}#{session_id}"


def message_sk(seq: int) -> str:
    return f"{MESSAGE_PREFIX}{seq:0{SEQ_WIDTH}d}"


def action_sk(action_id: str) -> str:
    return f"{ACTION_PREFIX}{action_id}"


RECORD_SHARDS = 16
"""Leads and outbox events of a tenant are spread over this many partitions (and pending
events over as many index partitions), by their id, so no partition takes all of them: an
event costs its shard 3 WRU (its put in the turn's transaction, then marked published), so
a tenant can capture a lead and emit an event in ~5,000 turns a second before one shard
reaches DynamoDB's 1,000 WCU/s. Listings read every shard (as the session listing does)."""


def _shards(base: str) -> list[str]:
    """The unsharded partition first (records written before sharding), then the shards."""
    return [base, *(f"{base}#{n:02d}" for n in range(RECORD_SHARDS))]


def _shard(base: str, record_id: str) -> str:
    return f"{base}#{zlib.crc32(record_id.encode()) % RECORD_SHARDS:02d}"


def leads_pk(client_id: str) -> str:
    """The partition leads were written to before sharding (still read, never written)."""
    return f"{tenant_pk(client_id)}#LEADS"


def lead_shard_pk(client_id: str, lead_id: str) -> str:
    return _shard(leads_pk(client_id), lead_id)


def lead_partitions(client_id: str) -> list[str]:
    return _shards(leads_pk(client_id))


def lead_sk(lead_id: str) -> str:
    return f"L#{lead_id}"


def events_pk(client_id: str) -> str:
    """The partition outbox events were written to before sharding (read, never written)."""
    return f"{tenant_pk(client_id)}#EVENTS"


def event_shard_pk(client_id: str, event_id: str) -> str:
    return _shard(events_pk(client_id), event_id)


def event_partitions(client_id: str) -> list[str]:
    return _shards(events_pk(client_id))


def event_sk(event_id: str) -> str:
    return f"E#{event_id}"


def pending_events_index(client_id: str) -> str:
    """Sparse index of unpublished outbox events before sharding (read, never written)."""
    return f"{tenant_pk(client_id)}#PENDING"


def pending_events_shard(client_id: str, event_id: str) -> str:
    """Sparse index partition of an unpublished event; publishing removes the entry."""
    return _shard(pending_events_index(client_id), event_id)


def pending_events_indexes(client_id: str) -> list[str]:
    return _shards(pending_events_index(client_id))


def usage_pk(client_id: str) -> str:
    """The partition usage was counted in before it was sharded (still read, never written)."""
    return f"{tenant_pk(client_id)}#USAGE"


USAGE_SHARDS = 32
"""Usage counters are spread over this many partitions: a tenant's turns never all write one
item (DynamoDB serves one item at most 1,000 WCU/s); reads sum every shard."""


def usage_shard_pk(client_id: str, shard: int) -> str:
    if not 0 <= shard < USAGE_SHARDS:
        raise InvalidError(f"usage shard {shard} is not between 0 and {USAGE_SHARDS - 1}")
    return f"{usage_pk(client_id)}#{shard:02d}"


def usage_sk(day: str, profile_name: str) -> str:
    return f"D#{day}#P#{profile_name}"


def counters_prefix(client_id: str) -> str:
    """Shared counters of a tenant (rate-limit windows, token leases): each bucket is its own
    partition under this prefix, so no counter item is shared by all of a tenant's traffic."""
    return f"{tenant_pk(client_id)}#COUNTERS"


PLATFORM_COUNTERS = "PLATFORM#COUNTERS"
"""Counters of no tenant (sign-in attempts per client address)."""


def counter_pk(prefix: str, bucket: str) -> str:
    if not bucket or "#" in bucket:
        raise InvalidError("a counter bucket is non-empty and holds no '#'")
    return f"{prefix}#{bucket}"


def window_sk(window: str) -> str:
    return f"W#{window}"


# --- event delivery (routes added through the API, secrets, delivery log, dead letters) ---


def routes_pk(client_id: str) -> str:
    """Routes a tenant added and every route's signing secret."""
    return f"{tenant_pk(client_id)}#ROUTES"


def added_route_sk(route_id: str) -> str:
    return f"R#{route_id}"


def route_secret_sk(route_id: str) -> str:
    return f"SECRET#{route_id}"


def deliveries_pk(client_id: str) -> str:
    """The delivery log (``A#`` attempts, newest last) and per-route delivery states (``S#``)."""
    return f"{tenant_pk(client_id)}#DELIVERIES"


def attempt_sk(attempt_id: str) -> str:
    return f"A#{attempt_id}"


def event_attempts_index(client_id: str, event_id: str) -> str:
    """Index of one event's attempts (the delivery log filtered by ``eventId``)."""
    return f"{tenant_pk(client_id)}#ATTEMPTS#{event_id}"


def delivery_state_sk(event_id: str, route_id: str) -> str:
    return f"S#{event_id}#{route_id}"


def dead_letters_pk(client_id: str) -> str:
    return f"{tenant_pk(client_id)}#DEAD"


def dead_letter_sk(dead_letter_id: str) -> str:
    return f"DL#{dead_letter_id}"


def open_dead_letters_index(client_id: str) -> str:
    """Sparse index of dead letters not yet redriven; redriving removes the entry."""
    return f"{tenant_pk(client_id)}#DEAD#OPEN"


# --- one-time sign-in codes (``ob-admin token --link``), keyed by the code's hash ---

SIGNIN_CODE_PREFIX = "SIGNIN#"


def signin_code_sk(code_hash: str) -> str:
    return f"{SIGNIN_CODE_PREFIX}{code_hash}"


IDEMPOTENCY_SK = "REPLY"


def idempotency_pk(client_id: str, key: str) -> str:
    """A chat request's ``Idempotency-Key``: its own partition (keys are spread evenly)."""
    return f"{tenant_pk(client_id)}#I#{key}"
