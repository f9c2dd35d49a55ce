"""Open-PSA Model Exchange Format (MEF): reader and writer for fault trees.

The reader is a streaming expat parser so that every error carries the exact `file:line:col` of the
element at fault (expat's positions; columns are reported 1-based). It supports the static fault-tree
subset of the MEF: `define-fault-tree`, `define-gate`, `define-basic-event` with `<float value>`
(also under `model-data`), `define-house-event` with `<constant value>`, the formulas `and`, `or`,
`atleast min=k`, `not`, `xor`, `nand`, `nor`, `null`, nested formulas, and the references `gate`,
`basic-event`, `house-event` and `event` (resolved by name).

Duplicate arguments: for `and`, `or`, `nand` and `nor` a repeated argument does not change the
function (x and x = x), so the reader drops it with a warning that names its position; for `atleast`,
`xor`, `not` and `null` the repetition changes the meaning, so it is an error. With `strict=True`
every duplicate is an error (scram's behaviour).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

from pacelc.gcpause import gc_paused

from .tree import CONSTANT_FALSE, CONSTANT_TRUE, FaultTree, FaultTreeError, Gate, GateKind

_FORMULAS: dict[str, GateKind] = {
    "and": GateKind.AND,
    "or": GateKind.OR,
    "atleast": GateKind.ATLEAST,
    "not": GateKind.NOT,
    "xor": GateKind.XOR,
    "nand": GateKind.NAND,
    "nor": GateKind.NOR,
    "null": GateKind.NULL,
}
_REFERENCES = frozenset({"gate", "basic-event", "house-event", "event"})
_IDEMPOTENT = frozenset({GateKind.AND, GateKind.OR, GateKind.NAND, GateKind.NOR})
# Elements whose whole content is documentation; skipped.
_SKIPPED = frozenset({"label", "attributes"})
_FORMULA_PARENTS = frozenset({"define-gate", *_FORMULAS})

Position = tuple[int, int]  # line, column (both 1-based)


class MefError(ValueError):
    """Invalid MEF input; `str()` is `file:line:col: message`."""

    def __init__(self, filename: str, pos: Position, message: str) -> None:
        self.filename, self.line, self.col, self.message = filename, pos[0], pos[1], message
        super().__init__(f"{filename}:{pos[0]}:{pos[1]}: {message}")


@dataclass(frozen=True, slots=True)
class MefWarning:
    """A tolerated irregularity in the input."""

    filename: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.filename}:{self.line}:{self.col}: warning: {self.message}"


@dataclass(frozen=True, slots=True)
class MefModel:
    """A fault tree read from a MEF file, with the warnings the reader emitted."""

    tree: FaultTree
    warnings: tuple[MefWarning, ...] = ()
    positions: dict[str, Position] = field(default_factory=dict)  # definition of each gate and event


@dataclass(slots=True)
class _Frame:
    kind: GateKind
    k: int | None
    pos: Position
    args: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)


class _Reader:
    def __init__(self, filename: str, strict: bool) -> None:
        self.filename = filename
        self.strict = strict
        self.p = expat.ParserCreate()
        self.p.buffer_text = True
        self.p.StartElementHandler = self.start
        self.p.EndElementHandler = self.end
        self.p.CharacterDataHandler = self.text
        # DTDs: a MEF model needs none. Nothing external is ever read (no ExternalEntityRefHandler,
        # parameter entities not parsed: expat's defaults), and an entity declaration is refused where
        # it appears, before any expansion: an external entity would otherwise vanish silently, nested
        # internal ones are the billion-laughs bomb. These handlers run only when a DOCTYPE is present.
        self.p.StartDoctypeDeclHandler = self.doctype
        self.p.EntityDeclHandler = self.entity_declaration
        self.p.SkippedEntityHandler = self.skipped_entity
        self.stack: list[str] = []  # open element names
        self.tree_name: str | None = None
        self.gates: dict[str, Gate] = {}
        self.basic: dict[str, float] = {}
        self.house: dict[str, bool] = {}
        self.positions: dict[str, Position] = {}
        self.refs: list[tuple[str, str, Position, str]] = []  # name, element, position, gate
        self.warnings: list[MefWarning] = []
        # state of the definition being read
        self.gate_name: str | None = None
        self.gate_kind: GateKind | None = None
        self.gate_k: int | None = None
        self.gate_args: tuple[str, ...] | None = None
        self.frames: list[_Frame] = []
        self.event_name: str | None = None  # define-basic-event / define-house-event
        self.event_value: float | bool | None = None
        self.skip_depth = 0
        self.anon = 0

    # -- helpers -----------------------------------------------------------------------------------
    def pos(self) -> Position:
        return self.p.CurrentLineNumber, self.p.CurrentColumnNumber + 1

    def error(self, message: str, pos: Position | None = None) -> MefError:
        return MefError(self.filename, pos or self.pos(), message)

    def attr(self, attrs: dict[str, str], tag: str, key: str) -> str:
        v = attrs.get(key)
        if v is None or not v.strip():
            raise self.error(f"<{tag}> needs a {key!r} attribute")
        return v.strip()

    def define(self, name: str, what: str) -> None:
        if name in self.positions:
            line, col = self.positions[name]
            raise self.error(f"{what} {name!r} is already defined at line {line}, column {col}")
        self.positions[name] = self.pos()

    # -- expat handlers ----------------------------------------------------------------------------
    def doctype(self, name: str, system_id: str | None, public_id: str | None, internal_subset: int) -> None:
        if system_id or public_id:
            dtd = system_id or public_id
            message = f"the external DTD {dtd!r} was not read (pacelc reads no file the XML names)"
            self.warnings.append(MefWarning(self.filename, *self.pos(), message))

    def entity_declaration(
        self,
        name: str,
        is_parameter: int,
        value: str | None,
        base: str | None,
        system_id: str | None,
        public_id: str | None,
        notation: str | None,
    ) -> None:
        kind = "parameter entity" if is_parameter else "entity"
        source = f" (external: {system_id!r})" if system_id else ""
        raise self.error(
            f"{kind} {name!r}{source} is declared: pacelc does not expand entities or read external ones; "
            "write the content in the file"
        )

    def skipped_entity(self, name: str, is_parameter: int) -> None:
        raise self.error(f"entity {name!r} is not defined (pacelc does not read external DTDs)")

    def text(self, data: str) -> None:
        if self.skip_depth == 0 and data and not data.isspace():
            raise self.error(f"unexpected text {data.strip()[:30]!r}")

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if self.skip_depth:
            self.skip_depth += 1
            return
        parent = self.stack[-1] if self.stack else None
        if tag in _SKIPPED:
            self.skip_depth = 1
            return
        self.stack.append(tag)
        if parent in _FORMULA_PARENTS:  # most elements: a formula's argument, checked first
            self.formula_start(tag, attrs, parent)
        elif parent is None:
            if tag != "opsa-mef":
                raise self.error(f"root element is <{tag}>, expected <opsa-mef>")
        elif tag == "define-fault-tree" and parent == "opsa-mef":
            name = self.attr(attrs, tag, "name")
            self.tree_name = self.tree_name or name
        elif tag == "model-data" and parent == "opsa-mef":
            pass
        elif tag == "define-gate" and parent == "define-fault-tree":
            name = self.attr(attrs, tag, "name")
            self.define(name, "gate")
            self.gate_name, self.gate_kind, self.gate_args = name, None, None
        elif tag in ("define-basic-event", "define-house-event") and parent in (
            "define-fault-tree",
            "model-data",
        ):
            name = self.attr(attrs, tag, "name")
            self.define(name, "basic event" if tag == "define-basic-event" else "house event")
            self.event_name, self.event_value = name, None
        elif tag == "float" and parent == "define-basic-event":
            raw = self.attr(attrs, tag, "value")
            try:
                v = float(raw)
            except ValueError:
                raise self.error(f"probability {raw!r} is not a number") from None
            if not 0.0 <= v <= 1.0:
                raise self.error(f"probability {raw} of basic event {self.event_name!r} is not in [0, 1]")
            self.event_value = v
        elif tag == "constant" and parent == "define-house-event":
            self.event_value = self.boolean(attrs, tag)
        elif parent == "define-basic-event":
            raise self.error(f"unsupported probability expression <{tag}> (only <float value=...>)")
        else:
            raise self.error(f"unexpected element <{tag}> inside <{parent}>")

    def boolean(self, attrs: dict[str, str], tag: str) -> bool:
        raw = self.attr(attrs, tag, "value").lower()
        if raw not in ("true", "false"):
            raise self.error(f"<{tag}> value must be true or false, got {raw!r}")
        return raw == "true"

    def formula_start(self, tag: str, attrs: dict[str, str], parent: str) -> None:
        if parent == "define-gate" and (self.frames or self.gate_args is not None):
            raise self.error(f"gate {self.gate_name!r} has more than one formula")
        if tag in _FORMULAS:
            kind = _FORMULAS[tag]
            k = None
            if kind is GateKind.ATLEAST:
                raw = self.attr(attrs, tag, "min")
                try:
                    k = int(raw)
                except ValueError:
                    raise self.error(f"atleast min={raw!r} is not an integer") from None
            self.frames.append(_Frame(kind, k, self.pos()))
            return
        if tag in _REFERENCES or tag == "constant":
            if tag == "constant":
                name = CONSTANT_TRUE if self.boolean(attrs, tag) else CONSTANT_FALSE
                self.house[name] = name == CONSTANT_TRUE
            else:
                name = self.attr(attrs, tag, "name")
                self.refs.append((name, tag, self.pos(), self.gate_name or ""))
            if not self.frames:  # the gate's formula is a bare reference: a pass-through gate
                self.gate_kind, self.gate_k, self.gate_args = GateKind.NULL, None, (name,)
                return
            self.add_arg(self.frames[-1], name)
            return
        raise self.error(f"unsupported formula <{tag}> in gate {self.gate_name!r}")

    def add_arg(self, frame: _Frame, name: str) -> None:
        if name in frame.seen:
            msg = f"duplicate argument {name!r} in <{frame.kind}> of gate {self.gate_name!r}"
            if self.strict or frame.kind not in _IDEMPOTENT:
                raise self.error(msg)
            self.warnings.append(
                MefWarning(self.filename, *self.pos(), msg + f" (ignored: {frame.kind} is idempotent)")
            )
            return
        frame.seen.add(name)
        frame.args.append(name)

    def end(self, tag: str) -> None:
        if self.skip_depth:
            self.skip_depth -= 1
            return
        self.stack.pop()
        if tag in _REFERENCES:  # most elements: nothing to close
            return
        if tag in _FORMULAS and self.frames:
            frame = self.frames.pop()
            if not frame.args:
                raise self.error(f"<{tag}> without argument", frame.pos)
            if frame.kind in (GateKind.NOT, GateKind.NULL) and len(frame.args) != 1:
                raise self.error(f"<{tag}> takes exactly one argument", frame.pos)
            if frame.kind is GateKind.ATLEAST and not 1 <= (frame.k or 0) <= len(frame.args):
                raise self.error(
                    f"atleast min={frame.k} needs between 1 and {len(frame.args)} (its argument count)",
                    frame.pos,
                )
            if self.frames:  # nested formula: an anonymous gate
                self.anon += 1
                name = f"{self.gate_name}#{self.anon}"
                self.gates[name] = Gate(name, frame.kind, tuple(frame.args), frame.k)
                self.positions[name] = frame.pos
                self.add_arg(self.frames[-1], name)
            else:
                self.gate_kind, self.gate_k, self.gate_args = frame.kind, frame.k, tuple(frame.args)
        elif tag == "define-gate":
            if self.gate_args is None or self.gate_kind is None or self.gate_name is None:
                raise self.error(f"gate {self.gate_name!r} has no formula")
            self.gates[self.gate_name] = Gate(self.gate_name, self.gate_kind, self.gate_args, self.gate_k)
            self.gate_name = None
            self.anon = 0
        elif tag == "define-basic-event":
            assert self.event_name is not None
            if not isinstance(self.event_value, float):
                raise self.error(f"basic event {self.event_name!r} has no <float value=...>")
            self.basic[self.event_name] = self.event_value
        elif tag == "define-house-event":
            assert self.event_name is not None
            # MEF: a house event without a value is false.
            self.house[self.event_name] = bool(self.event_value)

    # -- driver ------------------------------------------------------------------------------------
    def run(self, data: bytes, top: str | None) -> MefModel:
        try:
            self.p.Parse(data, True)
        except expat.ExpatError as e:
            raise MefError(self.filename, (e.lineno, e.offset + 1), expat.ErrorString(e.code)) from None
        if self.tree_name is None:
            raise MefError(self.filename, (1, 1), "no <define-fault-tree>")
        self.resolve()
        top = self.find_top(top)
        try:
            tree = FaultTree.build(self.tree_name, top, self.basic, self.gates.values(), self.house)
        except FaultTreeError as e:
            raise MefError(self.filename, self.positions.get(e.subject or "", (1, 1)), str(e)) from None
        return MefModel(tree, tuple(self.warnings), self.positions)

    def resolve(self) -> None:
        kinds = {"gate": self.gates, "basic-event": self.basic, "house-event": self.house}
        for name, tag, pos, gate in self.refs:
            if tag == "event":
                if name not in self.gates and name not in self.basic and name not in self.house:
                    raise self.error(f"gate {gate!r}: event {name!r} is not defined", pos)
                continue
            if name not in kinds[tag]:
                other = [t for t, m in kinds.items() if name in m]
                hint = f" ({name!r} is a {other[0]})" if other else ""
                raise self.error(f"gate {gate!r}: {tag} {name!r} is not defined{hint}", pos)

    def find_top(self, top: str | None) -> str:
        if top is not None:
            if top not in self.gates:
                raise MefError(self.filename, (1, 1), f"top gate {top!r} is not defined")
            return top
        used = {a for g in self.gates.values() for a in g.args}
        roots = [g for g in self.gates if g not in used]
        if len(roots) != 1:
            if not roots:
                raise MefError(self.filename, (1, 1), "no top gate: every gate is used by another")
            raise MefError(
                self.filename,
                self.positions[roots[1]],
                f"several top gates ({', '.join(sorted(roots))}); choose one",
            )
        return roots[0]


def parse_mef(
    data: str | bytes, filename: str = "<string>", *, top: str | None = None, strict: bool = False
) -> MefModel:
    """Parse MEF text. Raise `MefError` (with `file:line:col`) on invalid input."""
    if isinstance(data, str):
        data = data.encode()
    with gc_paused():  # gates and tuples, no cycles
        return _Reader(filename, strict).run(data, top)


def read_mef(path: str | os.PathLike[str], *, top: str | None = None, strict: bool = False) -> MefModel:
    """Read a MEF file. Raise `MefError` on invalid input (and on an unreadable file, at 1:1)."""
    name = os.fspath(path)
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise MefError(name, (1, 1), f"cannot read: {e.strerror or e}") from None
    return parse_mef(data, name, top=top, strict=strict)


# -- writer -----------------------------------------------------------------------------------------


def to_mef(tree: FaultTree) -> str:
    """Write `tree` as MEF text. Deterministic: gates in depth-first order from the top (then any
    unreachable ones by name), basic and house events by name; anonymous gates (names with '#') are
    written inline as nested formulas, as the reader made them."""
    from xml.sax.saxutils import quoteattr  # here: it imports urllib (~20 ms) the reader never needs

    out: list[str] = ['<?xml version="1.0" encoding="UTF-8"?>', "<opsa-mef>"]
    out.append(f"  <define-fault-tree name={quoteattr(tree.name)}>")
    order = [g for g in reversed(tree.postorder()) if not tree.gates[g].anonymous]
    rest = sorted(set(tree.gates) - set(order))
    for name in order + [n for n in rest if not tree.gates[n].anonymous]:
        out.append(f"    <define-gate name={quoteattr(name)}>")
        out.extend(_formula(tree, tree.gates[name], 3))
        out.append("    </define-gate>")
    out.append("  </define-fault-tree>")
    house = sorted(n for n in tree.house_events if n not in (CONSTANT_TRUE, CONSTANT_FALSE))
    if tree.basic_events or house:
        out.append("  <model-data>")
        for n in sorted(tree.basic_events):
            out.append(f"    <define-basic-event name={quoteattr(n)}>")
            out.append(f'      <float value="{tree.basic_events[n]!r}"/>')
            out.append("    </define-basic-event>")
        for n in house:
            out.append(f"    <define-house-event name={quoteattr(n)}>")
            out.append(f'      <constant value="{str(tree.house_events[n]).lower()}"/>')
            out.append("    </define-house-event>")
        out.append("  </model-data>")
    out.append("</opsa-mef>")
    return "\n".join(out) + "\n"


def _formula(tree: FaultTree, gate: Gate, depth: int) -> Iterator[str]:
    ind = "  " * depth
    if gate.kind is GateKind.NULL:  # MEF writes a pass-through as the bare reference
        yield from _arg(tree, gate.args[0], depth)
        return
    extra = f' min="{gate.k}"' if gate.kind is GateKind.ATLEAST else ""
    yield f"{ind}<{gate.kind}{extra}>"
    for a in gate.args:
        yield from _arg(tree, a, depth + 1)
    yield f"{ind}</{gate.kind}>"


def _arg(tree: FaultTree, a: str, depth: int) -> Iterator[str]:
    from xml.sax.saxutils import quoteattr

    ind = "  " * depth
    if a in tree.gates:
        g = tree.gates[a]
        if g.anonymous:
            yield from _formula(tree, g, depth)
        else:
            yield f"{ind}<gate name={quoteattr(a)}/>"
    elif a in tree.basic_events:
        yield f"{ind}<basic-event name={quoteattr(a)}/>"
    elif a in (CONSTANT_TRUE, CONSTANT_FALSE):
        yield f'{ind}<constant value="{str(a == CONSTANT_TRUE).lower()}"/>'
    else:
        yield f"{ind}<house-event name={quoteattr(a)}/>"
