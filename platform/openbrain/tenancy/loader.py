"""Load tenant specs (``tenants/<clientId>.toml``): one loader for the runtime and Pulumi."""

from __future__ import annotations

import tomllib
from pathlib import Path

import msgspec

from openbrain.domain.errors import InvalidError
from openbrain.domain.tenant import Tenant


class TenantSpecError(InvalidError):
    """A tenant spec file is unreadable or breaks a rule; the message names the file."""


def load_tenant(path: Path) -> Tenant:
    """Parse one spec. The file's stem must equal its ``clientId``."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise TenantSpecError(f"{path.name}: cannot read tenant spec: {exc}") from exc
    try:
        tenant = msgspec.convert(raw, type=Tenant)
    except msgspec.ValidationError as exc:
        raise TenantSpecError(f"{path.name}: {exc}") from exc
    if tenant.client_id != path.stem:
        raise TenantSpecError(
            f"{path.name}: clientId {tenant.client_id!r} must match the file name {path.stem!r}"
        )
    return tenant


def load_tenants(directory: Path) -> list[Tenant]:
    """Every ``*.toml`` spec in ``directory``, sorted by ``clientId``."""
    if not directory.is_dir():
        raise TenantSpecError(f"tenant spec directory {str(directory)!r} does not exist")
    return [load_tenant(path) for path in sorted(directory.glob("*.toml"))]
