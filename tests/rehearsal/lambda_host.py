"""A warm Lambda container for one function: imports its handler (``module.function``) the way
the Python runtime does (``LAMBDA_TASK_ROOT`` and the layer on ``PYTHONPATH``, nothing else),
then answers one message per line of stdin with one line of JSON on stdout: ``{"event": ...}``
is an invocation (the handler given a context whose remaining time counts down from the
function's timeout, seconds, the second argument), ``{"loaded": true}`` asks for ``sys.path``
and the file of every imported module (the rehearsal checks none comes from outside the
artifacts). Whatever the function prints or logs goes to stderr, as Lambda would ship it to
its log group."""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
from typing import Any


class Context:
    """The part of Lambda's context object the handlers read."""

    def __init__(self, timeout: float) -> None:
        self._ends = time.monotonic() + timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._ends - time.monotonic()) * 1000))


result_out = os.fdopen(os.dup(1), "w")
os.dup2(2, 1)
module_name, function_name = sys.argv[1].rsplit(".", 1)
timeout = float(sys.argv[2])
handler = getattr(importlib.import_module(module_name), function_name)


def _loaded() -> dict[str, Any]:
    files = {getattr(m, "__file__", None) for m in list(sys.modules.values())}
    # This host (``__main__``, aliased ``__mp_main__``) stands for Lambda's runtime.
    files.discard(__file__)
    return {"path": sys.path, "files": sorted(f for f in files if isinstance(f, str))}


result_out.write(json.dumps({"ready": True}) + "\n")
result_out.flush()
for line in sys.stdin:
    message = json.loads(line)
    if "loaded" in message:
        answer = _loaded()
    else:
        try:
            answer = {"result": handler(message["event"], Context(timeout))}
        except Exception as exc:  # the invocation fails, the container lives on (as in Lambda)
            answer = {"error": f"{type(exc).__name__}: {exc}"}
    result_out.write(json.dumps(answer) + "\n")
    result_out.flush()
