"""The system model: typed classes, the loader and source locations."""

from pacelc.model.loader import LoadedModel, ModelError, ModelLoadError, load, loads
from pacelc.model.schema import SystemModel
from pacelc.model.source import Loc, SourceMap

__all__ = ["LoadedModel", "Loc", "ModelError", "ModelLoadError", "SourceMap", "SystemModel", "load", "loads"]
