"""Loading: exact error locations, all errors at once, includes, JSON and YAML alike."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pacelc.model import ModelLoadError, load
from pacelc.model.schema import ELEMENT_SECTIONS, Strict, SystemModel
from tests.helpers import EXAMPLES

THREE_MISTAKES = """\
pacelc: 1
system: {name: demo}
regions:
  - id: eu
    zones: [{id: eu-a}, {id: eu-b}]
services:
  - id: api
    replicas: 5
    placement: {zones: [eu-a, eu-b], spread: one_per_zone}
    calls:
      - to: orderz
        retyr: {attempts: 3}
stores:
  - {id: orders, kind: database}
"""


def errors_of(paths: list[Path]) -> list[str]:
    with pytest.raises(ModelLoadError) as info:
        load(paths)
    return [str(e) for e in info.value.errors]


def test_three_mistakes_give_three_located_errors(write, monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    path = write("bad.yaml", THREE_MISTAKES)
    assert errors_of([path]) == [
        "bad.yaml:8:5: 5 replicas cannot be placed one per zone in 2 zone(s)",
        "bad.yaml:11:9: call target 'orderz' does not exist (did you mean 'orders'?)",
        "bad.yaml:12:9: unknown field 'retyr' (did you mean 'retry'?)",
    ]


def test_wrong_type_points_at_the_value(write, monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    path = write("m.yaml", "system: {name: x}\nservices:\n  - id: a\n    replicas: many\n")
    (error,) = errors_of([path])
    assert error.startswith("m.yaml:4:15: replicas: input should be a valid integer")


def test_syntax_error_is_located(write, monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    path = write("m.yaml", "system: {name: x}\nservices: [\n  {id: a\n")
    (error,) = errors_of([path])
    assert error.startswith("m.yaml:") and "syntax error" in error


def test_duplicate_key_is_a_syntax_error(write, monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    path = write("m.yaml", "system: {name: x}\nsystem: {name: y}\n")
    (error,) = errors_of([path])
    assert error == "m.yaml:2:1: duplicate key 'system' (first at line 1)"


def test_duplicate_ids_across_services_and_stores(write, monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    path = write("m.yaml", "system: {name: x}\nservices: [{id: db}]\nstores: [{id: db, kind: database}]\n")
    (error,) = errors_of([path])
    assert error.startswith("m.yaml:3:15: duplicate id 'db' (first defined in services at m.yaml:2:17)")


def test_missing_required_field_and_unknown_section(write, monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    path = write("m.yaml", "system: {name: x}\nservice: []\nstores: [{id: db}]\n")
    assert errors_of([path]) == [
        "m.yaml:2:1: unknown section 'service' (did you mean 'services'?)",
        "m.yaml:3:10: missing required field 'kind'",
    ]


def test_json_errors_have_line_and_column(write, monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    doc = {"system": {"name": "x"}, "services": [{"id": "a", "calls": [{"to": "nowhere"}]}]}
    path = write("m.json", json.dumps(doc, indent=2))
    (error,) = errors_of([path])
    assert error.startswith("m.json:10:11: call target 'nowhere' does not exist")


def test_json_and_yaml_give_the_same_model(write) -> None:
    doc = {
        "system": {"name": "x"},
        "services": [{"id": "a", "replicas": 2, "calls": [{"to": "db", "timeout": {"read_ms": 100}}]}],
        "stores": [{"id": "db", "kind": "database"}],
    }
    from_json = load([write("m.json", json.dumps(doc))]).model
    yaml_text = "system: {name: x}\nservices:\n  - {id: a, replicas: 2, calls: [{to: db, timeout: {read_ms: 100}}]}\n"
    from_yaml = load([write("m.yaml", yaml_text + "stores: [{id: db, kind: database}]\n")]).model
    assert from_json == from_yaml


def test_include_errors_point_into_the_included_file(write, monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    write("parts/services.yaml", "services:\n  - id: a\n    replicas: -1\n")
    main = write("main.yaml", "system: {name: x}\ninclude: [parts/services.yaml]\n")
    (error,) = errors_of([main])
    assert error.startswith("parts/services.yaml:3:15: replicas: must be ≥ 1 (got -1)")


def test_include_cycle_and_missing_include(write, monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    write("a.yaml", "include: [b.yaml]\n")
    write("b.yaml", "include: [a.yaml]\n")
    main = write("main.yaml", "system: {name: x}\ninclude: [a.yaml, missing.yaml]\n")
    errors = errors_of([main])
    assert "b.yaml:1:12: a.yaml is included more than once" in errors or any("include cycle" in e for e in errors)
    assert any(e.startswith("main.yaml:2:19: missing.yaml: file not found") for e in errors)


def test_section_defined_twice_across_files(write, monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    write("more.yaml", "system: {name: y}\n")
    main = write("main.yaml", "system: {name: x}\ninclude: [more.yaml]\n")
    (error,) = errors_of([main])
    assert error == "more.yaml:1:1: 'system' is defined twice (first at main.yaml:1:1)"


def test_split_and_flat_examples_are_the_same_model(monkeypatch) -> None:
    repo = Path(__file__).resolve().parents[2]
    split = load([repo / "examples" / "checkout" / "system.yaml"]).model
    flat = load([repo / "tests" / "fixtures" / "flat" / "checkout.yaml"]).model
    assert split.model_dump() == flat.model_dump()


def test_every_element_keeps_its_location(monkeypatch) -> None:
    repo = Path(__file__).resolve().parents[2]
    loaded = load([repo / "examples" / "checkout" / "system.yaml"])
    for section in ELEMENT_SECTIONS:
        for element in getattr(loaded.model, section):
            loc = loaded.sources.locate((section, element.id))
            assert loc is not None and loc.line >= 1, (section, element.id)


def _classes(cls: type[Strict], seen: set[type]) -> None:
    if cls in seen:
        return
    seen.add(cls)
    for info in cls.model_fields.values():
        for arg in _flatten(info.annotation):
            if isinstance(arg, type) and issubclass(arg, Strict):
                _classes(arg, seen)


def _flatten(annotation) -> list:
    args = getattr(annotation, "__args__", None)
    if not args:
        return [annotation]
    out = []
    for a in args:
        out += _flatten(a)
    return out


def test_every_field_has_a_description_and_extra_is_forbidden() -> None:
    seen: set[type] = set()
    _classes(SystemModel, seen)
    assert len(seen) > 20
    for cls in seen:
        assert cls.model_config.get("extra") == "forbid", cls
        for name, info in cls.model_fields.items():
            if name == "id":
                continue  # described once, on the Id type
            assert info.description, f"{cls.__name__}.{name} has no description"


def test_one_path_may_be_given_without_a_list() -> None:
    one = load(str(EXAMPLES / "collab" / "system.yaml"))
    listed = load([EXAMPLES / "collab" / "system.yaml"])
    assert one.model == listed.model and one.files == listed.files


SPLIT_AT_COMMA = """\
system: {name: x}
services:
  - {id: api, description: Mongo, MySQL}
  - {id: web, description: Mongo,MySQL, Postgres}
  - {id: quoted, description: "Mongo", MySQL}
  - id: block
    description: Mongo, MySQL
"""


def test_a_plain_value_split_at_a_comma_says_how_to_quote_it(write, monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    hint = (
        "; in a flow mapping {...} a comma ends a plain value: if '%s' belongs to the value of 'description', "
        "quote the value: description: %s"
    )
    # the block-style service is valid: there a comma does not end a plain value
    assert errors_of([write("m.yaml", SPLIT_AT_COMMA)]) == [
        "m.yaml:3:35: unknown field 'MySQL'" + hint % ("MySQL", '"Mongo, MySQL"'),
        "m.yaml:4:34: unknown field 'MySQL'" + hint % ("MySQL", '"Mongo,MySQL, Postgres"'),
        "m.yaml:4:41: unknown field 'Postgres'" + hint % ("Postgres", '"Mongo,MySQL, Postgres"'),
        # a quoted value was not split: the bare word is some other mistake, and gets no quoting hint
        "m.yaml:5:40: unknown field 'MySQL'",
    ]
