"""Fault-tree analysis: representation, Open-PSA MEF I/O, exact probability (BDD) and minimal cut
sets (ZBDD), every computation under a time and node budget. See docs/fta.md."""

from .bdd import BddGraph, compile_tree, probability, variable_order
from .budget import Budget, BudgetExceeded, Status
from .engine import FtaResult, analyze
from .mcs import CutSet, Zbdd
from .mef import MefError, MefModel, MefWarning, parse_mef, read_mef, to_mef
from .tree import FaultTree, FaultTreeError, Gate, GateKind

__all__ = [
    "BddGraph",
    "Budget",
    "BudgetExceeded",
    "CutSet",
    "FaultTree",
    "FaultTreeError",
    "FtaResult",
    "Gate",
    "GateKind",
    "MefError",
    "MefModel",
    "MefWarning",
    "Status",
    "Zbdd",
    "analyze",
    "compile_tree",
    "parse_mef",
    "probability",
    "read_mef",
    "to_mef",
    "variable_order",
]
