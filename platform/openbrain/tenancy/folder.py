"""The folder of tenant specs a runtime reads, and its first use from an installed package."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from openbrain.tenancy.loader import TenantSpecError

DEMO_SPEC = Path(__file__).with_name("demo.toml")
"""The demo tenant shipped in the package: in the checkout a link to ``tenants/demo.toml``,
in the wheel that file itself (one source)."""


def open_tenants_dir(directory: Path, *, user_default: bool) -> Path:
    """``directory``, ready for :func:`~openbrain.tenancy.load_tenants`.

    ``user_default``: it is the user's configuration folder (no ``OB_TENANTS_DIR``), created
    with the demo tenant on first use, which says so on stderr. Any other folder must exist: a
    mistyped path would start a runtime that routes no events and onboards no tenants.
    """
    if user_default and not directory.exists():
        _create_with_demo(directory)
    if not directory.is_dir():
        raise TenantSpecError(
            f"OB_TENANTS_DIR: tenant spec directory {str(directory)!r} does not exist"
        )
    return directory


def _create_with_demo(directory: Path) -> None:
    # Built beside it and renamed into place: a process starting at the same moment sees no
    # folder or the whole one, and only the process whose rename won announces it.
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".tenants-", dir=directory.parent))
    try:
        shutil.copyfile(DEMO_SPEC, staging / DEMO_SPEC.name)
        os.rename(staging, directory)
    except OSError:
        if not directory.is_dir():
            raise
        return
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    print(
        f"openbrain: tenant specs are in {directory} (created with the demo tenant, "
        f"{DEMO_SPEC.name}); set OB_TENANTS_DIR to use another folder",
        file=sys.stderr,
    )
