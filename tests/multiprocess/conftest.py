"""Fixtures of the multi-instance tests: moto's server as the store suite runs it."""

from tests.store.conftest import fx_dynamodb_client, fx_moto_endpoint

__all__ = ("fx_dynamodb_client", "fx_moto_endpoint")
