"""Credentials: API keys (minting, hashing, verifying), JWTs and widget session tokens."""

from openbrain.auth.api_keys import ParsedKey, hash_token, mint_key, parse_key, verify_secret
from openbrain.auth.jwt_tokens import JwtClaims, JwtVerifier, mint_token, role_scopes
from openbrain.auth.widget_tokens import WidgetGrant, WidgetTokens

__all__ = (
    "JwtClaims",
    "JwtVerifier",
    "ParsedKey",
    "WidgetGrant",
    "WidgetTokens",
    "hash_token",
    "mint_key",
    "mint_token",
    "parse_key",
    "role_scopes",
    "verify_secret",
)
