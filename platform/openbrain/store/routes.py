"""Routes a tenant added through the API, and the signing secret of every route."""

from __future__ import annotations

import msgspec

from openbrain.domain.delivery import AddedRoute, RouteSecret
from openbrain.domain.errors import ConflictError, NotFoundError
from openbrain.store import keys
from openbrain.store.codec import encode
from openbrain.store.driver import ConditionFailedError, Item, MustExist, MustNotExist, TableDriver
from openbrain.store.scoped import ScopedRepository


class RouteRepository(ScopedRepository):
    def __init__(self, driver: TableDriver, client_id: str) -> None:
        super().__init__(driver, client_id)
        self._pk = keys.routes_pk(client_id)

    def add(self, route: AddedRoute) -> None:
        """Store a new route. Raises :class:`ConflictError` if the id is taken."""
        self._check_tenant(route)
        try:
            self._driver.put(
                Item(pk=self._pk, sk=keys.added_route_sk(route.route.route_id), data=encode(route)),
                MustNotExist(),
            )
        except ConditionFailedError as exc:
            raise ConflictError(f"route {route.route.route_id!r} already exists") from exc

    def get(self, route_id: str) -> AddedRoute | None:
        return self._get(self._pk, keys.added_route_sk(route_id), AddedRoute)

    def list(self) -> list[AddedRoute]:
        routes: list[AddedRoute] = []
        cursor: str | None = None
        while True:
            page = self._driver.query(self._pk, "R#", limit=1000, cursor=cursor)
            routes += self._decode_all(page.items, AddedRoute)
            cursor = page.cursor
            if cursor is None:
                return routes

    def set_enabled(self, route_id: str, enabled: bool) -> AddedRoute:
        """Turn an added route on or off (its id, secret and log stay).

        Raises:
            NotFoundError: it is not an added route (or was deleted meanwhile).
        """
        stored = self.get(route_id)
        if stored is None:
            raise NotFoundError(f"route {route_id!r} is not an added route")
        changed = msgspec.structs.replace(
            stored, route=msgspec.structs.replace(stored.route, enabled=enabled))
        try:
            self._driver.put(Item(pk=self._pk, sk=keys.added_route_sk(route_id),
                                  data=encode(changed)), MustExist())
        except ConditionFailedError as exc:
            raise NotFoundError(f"route {route_id!r} is not an added route") from exc
        return changed

    def delete(self, route_id: str) -> None:
        """Delete an added route and its secret. Raises :class:`NotFoundError` if absent."""
        try:
            self._driver.delete(self._pk, keys.added_route_sk(route_id), MustExist())
        except ConditionFailedError as exc:
            raise NotFoundError(f"route {route_id!r} is not an added route") from exc
        self._driver.delete(self._pk, keys.route_secret_sk(route_id))

    def secret(self, route_id: str) -> RouteSecret | None:
        return self._get(self._pk, keys.route_secret_sk(route_id), RouteSecret)

    def save_secret(self, secret: RouteSecret) -> None:
        """Create or replace (rotate) a route's secret."""
        self._check_tenant(secret)
        self._driver.put(self._secret_item(secret))

    def create_secret_once(self, secret: RouteSecret) -> RouteSecret:
        """Store ``secret`` unless the route already has one; the secret that is stored."""
        self._check_tenant(secret)
        try:
            self._driver.put(self._secret_item(secret), MustNotExist())
        except ConditionFailedError:
            existing = self.secret(secret.route_id)
            if existing is not None:
                return existing
            raise
        return secret

    def _secret_item(self, secret: RouteSecret) -> Item:
        return Item(pk=self._pk, sk=keys.route_secret_sk(secret.route_id), data=encode(secret))
