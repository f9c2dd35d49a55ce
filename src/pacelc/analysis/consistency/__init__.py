"""Consistency evidence: history checkers and a bounded model checker over replication protocols."""
