"""Leads of one tenant, newest first (lead ids sort by creation time)."""

from __future__ import annotations

from collections.abc import Callable, Collection

from openbrain.domain.base import utcnow
from openbrain.domain.errors import NotFoundError
from openbrain.domain.lead import Lead, LeadFields
from openbrain.store import keys
from openbrain.store.codec import encode, validated
from openbrain.store.driver import Item, MustExist, TableDriver
from openbrain.store.paging import filtered_page
from openbrain.store.scoped import ScopedRepository

LeadFilter = Callable[[Lead], bool]


def lead_item(lead: Lead) -> Item:
    return Item(pk=keys.leads_pk(lead.client_id), sk=keys.lead_sk(lead.lead_id), data=encode(lead))


class LeadRepository(ScopedRepository):
    def __init__(self, driver: TableDriver, client_id: str) -> None:
        super().__init__(driver, client_id)
        self._pk = keys.leads_pk(client_id)

    def get(self, lead_id: str) -> Lead | None:
        return self._get(self._pk, keys.lead_sk(lead_id), Lead)

    def require(self, lead_id: str) -> Lead:
        lead = self.get(lead_id)
        if lead is None:
            raise NotFoundError(f"lead {lead_id!r} does not exist")
        return lead

    def save(self, lead: Lead) -> None:
        self._check_tenant(lead)
        self._driver.put(lead_item(validated(lead)))

    def update(self, lead_id: str, fields: LeadFields, *,
               cleared: Collection[str] = ()) -> Lead:
        """Apply ``fields`` (``None``: leave as it is) and forget the ``cleared`` ones."""
        lead = self.require(lead_id).merged(validated(fields), utcnow(), cleared)
        self._driver.put(lead_item(lead), MustExist())
        return lead

    def list(
        self,
        *,
        limit: int = 50,
        cursor: str | None = None,
        where: LeadFilter | None = None,
    ) -> tuple[list[Lead], str | None]:
        """Leads newest first. With ``where``, pages are scanned until ``limit`` leads match;
        the cursor then points after the last lead scanned."""
        return filtered_page(
            lambda after: self._driver.query(
                self._pk, "L#", newest_first=True, limit=limit, cursor=after
            ),
            Lead,
            limit=limit,
            cursor=cursor,
            where=where,
            index=False,
        )

    def delete(self, lead_id: str) -> None:
        self._driver.delete(self._pk, keys.lead_sk(lead_id))
