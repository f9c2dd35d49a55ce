"""The YAML reader against ruamel.yaml's own loader: same data for any document both accept, and a
location for every value."""

from __future__ import annotations

import io
import math

from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from pacelc.model import yamlfile

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False),
    st.text(max_size=12),
)
keys = st.text(min_size=1, max_size=8)
documents = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=4)),
    max_leaves=25,
)


def dump(data: object, flow: bool | None) -> str:
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = flow
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def paths(data: object, prefix: tuple = ()) -> list[tuple]:
    out = []
    if isinstance(data, dict):
        for key, value in data.items():
            out += [(*prefix, key), *paths(value, (*prefix, key))]
    elif isinstance(data, list):
        for index, value in enumerate(data):
            out += [(*prefix, index), *paths(value, (*prefix, index))]
    return out


@settings(max_examples=150, deadline=None, derandomize=True)
@given(documents, st.sampled_from([None, True, False]))
def test_the_reader_gives_what_ruamel_gives_with_a_location_for_every_value(data, flow) -> None:
    text = dump(data, flow)
    expected = YAML(typ="safe", pure=True).load(text)
    for with_libyaml in (True, False):
        docs, errors = parse(text, with_libyaml)
        assert errors == [], (text, errors)
        (doc,) = docs
        assert same(doc.data, expected), (text, doc.data, expected)
        for path in paths(doc.data):
            assert path in doc.values, (text, path)


def parse(text: str, with_libyaml: bool):
    """The reader's result, with libyaml or with ruamel's pure-Python parser alone."""
    original = yamlfile._c_parser
    try:
        if not with_libyaml:
            yamlfile._c_parser = lambda: None  # type: ignore[assignment]
        return yamlfile.parse(text, "d.yaml")
    finally:
        yamlfile._c_parser = original
