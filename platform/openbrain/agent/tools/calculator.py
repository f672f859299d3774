"""``calculator``: arithmetic parsed with ``ast`` and evaluated by walking the tree (no eval).

Only numbers, + - * / // % **, unary signs, parentheses, ``pi``/``e`` and a few functions
are accepted; anything else (names, attributes, calls of other functions, strings) is refused
before any evaluation. Sizes are bounded so no expression can exhaust memory or time.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable
from typing import Annotated

import msgspec

from openbrain.agent.tools.registry import Tool, ToolArgs, ToolContext, ToolError, ToolResult

Number = int | float
_BINARY: dict[type[ast.operator], Callable[[Number, Number], Number]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY: dict[type[ast.unaryop], Callable[[Number], Number]] = {
    ast.UAdd: operator.pos,
    ast.USub: operator.neg,
}
_FUNCTIONS: dict[str, Callable[..., Number]] = {
    "sqrt": math.sqrt,
    "abs": abs,
    "round": round,
    "min": min,
    "max": max,
}
_CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}
_MAX_EXPONENT = 1_000
_MAX_MAGNITUDE = 1e300


class CalculatorArgs(ToolArgs, kw_only=True):
    """An arithmetic expression such as ``(2 + 3) * 4 / 7`` or ``sqrt(2) * pi``."""

    expression: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


def _eval(node: ast.AST) -> Number:
    if isinstance(node, ast.Expression):
        return _eval(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        if isinstance(node.value, bool):
            raise ToolError("unsupported expression element: bool")
        return node.value
    if isinstance(node, ast.Name) and node.id in _CONSTANTS:
        return _CONSTANTS[node.id]
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_eval(node.operand))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _eval(node.left), _eval(node.right)
        if isinstance(node.op, ast.Pow) and (abs(right) > _MAX_EXPONENT or abs(left) > 1e6):
            raise ToolError("the exponent or its base is too large")
        return _BINARY[type(node.op)](left, right)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _FUNCTIONS
        and not node.keywords
        and len(node.args) <= 10
    ):
        return _FUNCTIONS[node.func.id](*(_eval(a) for a in node.args))
    raise ToolError(f"unsupported expression element: {type(node).__name__}")


def evaluate(expression: str) -> Number:
    """The value of ``expression``.

    Raises:
        ToolError: the expression is not plain arithmetic, or it cannot be computed.
    """
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as exc:
        raise ToolError("not a valid arithmetic expression") from exc
    try:
        value = _eval(tree)
    except ZeroDivisionError as exc:
        raise ToolError("division by zero") from exc
    except (OverflowError, ValueError, TypeError) as exc:
        raise ToolError(f"cannot compute this: {exc}") from exc
    if (isinstance(value, float) and not math.isfinite(value)) or abs(value) > _MAX_MAGNITUDE:
        raise ToolError("the result is too large")
    return value


def calculator(args: CalculatorArgs, ctx: ToolContext) -> ToolResult:
    value = evaluate(args.expression)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = int(value)
    return ToolResult(output=str(value))


CALCULATOR = Tool(
    name="calculator",
    description="Compute an arithmetic expression exactly (use it rather than mental arithmetic).",
    args=CalculatorArgs,
    run=calculator,
)
