"""Options several commands declare alike (typer only: no rich, no runtime)."""

from __future__ import annotations

import typer

ApiUrlOption = typer.Option(None, "--api-url", envvar="OB_API_URL", metavar="URL",
                            help="Remote API base URL.")
ApiKeyOption = typer.Option(None, "--api-key", envvar="OB_API_KEY", metavar="KEY",
                            help="API key (remote mode).")
TenantOption = typer.Option("demo", "--tenant", envvar="OB_TENANT", metavar="TENANT",
                            help="Tenant (embedded mode).")
