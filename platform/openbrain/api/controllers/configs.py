"""Agent profiles (configs) and their versions; the tool catalogue they pick from."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, delete, get, patch, post, put
from litestar.params import Body, HeaderParameter, JSONBody, Parameter

from openbrain.agent.catalogue import configured_models
from openbrain.api.controllers._common import CursorParam, LimitParam, ProfileParam
from openbrain.api.deps import ServicesDep, StoreDep
from openbrain.api.guards import requires_scope
from openbrain.api.schemas import ConfigPage, ProfileRename, ToolInfo
from openbrain.domain.agent_config import (
    DEFAULT_PROFILE,
    AgentConfig,
    AgentSettings,
    merge_patch,
)
from openbrain.domain.errors import ForbiddenError, InvalidError, PreconditionFailedError
from openbrain.domain.pricing import ModelInfo

VersionParam = Annotated[int, Parameter(ge=1, le=100_000_000)]


def _merge_patch_schema() -> dict[str, Any]:
    """The PATCH body's schema, derived from ``AgentSettings``: any of its fields, each also
    ``null`` (reset to the default), nothing else."""
    settings = msgspec.json.schema(AgentSettings)["$defs"]["AgentSettings"]
    properties = {name: {"anyOf": [{k: v for k, v in prop.items() if k != "default"},
                                   {"type": "null"}]}
                  for name, prop in settings["properties"].items()}
    return {"type": "object", "properties": properties, "additionalProperties": False,
            "title": "ProfileChanges",
            "description": "A JSON merge patch of a profile's settings (RFC 7396)."}


ProfileChanges = Annotated[dict[str, Any], Body(schema_extra=_merge_patch_schema())]


def _if_match(value: str | None) -> int | None:
    if value is None:
        return None
    raw = value.strip()
    if raw.startswith("W/"):
        # If-Match compares strongly (RFC 9110 13.1.1): a weak tag matches no version.
        raise PreconditionFailedError("If-Match takes a strong entity tag: a weak one (W/...) "
                                      "matches no version")
    raw = raw.removeprefix('"').removesuffix('"')
    if not (raw.isascii() and raw.isdigit()):
        raise InvalidError("If-Match must be the profile version you edited, e.g. If-Match: 3")
    return int(raw)


class ConfigsController(Controller):
    path = "/v1/configs"
    tags = ["configs"]

    @get(operation_id="listConfigs", guards=[requires_scope("configs:read")], sync_to_thread=True)
    def list_configs(self, store: StoreDep) -> ConfigPage:
        return ConfigPage(items=store.configs.list(), cursor=None)

    @get("/{name:str}", operation_id="getConfig", guards=[requires_scope("configs:read")],
         sync_to_thread=True)
    def get_config(self, name: ProfileParam, store: StoreDep) -> AgentConfig:
        return store.configs.require(name)

    @put("/{name:str}", operation_id="putConfig", guards=[requires_scope("configs:write")],
         sync_to_thread=True)
    def put_config(
        self, name: ProfileParam, data: JSONBody[AgentSettings], store: StoreDep,
        services: ServicesDep,
        if_match: Annotated[str | None, HeaderParameter(
            name="If-Match", required=False, max_length=40, pattern=r'^(W/)?"?[0-9]{1,9}"?$',
            description='the version edited: 3 or "3" (a weak W/"3" matches nothing: 412)',
        )] = None,
    ) -> AgentConfig:
        """Save a new version (``If-Match: <version>`` refuses to overwrite a newer one)."""
        services.tools.check(data.tools)
        return store.configs.save(name, data, expected_version=_if_match(if_match))

    @patch("/{name:str}", operation_id="patchConfig", guards=[requires_scope("configs:write")],
           sync_to_thread=True)
    def patch_config(
        self, name: ProfileParam, data: ProfileChanges, store: StoreDep,
        services: ServicesDep,
        if_match: Annotated[str | None, HeaderParameter(name="If-Match", required=False,
                                                  max_length=40)] = None,
    ) -> AgentConfig:
        """Change some fields (a JSON merge patch, RFC 7396: ``null`` resets a field to its
        default) and save the result as a new version; the other fields keep their values."""
        head = store.configs.require(name)
        expected = _if_match(if_match)
        settings = merge_patch(head.settings, data)
        services.tools.check(settings.tools)
        # Saved on the version it was merged onto: a concurrent save makes this a 409.
        return store.configs.save(
            name, settings, expected_version=head.version if expected is None else expected
        )

    @delete("/{name:str}", operation_id="deleteConfig", guards=[requires_scope("configs:write")],
            sync_to_thread=True)
    def delete_config(self, name: ProfileParam, store: StoreDep) -> None:
        store.configs.delete(name)

    @post("/{name:str}/rename", operation_id="renameConfig",
          guards=[requires_scope("configs:write")], status_code=200, sync_to_thread=True)
    def rename(self, name: ProfileParam, data: JSONBody[ProfileRename], store: StoreDep,
               services: ServicesDep) -> AgentConfig:
        """Rename a profile with its whole version history (409 if the new name is taken).
        API keys limited to it follow the new name; its sessions and usage keep the name they
        were recorded under. ``default`` keeps its name: chats without a profile use it."""
        if name == DEFAULT_PROFILE:
            raise ForbiddenError(f"the {DEFAULT_PROFILE!r} profile cannot be renamed: chats "
                                 "that name no profile use it; duplicate it instead")
        renamed = store.configs.rename(name, data.new_name)
        for key_id in store.api_keys.rename_profile(name, data.new_name):
            services.authenticator.keys.forget(store.client_id, key_id)
        return renamed

    @get("/{name:str}/versions", operation_id="listConfigVersions",
         guards=[requires_scope("configs:read")], sync_to_thread=True)
    def versions(self, name: ProfileParam, store: StoreDep, limit: LimitParam = 50,
                 cursor: CursorParam = None) -> ConfigPage:
        store.configs.require(name)
        items, next_cursor = store.configs.versions(name, limit=limit, cursor=cursor)
        return ConfigPage(items=items, cursor=next_cursor)

    @get("/{name:str}/versions/{version:int}", operation_id="getConfigVersion",
         guards=[requires_scope("configs:read")], sync_to_thread=True)
    def get_version(self, name: ProfileParam, version: VersionParam,
                    store: StoreDep) -> AgentConfig:
        return store.configs.get_version(name, version)

    @post("/{name:str}/versions/{version:int}/restore", operation_id="restoreConfigVersion",
          guards=[requires_scope("configs:write")], status_code=200, sync_to_thread=True)
    def restore(self, name: ProfileParam, version: VersionParam, store: StoreDep) -> AgentConfig:
        store.configs.require(name)
        return store.configs.restore(name, version)


class ToolsController(Controller):
    path = "/v1/tools"
    tags = ["configs"]

    @get(operation_id="listTools", guards=[requires_scope("configs:read")], sync_to_thread=False)
    def list_tools(self, services: ServicesDep) -> list[ToolInfo]:
        described: list[dict[str, Any]] = services.tools.describe()
        return [ToolInfo(**d) for d in described]


class ModelsController(Controller):
    path = "/v1/models"
    tags = ["configs"]

    @get(operation_id="listModels", guards=[requires_scope("configs:read")],
         sync_to_thread=False)
    def list_models(self, services: ServicesDep) -> list[ModelInfo]:
        """The models a profile can pick: ``offline`` (built in) and what the configured LLM
        endpoint serves, with their prices per million tokens (``null``: unpriced). A profile
        may name another model; without an endpoint every model runs offline."""
        return configured_models(services.settings)
