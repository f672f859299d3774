"""Build hook: Swagger UI's files for the interactive API docs (``openbrain.api.docs``).

They come from the PyPI package ``swagger-ui-py`` (Swagger UI 5, Apache-2.0), which the
build installs into its own environment by name (this hook's ``dependencies`` in
pyproject.toml), so the wheel carries them and nothing is fetched at run time. A wheel gets
them in ``openbrain/api/static/swagger/``; an editable install (``uv sync``) gets a copy in
the checkout's same folder, which git ignores.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

FILES = ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css",
         "LICENSE")
TARGET = "openbrain/api/static/swagger"


class SwaggerAssetsHook(BuildHookInterface):
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        import swagger_ui  # the build environment's, from the hook's dependencies

        source = Path(swagger_ui.__file__).parent / "static"
        if version == "editable":
            checkout = Path(self.root) / "platform" / TARGET
            checkout.mkdir(parents=True, exist_ok=True)
            for name in FILES:
                shutil.copyfile(source / name, checkout / name)
            return
        for name in FILES:
            build_data["force_include"][str(source / name)] = f"{TARGET}/{name}"
