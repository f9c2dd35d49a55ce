"""pacelc: evidence-backed review of distributed-system designs."""

__version__ = "0.1.0"
