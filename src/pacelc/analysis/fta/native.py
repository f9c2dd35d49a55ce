"""The optional C extension of the fault-tree engine (`_native.c`), or None.

setup.py builds it where a C compiler is found; without it the engine runs its pure-Python and
numpy paths, which give the same results to the bit (the tests compare both). Setting the
environment variable `PACELC_PURE_PYTHON` (to anything but empty) turns it off, e.g. to measure
what it brings.
"""

from __future__ import annotations

import os
from types import ModuleType

compiled: ModuleType | None
try:
    from . import _native as compiled
except ImportError:  # not built: no compiler at install time
    compiled = None

if os.environ.get("PACELC_PURE_PYTHON"):
    compiled = None

# The C recursion of `minsol` is as deep as the BDD has levels (plus `without`'s, at most as deep
# again); past this many variables the Python recursion, whose depth the interpreter checks, runs
# instead of risking the C stack (~100 bytes a frame, 8 MB a thread).
MAX_LEVELS = 10_000
