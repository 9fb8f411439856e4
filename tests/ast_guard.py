"""One lock around ``ast.parse`` in the test process, a workaround for a CPython bug.

CPython 3.11 and 3.12 before the fix of python/cpython#106905 (PR #106906) keep the AST
constructor's recursion counter per interpreter, not per thread. Two threads that build AST
objects at once can then raise ``SystemError: AST constructor recursion depth mismatch``. Our
interpreter is 3.11.7, which is affected; no fixed interpreter can be had on these machines.

Three callers of ``ast.parse`` race in the suite:
- pytest formatting a failed test's source;
- the layer test (``tests/unit/test_layers.py``);
- 3.11's ``traceback``, which parses a line to place its carets, when a worker thread logs an
  exception.

Two runs failed this way: the CI of stop 27 (pytest's INTERNALERROR while formatting a failure in
``test_mailsync_workflow.py``) and a unit run of session 28 (``test_layers``). All of these
callers go through the module attribute ``ast.parse``, so they are serialized here with one
re-entrant lock. It is re-entrant because a finalizer run by the garbage collector during a
parse may parse again on the same thread. Registered by ``tests/conftest.py``; the product's
own processes are not patched.
"""

from __future__ import annotations

import ast
import sys
import threading
from typing import Any

if sys.version_info < (3, 13) and not getattr(ast.parse, "_serialized", False):
    _lock = threading.RLock()
    _parse = ast.parse

    def _serialized_parse(*args: Any, **kwargs: Any) -> Any:
        with _lock:
            return _parse(*args, **kwargs)

    _serialized_parse._serialized = True  # type: ignore[attr-defined]
    ast.parse = _serialized_parse  # type: ignore[assignment]
