"""Agent profiles: each save writes a new immutable version and moves the profile's head."""

from __future__ import annotations

import builtins

import msgspec

from openbrain.domain.agent_config import AgentConfig, AgentSettings
from openbrain.domain.base import utcnow
from openbrain.domain.errors import ConflictError, NotFoundError
from openbrain.store import keys
from openbrain.store.codec import decode, encode, validated
from openbrain.store.driver import (
    ConditionFailedError,
    Delete,
    Item,
    MustNotExist,
    Put,
    VersionIs,
)
from openbrain.store.scoped import ScopedRepository


class AgentConfigRepository(ScopedRepository):
    """The head item (``PROFILE#name``) holds a full copy of the latest version, so reading a
    profile is one ``get``; versions live in their own partition and are never rewritten."""

    def get(self, profile_name: str) -> AgentConfig | None:
        return self._get(self._tenant_pk, keys.profile_head_sk(profile_name), AgentConfig)

    def require(self, profile_name: str) -> AgentConfig:
        config = self.get(profile_name)
        if config is None:
            raise NotFoundError(f"agent profile {profile_name!r} does not exist")
        return config

    def get_version(self, profile_name: str, version: int) -> AgentConfig:
        config = self._get(
            keys.profile_versions_pk(self._client_id, profile_name),
            keys.version_sk(version),
            AgentConfig,
        )
        if config is None:
            raise NotFoundError(f"agent profile {profile_name!r} has no version {version}")
        return config

    def list(self) -> list[AgentConfig]:
        page = self._driver.query(self._tenant_pk, keys.profile_head_sk(""), limit=1000)
        return self._decode_all(page.items, AgentConfig)

    def versions(
        self, profile_name: str, *, limit: int = 50, cursor: str | None = None
    ) -> tuple[builtins.list[AgentConfig], str | None]:
        """Versions newest first."""
        page = self._driver.query(
            keys.profile_versions_pk(self._client_id, profile_name),
            "V#",
            newest_first=True,
            limit=limit,
            cursor=cursor,
        )
        return self._decode_all(page.items, AgentConfig), page.cursor

    def save(
        self, profile_name: str, settings: AgentSettings, *, expected_version: int | None = None
    ) -> AgentConfig:
        """Write ``settings`` as the next version of the profile (version 1 if new).

        ``expected_version``: refuse (409) unless the latest version is this one, so two
        admins editing one profile cannot silently overwrite each other.
        """
        head = self.get(profile_name)
        current = head.version if head else 0
        if expected_version is not None and expected_version != current:
            raise ConflictError(
                f"profile {profile_name!r} is at version {current}, not {expected_version}"
            )
        fields = {f: getattr(settings, f) for f in AgentSettings.__struct_fields__}
        config = validated(
            AgentConfig(
                **fields,
                client_id=self._client_id,
                profile_name=profile_name,
                version=current + 1,
                created_at=utcnow(),
            )
        )
        data = encode(config)
        head_condition = VersionIs(current) if head else MustNotExist()
        try:
            self._driver.transact(
                [
                    Put(
                        Item(
                            pk=keys.profile_versions_pk(self._client_id, profile_name),
                            sk=keys.version_sk(config.version),
                            data=data,
                            version=config.version,
                        ),
                        MustNotExist(),
                    ),
                    Put(
                        Item(
                            pk=self._tenant_pk,
                            sk=keys.profile_head_sk(profile_name),
                            data=data,
                            version=config.version,
                        ),
                        head_condition,
                    ),
                ]
            )
        except ConditionFailedError as exc:
            raise ConflictError(
                f"profile {profile_name!r} was saved by someone else meanwhile; reload and retry"
            ) from exc
        return config

    def restore(self, profile_name: str, version: int) -> AgentConfig:
        """Save an old version's settings as the newest version."""
        old = self.get_version(profile_name, version)
        return self.save(profile_name, old.settings)

    def rename(self, old_name: str, new_name: str) -> AgentConfig:
        """Move a profile and its whole history to ``new_name``; the head under the new name.

        The new name is taken first (its head written only if absent), then the versions are
        copied, then the old head is deleted on the version copied last (a save meanwhile is
        copied too), then the old versions. A fault on the way leaves both names, never a
        profile without its history.

        Raises:
            NotFoundError: no profile ``old_name``.
            ConflictError: ``new_name`` is taken.
        """
        head = self.require(old_name)
        renamed = self._renamed(head, new_name)
        try:
            self._driver.put(self._head_item(renamed), MustNotExist())
        except ConditionFailedError as exc:
            raise ConflictError(f"a profile named {new_name!r} already exists; pick another "
                                "name or delete that profile first") from exc
        copied = 0
        while True:
            copied = self._copy_versions(old_name, new_name, after=copied)
            try:
                self._driver.delete(self._tenant_pk, keys.profile_head_sk(old_name),
                                    VersionIs(head.version))
                break
            except ConditionFailedError:
                # Saved meanwhile: copy the newer versions, move the new head onto the latest.
                previous, head = head, self.require(old_name)
                renamed_head = self._renamed(head, new_name)
                self._driver.put(self._head_item(renamed_head), VersionIs(previous.version))
                renamed = renamed_head
        self._delete_versions(old_name)
        return renamed

    def _renamed(self, config: AgentConfig, new_name: str) -> AgentConfig:
        return validated(msgspec.structs.replace(config, profile_name=new_name))

    def _head_item(self, config: AgentConfig) -> Item:
        return Item(pk=self._tenant_pk, sk=keys.profile_head_sk(config.profile_name),
                    data=encode(config), version=config.version)

    def _copy_versions(self, old_name: str, new_name: str, *, after: int) -> int:
        """Copy the versions of ``old_name`` newer than ``after``; the newest copied."""
        source = keys.profile_versions_pk(self._client_id, old_name)
        target = keys.profile_versions_pk(self._client_id, new_name)
        newest, cursor = after, None
        while True:
            page = self._driver.query(source, "V#", limit=100, cursor=cursor)
            for item in page.items:
                config = decode(item.data, AgentConfig)
                if config.version > after:
                    self._driver.put(Item(pk=target, sk=item.sk,
                                          data=encode(self._renamed(config, new_name)),
                                          version=item.version))
                    newest = max(newest, config.version)
            cursor = page.cursor
            if cursor is None:
                return newest

    def _delete_versions(self, profile_name: str) -> None:
        pk = keys.profile_versions_pk(self._client_id, profile_name)
        cursor: str | None = None
        while True:
            page = self._driver.query(pk, "V#", limit=100, cursor=cursor)
            if page.items:
                self._driver.transact([Delete(i.pk, i.sk) for i in page.items])
            cursor = page.cursor
            if cursor is None:
                break

    def delete(self, profile_name: str) -> None:
        """Remove the profile and its versions. Sessions keep their frozen copy."""
        self.require(profile_name)
        self._delete_versions(profile_name)
        self._driver.delete(self._tenant_pk, keys.profile_head_sk(profile_name))
