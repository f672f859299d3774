"""The typed client of the OpenBrain HTTP API, for the CLI's remote mode and the dashboard.

``api`` describes every route as a call decoding into domain types; ``Client`` (blocking) and
``AsyncClient`` carry them. Problem details come back as the domain errors they stand for.
"""

from openbrain.client import api
from openbrain.client.aio import AsyncClient
from openbrain.client.models import Token
from openbrain.client.sse import TurnEvent
from openbrain.client.sync import Client

__all__ = ("AsyncClient", "Client", "Token", "TurnEvent", "api")
