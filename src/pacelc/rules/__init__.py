"""Rules, one per file, grouped by the six review steps (step1_cap ... step6_ops)."""

from __future__ import annotations

import importlib
import pkgutil

_STEP_PACKAGES = ("step1_cap", "step2_consistency", "step3_failure", "step4_sync", "step5_transactions", "step6_ops")
_loaded = False


def load_all() -> None:
    """Import every rule module so its @rule registrations run (once)."""
    global _loaded
    if _loaded:
        return
    for step in _STEP_PACKAGES:
        package = importlib.import_module(f"{__name__}.{step}")
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            importlib.import_module(f"{package.__name__}.{info.name}")
    _loaded = True
