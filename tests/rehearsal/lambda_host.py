"""A warm Lambda container for one function: imports its handler (``module.function``) the way
the Python runtime does (``LAMBDA_TASK_ROOT`` and ``/opt/python`` first on the path), then
answers one invocation per line of stdin (a JSON event) with one line of JSON on stdout, the
handler given a context whose remaining time counts down from the function's timeout (seconds,
the second argument). Whatever the function prints or logs goes to stderr, as Lambda would
ship it to its log group."""

from __future__ import annotations

import importlib
import json
import os
import sys
import time


class Context:
    """The part of Lambda's context object the handlers read."""

    def __init__(self, timeout: float) -> None:
        self._ends = time.monotonic() + timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._ends - time.monotonic()) * 1000))


result_out = os.fdopen(os.dup(1), "w")
os.dup2(2, 1)
sys.path[:0] = [os.environ["LAMBDA_TASK_ROOT"], "/opt/python"]
module_name, function_name = sys.argv[1].rsplit(".", 1)
timeout = float(sys.argv[2])
handler = getattr(importlib.import_module(module_name), function_name)
result_out.write(json.dumps({"ready": True}) + "\n")
result_out.flush()
for line in sys.stdin:
    try:
        answer = {"result": handler(json.loads(line), Context(timeout))}
    except Exception as exc:  # the invocation fails, the container lives on (as in Lambda)
        answer = {"error": f"{type(exc).__name__}: {exc}"}
    result_out.write(json.dumps(answer) + "\n")
    result_out.flush()
