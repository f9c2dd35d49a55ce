"""A whole review's time budget: one deadline on the monotonic clock, shared by every engine.

Each engine keeps its own budget (the fault trees' per operation, the model checker's per domain);
the review caps each one by what is left of the deadline, and marks what it could not start or
finish as unknown, naming it. Nothing is dropped or guessed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

#: Default whole-review budget in seconds (`pacelc review --budget-s`, `budget_s` in pacelc.toml).
DEFAULT_REVIEW_BUDGET_S = 120.0


@dataclass(frozen=True, slots=True)
class Deadline:
    """`seconds` from the moment it was made (`Deadline.start`)."""

    seconds: float
    at: float = field(default=0.0)

    @classmethod
    def start(cls, seconds: float) -> Deadline:
        return cls(seconds, time.monotonic() + seconds)

    def remaining(self) -> float:
        return self.at - time.monotonic()

    def expired(self) -> bool:
        return self.remaining() <= 0

    def cap(self, seconds: float) -> float:
        """An engine's own budget, shortened to what is left (never below a millisecond)."""
        return max(min(seconds, self.remaining()), 0.001)

    def caps(self, seconds: float) -> bool:
        """Whether what is left is shorter than an engine's own budget of `seconds`."""
        return self.remaining() < seconds

    def not_computed(self, what: str) -> str:
        return f"{what} not computed: review budget of {self.seconds:g} s reached"
