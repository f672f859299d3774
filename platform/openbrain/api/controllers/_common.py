"""Shared parameter types of the controllers."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from litestar.params import Parameter

from openbrain.domain.ids import IDENTIFIER, PROFILE_NAME

LimitParam = Annotated[int, Parameter(ge=1, le=200, description="page size (1-200)")]
CursorParam = Annotated[
    str | None, Parameter(max_length=2000, description="cursor of the next page", required=False)
]
# A real calendar day (``2024-02-30`` is a 400 naming the parameter, not an empty page).
DayParam = Annotated[date | None, Parameter(description="YYYY-MM-DD", required=False)]
IdParam = Annotated[str, Parameter(pattern=IDENTIFIER.anchored)]
ProfileParam = Annotated[str, Parameter(pattern=PROFILE_NAME.anchored)]
# Optional filters take one Parameter carrying the pattern: an outer ``Parameter`` around an
# Annotated alias in a union drops the inner one's constraints (``?profile=%00`` passed).
ProfileFilter = Annotated[
    str | None, Parameter(pattern=PROFILE_NAME.anchored, required=False)
]
