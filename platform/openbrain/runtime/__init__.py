"""The composition root: every entry point (API, CLI, Lambda functions) builds from here.

A :class:`Runtime` builds, in this order and at most once: settings -> logging -> driver ->
tenant specs (synced into the table when the profile says so) -> routing plan -> deliverer
(with the targets) -> publisher -> tools -> executor. Settings and logging are set up when it
is built, and so is the tenant sync of embedded profiles; every other part is built on first
use, after the parts it needs. A command pays only for what it touches: ``ob-admin keys list``
opens the store and nothing else, and LangChain is imported only with the executor.

Parts handed in through :class:`Parts` (tests, benchmarks, a second app over one store) are
used as they are and never started, stopped or closed here: the runtime closes what it built.
"""

from openbrain.runtime._profiles import (
    ADMIN,
    EMBEDDED,
    LAMBDA,
    LOCAL_CHAT,
    SERVICE,
    Parts,
    Profile,
)
from openbrain.runtime._root import Runtime

__all__ = ("ADMIN", "EMBEDDED", "LAMBDA", "LOCAL_CHAT", "SERVICE", "Parts", "Profile", "Runtime")
