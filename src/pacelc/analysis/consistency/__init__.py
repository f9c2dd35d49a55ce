"""Consistency evidence: history checkers and a bounded model checker over replication protocols.

Entry points: :func:`check` (a recorded history against a model), :func:`check_protocol`
(a replication configuration against a requirement) and :func:`derive_guarantee`.
"""

from .api import build_model, check_protocol, derive_guarantee
from .checker import HOLDS, UNKNOWN, VIOLATED, Bounds, Budget, CheckResult, explore
from .checkers import MODELS, Verdict, check, lost_writes
from .counterexample import Counterexample, render_text
from .history import History, HistoryBuilder, Op
from .protocols.kafka import KafkaSettings
from .protocols.leaderless import LeaderlessSettings
from .protocols.multi_leader import MultiLeaderSettings
from .protocols.raft import RaftSettings
from .protocols.single_leader import SingleLeaderSettings

__all__ = [
    "HOLDS", "MODELS", "UNKNOWN", "VIOLATED", "Bounds", "Budget", "CheckResult", "Counterexample", "History",
    "HistoryBuilder", "KafkaSettings", "LeaderlessSettings", "MultiLeaderSettings", "Op", "RaftSettings",
    "SingleLeaderSettings", "Verdict", "build_model", "check", "check_protocol", "derive_guarantee", "explore",
    "lost_writes", "render_text",
]
