"""Routes a tenant added through the API, and the signing secret of every route."""

from __future__ import annotations

from openbrain.domain.delivery import AddedRoute, RouteSecret
from openbrain.domain.errors import ConflictError, NotFoundError
from openbrain.store import keys
from openbrain.store.codec import decode, encode
from openbrain.store.driver import ConditionFailedError, Item, MustExist, MustNotExist, TableDriver


class RouteRepository:
    def __init__(self, driver: TableDriver, client_id: str) -> None:
        self._driver = driver
        self._client_id = client_id
        self._pk = keys.routes_pk(client_id)

    def add(self, route: AddedRoute) -> None:
        """Store a new route. Raises :class:`ConflictError` if the id is taken."""
        self._check_tenant(route.client_id)
        try:
            self._driver.put(
                Item(pk=self._pk, sk=keys.added_route_sk(route.route.route_id), data=encode(route)),
                MustNotExist(),
            )
        except ConditionFailedError as exc:
            raise ConflictError(f"route {route.route.route_id!r} already exists") from exc

    def get(self, route_id: str) -> AddedRoute | None:
        item = self._driver.get(self._pk, keys.added_route_sk(route_id))
        return decode(item.data, AddedRoute) if item else None

    def list(self) -> list[AddedRoute]:
        routes: list[AddedRoute] = []
        cursor: str | None = None
        while True:
            page = self._driver.query(self._pk, "R#", limit=1000, cursor=cursor)
            routes += [decode(i.data, AddedRoute) for i in page.items]
            cursor = page.cursor
            if cursor is None:
                return routes

    def delete(self, route_id: str) -> None:
        """Delete an added route and its secret. Raises :class:`NotFoundError` if absent."""
        try:
            self._driver.delete(self._pk, keys.added_route_sk(route_id), MustExist())
        except ConditionFailedError as exc:
            raise NotFoundError(f"route {route_id!r} is not an added route") from exc
        self._driver.delete(self._pk, keys.route_secret_sk(route_id))

    def secret(self, route_id: str) -> RouteSecret | None:
        item = self._driver.get(self._pk, keys.route_secret_sk(route_id))
        return decode(item.data, RouteSecret) if item else None

    def save_secret(self, secret: RouteSecret) -> None:
        """Create or replace (rotate) a route's secret."""
        self._check_tenant(secret.client_id)
        self._driver.put(
            Item(pk=self._pk, sk=keys.route_secret_sk(secret.route_id), data=encode(secret))
        )

    def create_secret_once(self, secret: RouteSecret) -> RouteSecret:
        """Store ``secret`` unless the route already has one; the secret that is stored."""
        self._check_tenant(secret.client_id)
        try:
            self._driver.put(
                Item(pk=self._pk, sk=keys.route_secret_sk(secret.route_id), data=encode(secret)),
                MustNotExist(),
            )
        except ConditionFailedError:
            existing = self.secret(secret.route_id)
            if existing is not None:
                return existing
            raise
        return secret

    def _check_tenant(self, client_id: str) -> None:
        if client_id != self._client_id:
            raise ValueError("record belongs to another tenant")
