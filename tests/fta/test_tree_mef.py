"""Fault-tree structure, MEF reader errors and round trip."""

from __future__ import annotations

import pytest

from pacelc.analysis.fta import FaultTree, FaultTreeError, Gate, GateKind, MefError, parse_mef, read_mef, to_mef

from .conftest import DATA, needs_data


def test_build_and_orders() -> None:
    t = FaultTree.build(
        "t",
        "top",
        {"a": 0.1, "b": 0.2, "c": 0.3},
        [Gate("top", GateKind.OR, ("g", "c")), Gate("g", GateKind.AND, ("b", "a"))],
    )
    assert t.postorder() == ["g", "top"]
    assert t.events_in_dfs_order() == ["b", "a", "c"]
    assert t.is_coherent()


@pytest.mark.parametrize(
    ("gates", "message"),
    [
        ([Gate("top", GateKind.OR, ("a", "zz"))], "argument 'zz' is not defined"),
        ([Gate("top", GateKind.OR, ("g",)), Gate("g", GateKind.AND, ("top", "a"))], "cycle through gates"),
        ([Gate("x", GateKind.OR, ("a",))], "top gate 'top' is not defined"),
        ([Gate("top", GateKind.OR, ("a",)), Gate("a", GateKind.OR, ("a",))], "both a gate and an event"),
    ],
)
def test_validation_errors(gates: list[Gate], message: str) -> None:
    with pytest.raises(FaultTreeError, match=message):
        FaultTree.build("t", "top", {"a": 0.5}, gates)


def test_gate_checks() -> None:
    with pytest.raises(FaultTreeError, match="atleast needs"):
        Gate("g", GateKind.ATLEAST, ("a", "b"), k=3)
    with pytest.raises(FaultTreeError, match="exactly one"):
        Gate("g", GateKind.NOT, ("a", "b"))
    with pytest.raises(FaultTreeError, match=r"not in \[0, 1\]"):
        FaultTree.build("t", "top", {"a": 1.5}, [Gate("top", GateKind.NULL, ("a",))])


def test_deep_chain_is_not_recursive() -> None:
    n = 20_000  # far beyond Python's recursion limit
    gates = [Gate(f"g{i}", GateKind.OR, (f"g{i + 1}", "a")) for i in range(n)] + [Gate(f"g{n}", GateKind.NULL, ("a",))]
    t = FaultTree.build("deep", "g0", {"a": 0.5}, gates)
    assert len(t.postorder()) == n + 1


NESTED = """<?xml version="1.0"?>
<opsa-mef>
  <define-fault-tree name="nested">
    <define-gate name="top">
      <or>
        <and><event name="a"/><not><basic-event name="b"/></not></and>
        <atleast min="2"><basic-event name="a"/><gate name="g"/><house-event name="h"/></atleast>
        <constant value="false"/>
      </or>
    </define-gate>
    <define-gate name="g"><basic-event name="c"/></define-gate>
    <define-basic-event name="a"><label>x</label><float value="0.1"/></define-basic-event>
  </define-fault-tree>
  <model-data>
    <define-basic-event name="b"><float value="0.2"/></define-basic-event>
    <define-basic-event name="c"><float value="0.3"/></define-basic-event>
    <define-house-event name="h"><constant value="true"/></define-house-event>
  </model-data>
</opsa-mef>
"""


def test_nested_formulas_round_trip() -> None:
    m = parse_mef(NESTED, "n.xml")
    t = m.tree
    assert t.top == "top"
    assert t.gates["g"].kind is GateKind.NULL
    assert [t.gates[a].kind for a in t.gates["top"].args[:2]] == [GateKind.AND, GateKind.ATLEAST]
    assert not t.is_coherent()
    text = to_mef(t)
    again = parse_mef(text, "again.xml").tree
    assert to_mef(again) == text
    assert again.basic_events == t.basic_events and dict(again.house_events) == dict(t.house_events)


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        (
            "<opsa-mef><define-fault-tree name='t'>\n  <define-gate name='g'><or><basic-event name='x'/>"
            "</or></define-gate></define-fault-tree></opsa-mef>",
            "2:29",
            "basic-event 'x' is not defined",
        ),
        (
            "<opsa-mef>\n<define-fault-tree name='t'>\n<define-gate name='g'><or></define-gate>",
            "3:29",
            "mismatched tag",
        ),
        (
            "<opsa-mef><define-fault-tree name='t'><define-gate name='g'>\n<foo/></define-gate>"
            "</define-fault-tree></opsa-mef>",
            "2:1",
            "unsupported formula <foo>",
        ),
        (
            "<opsa-mef><define-fault-tree name='t'><define-gate name='g'><atleast min='3'>"
            "<basic-event name='a'/></atleast></define-gate><define-basic-event name='a'><float value='0.1'/>"
            "</define-basic-event></define-fault-tree></opsa-mef>",
            "1:61",
            "atleast min=3",
        ),
        (
            "<opsa-mef><define-fault-tree name='t'><define-basic-event name='a'>\n<float value='2'/>"
            "</define-basic-event></define-fault-tree></opsa-mef>",
            "2:1",
            "not in [0, 1]",
        ),
        (
            "<opsa-mef><define-fault-tree name='t'><define-gate name='g'><xor><basic-event name='a'/>\n"
            "<basic-event name='a'/></xor></define-gate></define-fault-tree></opsa-mef>",
            "2:1",
            "duplicate argument 'a' in <xor>",
        ),
        (
            "<opsa-mef><define-fault-tree name='t'><define-gate name='top'><gate name='g'/></define-gate>"
            "<define-gate name='g'><gate name='h'/></define-gate>\n<define-gate name='h'><gate name='g'/>"
            "</define-gate></define-fault-tree></opsa-mef>",
            "1:93",
            "cycle through gates: g -> h -> g",
        ),
    ],
)
def test_errors_name_file_line_col(text: str, where: str, message: str) -> None:
    with pytest.raises(MefError) as info:
        parse_mef(text, "in.xml")
    s = str(info.value)
    assert s.startswith("in.xml:")
    assert s.split(" ")[0] == f"in.xml:{where}:"
    assert message in s


def test_duplicate_argument_of_or_is_a_warning_unless_strict() -> None:
    text = (
        "<opsa-mef><define-fault-tree name='t'><define-gate name='g'><or><basic-event name='a'/>\n"
        "<basic-event name='a'/></or></define-gate><define-basic-event name='a'><float value='0.1'/>"
        "</define-basic-event></define-fault-tree></opsa-mef>"
    )
    m = parse_mef(text, "d.xml")
    assert m.tree.gates["g"].args == ("a",)
    assert [str(w) for w in m.warnings] == [
        "d.xml:2:1: warning: duplicate argument 'a' in <or> of gate 'g' (ignored: or is idempotent)"
    ]
    with pytest.raises(MefError, match=r"d.xml:2:1: duplicate argument"):
        parse_mef(text, "d.xml", strict=True)


def test_missing_file() -> None:
    with pytest.raises(MefError, match=r"^nope.xml:1:1: cannot read"):
        read_mef("nope.xml")


@needs_data()
def test_nus9601_duplicate_is_reported() -> None:
    m = read_mef(DATA / "nus9601.xml")
    first = str(m.warnings[0])
    assert first.endswith(
        "nus9601.xml:2585:1: warning: duplicate argument 'e555' in <or> of gate 'g948' (ignored: or is idempotent)"
    )
    with pytest.raises(MefError, match=r"nus9601.xml:2585:1: duplicate argument 'e555'"):
        read_mef(DATA / "nus9601.xml", strict=True)


@needs_data()
@pytest.mark.parametrize("name", sorted(p.stem for p in DATA.glob("*.xml")) if DATA.is_dir() else [])
def test_data_set_round_trip(name: str) -> None:
    t = read_mef(DATA / f"{name}.xml").tree
    text = to_mef(t)
    t2 = parse_mef(text).tree
    assert to_mef(t2) == text
    assert t2.top == t.top and dict(t2.basic_events) == dict(t.basic_events)
    assert {g: (x.kind, x.args, x.k) for g, x in t2.gates.items()} == {
        g: (x.kind, x.args, x.k) for g, x in t.gates.items()
    }
