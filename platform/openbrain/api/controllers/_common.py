"""Shared parameter types of the controllers."""

from __future__ import annotations

from typing import Annotated

from litestar.params import Parameter

from openbrain.domain.ids import DAY, IDENTIFIER, PROFILE_NAME

LimitParam = Annotated[int, Parameter(ge=1, le=200, description="page size (1-200)")]
CursorParam = Annotated[
    str | None, Parameter(max_length=2000, description="cursor of the next page", required=False)
]
DayParam = Annotated[
    str | None, Parameter(pattern=DAY.anchored, description="YYYY-MM-DD", required=False)
]
IdParam = Annotated[str, Parameter(pattern=IDENTIFIER.anchored)]
ProfileParam = Annotated[str, Parameter(pattern=PROFILE_NAME.anchored)]
