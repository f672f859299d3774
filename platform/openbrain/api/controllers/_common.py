"""Shared parameter types of the controllers."""

from __future__ import annotations

from typing import Annotated

from litestar.params import Parameter

LimitParam = Annotated[int, Parameter(ge=1, le=200, description="page size (1-200)")]
CursorParam = Annotated[
    str | None, Parameter(max_length=2000, description="cursor of the next page", required=False)
]
DayParam = Annotated[
    str | None, Parameter(pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD", required=False)
]
IdParam = Annotated[str, Parameter(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
ProfileParam = Annotated[str, Parameter(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
