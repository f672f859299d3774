"""The terminal's error stream as rich prints it: every command's messages to people."""

from __future__ import annotations

from rich.console import Console

err_console = Console(stderr=True, highlight=False, soft_wrap=True)
