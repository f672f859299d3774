"""Leads of one tenant, newest first (lead ids sort by creation time)."""

from __future__ import annotations

from collections.abc import Callable, Collection

from openbrain.domain.base import utcnow
from openbrain.domain.errors import NotFoundError
from openbrain.domain.lead import Lead, LeadFields
from openbrain.store import keys
from openbrain.store.codec import encode, validated
from openbrain.store.driver import (
    ConditionFailedError,
    Delete,
    Item,
    MustExist,
    MustNotExist,
    Put,
    TableDriver,
)
from openbrain.store.paging import filtered_page
from openbrain.store.scoped import ScopedRepository
from openbrain.store.shards import merged_query

LeadFilter = Callable[[Lead], bool]


def lead_item(lead: Lead) -> Item:
    """The lead in its shard (:data:`~openbrain.store.keys.RECORD_SHARDS`, by id)."""
    return Item(pk=keys.lead_shard_pk(lead.client_id, lead.lead_id),
                sk=keys.lead_sk(lead.lead_id), data=encode(lead))


class LeadRepository(ScopedRepository):
    """Leads are read from their shard, then from the partition of before sharding; a lead
    from there is written to its shard when it changes (the shard's copy wins on reads)."""

    def __init__(self, driver: TableDriver, client_id: str) -> None:
        super().__init__(driver, client_id)
        self._pk = keys.leads_pk(client_id)

    def get(self, lead_id: str) -> Lead | None:
        sk = keys.lead_sk(lead_id)
        return (self._get(keys.lead_shard_pk(self._client_id, lead_id), sk, Lead)
                or self._get(self._pk, sk, Lead))

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
        item = lead_item(lead)
        try:
            self._driver.put(item, MustExist())
        except ConditionFailedError:  # stored before sharding: moved to its shard
            self._driver.transact([Put(item, MustNotExist()),
                                   Delete(self._pk, item.sk, MustExist())])
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
            lambda after: merged_query(
                self._driver, keys.lead_partitions(self._client_id), "L#", newest_first=True,
                limit=limit, cursor=after,
            ),
            Lead,
            limit=limit,
            cursor=cursor,
            where=where,
            index=False,
        )

    def delete(self, lead_id: str) -> None:
        sk = keys.lead_sk(lead_id)
        self._driver.delete(keys.lead_shard_pk(self._client_id, lead_id), sk)
        self._driver.delete(self._pk, sk)
