"""One-time sign-in codes: what ``ob-admin token --link`` and ``ob-tuner`` hand to a browser.

Only the SHA-256 of a code is stored (as its key); the record says what the code grants. A
code is redeemed once, for a JWT, within :data:`SIGNIN_CODE_TTL_SECONDS` of its minting.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from openbrain.domain.base import ClientId, Record, Request, Timestamp

SIGNIN_CODE_TTL_SECONDS = 600
MAX_TOKEN_TTL_SECONDS = 86_400
SigninCodeText = Annotated[str, msgspec.Meta(min_length=1, max_length=512)]


class SigninCode(Record, kw_only=True, frozen=True):
    """A stored code. ``code_hash`` is hex SHA-256 of the whole code; the code is never kept."""

    client_id: ClientId
    code_hash: str
    role: str
    subject: str
    token_ttl_seconds: Annotated[int, msgspec.Meta(ge=60, le=MAX_TOKEN_TTL_SECONDS)]
    created_at: Timestamp
    expires_at: Timestamp
    used_at: Timestamp | None = None

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at


class CodeExchange(Request, kw_only=True, frozen=True):
    """``POST /v1/auth/exchange``: the code from a sign-in link."""

    code: SigninCodeText


class ExchangedToken(Record, kw_only=True, frozen=True):
    """What a redeemed code is worth: a JWT for the dashboard."""

    token: str
    expires_at: Timestamp
    client_id: str
    role: str
