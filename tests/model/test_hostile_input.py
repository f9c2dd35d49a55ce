"""Hostile and broken input files: every problem is a located error, never a crash, a hang or a leak.

Each case below was a defect: an internal error (exit 3), a file read outside the model's folder,
unbounded time or memory, or an error without a location.
"""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path

import pytest

from pacelc.model import ModelLoadError, load
from pacelc.model.yamlfile import Limits, parse

SYSTEM = "pacelc: 1\nsystem: {name: demo}\n"
LOCATED = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): ")


def load_errors(path: Path, **kwargs) -> list[str]:
    with pytest.raises(ModelLoadError) as info:
        load(path, **kwargs)
    return [str(e) for e in info.value.errors]


def only_error(path: Path, **kwargs) -> str:
    (error,) = load_errors(path, **kwargs)
    return error


@pytest.fixture
def here(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --------------------------------------------------------------------------- YAML that a model never needs


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("regions: !!int {x: 1}\n", "m.yaml:3:10: YAML tag '!!int' is not allowed here"),
        ("regions: !!omap [a: 1]\n", "m.yaml:3:10: YAML tag '!!omap' is not allowed here"),
        ("regions: !custom x\n", "m.yaml:3:10: YAML tag '!custom' is not allowed"),
        ("regions: !!python/object/apply:os.system [ls]\n", "m.yaml:3:10: YAML tag '!!python/object/apply:os.system'"),
        ("? [a, b]\n: 1\n", "m.yaml:3:3: a mapping key must be a plain value, not a list"),
        ("{x: 1}: 2\n", "m.yaml:3:1: a mapping key must be a plain value, not a mapping"),
        ("regions: &r [*r]\n", "m.yaml:3:14: alias *r refers to the node that contains it (a recursive alias)"),
        ("a: &x 1\nb: &x 2\n", "m.yaml:4:4: anchor &x is defined twice (first at line 3)"),
        # found by the fuzzer: the inner one closed the outer's record (KeyError, exit 3)
        ("a: &x {b: &x [1]}\n", "m.yaml:3:11: anchor &x is defined twice; give each anchor its own name"),
        ("regions: *nowhere\n", "m.yaml:3:10: alias *nowhere names no anchor defined before it"),
        ("---\nregions: []\n", "m.yaml:3:1: a model file holds one YAML document"),
        ("regions: !!int abc\n", "m.yaml:3:10: 'abc' is not a valid !!int"),
    ],
)
def test_yaml_a_model_never_needs_is_a_located_error(here, write, text, expected) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a duplicate anchor was a raw Python warning with a site-packages path
        errors = load_errors(write("m.yaml", SYSTEM + text))
    assert any(e.startswith(expected) for e in errors), errors


def test_deep_nesting_is_refused_at_its_line_without_recursion(here, write) -> None:
    # 300 levels was a RecursionError (exit 3); 20,000 levels must cost no more than the first 65.
    for depth in (300, 20_000):
        error = only_error(write("m.yaml", SYSTEM + "regions: " + "[" * depth + "]" * depth + "\n"))
        # The root mapping and 63 lists make 64 levels; the next '[' (column 10 + 63) is refused.
        assert error.startswith("m.yaml:3:73: nested more than 64 levels deep"), error


def test_nesting_under_a_refused_tag_is_refused_at_the_depth_limit_too(here, write) -> None:
    # The dropped node was walked to its end with no depth limit, then re-parsed by ruamel's parser
    # (libyaml's syntax error at the end): 10,000 levels took 47-84 s.
    depth = 10_000
    error = load_errors(write("m.yaml", "- !!binary " + "[" * depth + "]" * depth + '"id": x\n'))
    assert any("nested more than 64 levels deep" in e for e in error), error


def test_libyaml_syntax_errors_other_than_yaml_1_2_stand_without_a_second_parse(monkeypatch) -> None:
    from pacelc.model import yamlfile

    calls = []
    real = yamlfile._parse_with
    monkeypatch.setattr(yamlfile, "_parse_with", lambda *a: calls.append(1) or real(*a))
    _, errors = parse("a: [1, 2\nb: 3\n", "m.yaml")
    assert len(calls) == 1 and errors[0].message.startswith("syntax error"), errors
    calls.clear()
    (doc,), errors = parse("a: {link: https://x/y}\n", "m.yaml")  # YAML 1.2 that libyaml refuses
    assert doc.data == {"a": {"link": "https://x/y"}} and errors == []
    assert len(calls) == (2 if yamlfile._c_parser() is not None else 1)


def test_an_integer_beyond_what_python_converts_names_its_field(here, write) -> None:
    error = only_error(write("m.yaml", SYSTEM + "services:\n  - {id: a, replicas: 1" + "0" * 5000 + "}\n"))
    assert error == "m.yaml:4:23: replicas: an integer of 5,001 digits; refused"


def test_an_alias_bomb_stops_at_the_alias_over_budget(here, write) -> None:
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 12):  # 9**11 values expanded; 445 bytes took 75 s and 5.75 GB at 9 levels
        lines.append(f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * 9) + "]")
    error = only_error(write("m.yaml", SYSTEM + "\n".join(lines) + "\n"))
    assert re.match(r"m\.yaml:\d+:\d+: aliases expand to more than 100,000 values; refused", error), error


def test_aliases_and_merge_keys_within_budget_load_with_their_locations(here, write) -> None:
    text = SYSTEM + (
        "regions: [{id: eu, zones: [{id: eu-a}, {id: eu-b}]}]\n"
        "services:\n"
        "  - id: api\n"
        "    calls:\n"
        "      - &call {to: db, timeout: {read_ms: many}}\n"
        "      - {<<: *call, to: cache}\n"
        "stores:\n"
        "  - {id: db, kind: database}\n"
        "  - {id: cache, kind: cache}\n"
    )
    # The bad timeout is written once and reached twice (the merge copies it): one error, where it is written.
    error = only_error(write("m.yaml", text))
    assert error.startswith("m.yaml:7:43: calls.timeout.read_ms: input should be a valid number"), error


def test_many_values_stop_at_the_memory_budget_before_they_are_built(here, write) -> None:
    # Values cost memory by their depth (a path tuple each): 2.6 GB for 3 million at depth 60 with
    # no budget. 100,000 values against a 16 MB budget: deeper values are refused sooner.
    counts = []
    for depth in (2, 60):
        values = ",".join(["1"] * 100_000)
        text = SYSTEM + "x: " + "[" * depth + values + "]" * depth + "\n"
        error = only_error(write("m.yaml", text), limits=Limits(max_memory_bytes=16 * 2**20))
        assert "loading this file would take more than 16 MiB" in error, error
        counts.append(int(re.search(r"\(([\d,]+) values so far", error).group(1).replace(",", "")))
    assert 100_000 > counts[0] > counts[1] > 10_000, counts


def test_a_merge_key_fills_only_the_keys_the_mapping_does_not_set() -> None:
    (doc,), errors = parse("base: &b {x: 1, y: 2}\nm: {<<: *b, y: 3}\nn: {<<: [{p: 1}, {p: 2, q: 3}]}\n", "m.yaml")
    assert errors == []
    assert doc.data["m"] == {"x": 1, "y": 3} and doc.data["n"] == {"p": 1, "q": 3}
    assert str(doc.values[("m", "x")]) == "m.yaml:1:14"  # where the merged value is written


@pytest.mark.parametrize("fast", [True, False], ids=["libyaml", "pure-python"])
def test_both_parsers_read_yaml_1_2_the_same(monkeypatch, fast) -> None:
    # libyaml (YAML 1.1) refuses a URL in a flow mapping; ruamel's parser settles it either way.
    from pacelc.model import yamlfile

    if not fast:
        monkeypatch.setattr(yamlfile, "_c_parser", lambda: None)
    (doc,), errors = parse("runbooks: [{id: rb, link: https://wiki/rb}]\nport: 012\nok: yes\n", "m.yaml")
    assert errors == []
    assert doc.data == {"runbooks": [{"id": "rb", "link": "https://wiki/rb"}], "port": 12, "ok": "yes"}
    assert str(doc.values[("runbooks", 0, "link")]) == "m.yaml:1:27"


def test_merged_keys_keep_the_order_they_are_written_in() -> None:
    # They were added in a set's order, which changes with the hash seed: reports must not.
    keys = [f"k{i:02d}" for i in range(20)]
    text = "base: &b {" + ", ".join(f"{k}: {i}" for i, k in enumerate(keys)) + "}\nm: {<<: *b, k05: own}\n"
    (doc,), errors = parse(text, "m.yaml")
    assert errors == [] and list(doc.data["m"]) == ["k05", *(k for k in keys if k != "k05")]


def test_file_size_and_memory_limits_are_configurable(here, write) -> None:
    path = write("m.yaml", SYSTEM + "regions: []\n")
    error = only_error(path, limits=Limits(max_file_bytes=16))
    assert error == (
        "m.yaml: the file is 43 bytes, over the 16 bytes limit for one input file (raise it with --max-file-mb)"
    )
    assert "loading this file would take more than" in only_error(path, limits=Limits(max_memory_bytes=1000))


# --------------------------------------------------------------------------- encodings and characters


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (SYSTEM.encode() + b"regions: [\xff]\n", "m.yaml:3:11: not UTF-8: byte 0xff"),
        (SYSTEM.encode() + "services: [{id: é\xe9".encode()[:-2] + b"\xe9}]\n", "m.yaml:3:18: not UTF-8: byte 0xe9"),
        ("system: {name: x}\n".encode("utf-16"), "m.yaml:1:1: the file is UTF-16; save it as UTF-8"),
        (SYSTEM.encode() + b"regions: [a\x00b]\n", "m.yaml:3:12: control character U+0000 is not allowed"),
        (SYSTEM.encode() + b"regions: []\n  \x1b[2J\n", "m.yaml:4:3: control character U+001B is not allowed"),
    ],
)
def test_bad_bytes_are_located_at_their_line_and_column(here, data, expected) -> None:
    (here / "m.yaml").write_bytes(data)
    error = only_error(here / "m.yaml")
    assert error.startswith(expected), error


@pytest.mark.parametrize("fast", [True, False], ids=["libyaml", "pure-python"])
def test_an_escaped_lone_surrogate_is_a_located_error_not_a_crash(here, write, monkeypatch, fast) -> None:
    # "\ud800" in a double-quoted string was a UnicodeEncodeError (exit 3) in include resolution and
    # in every report that wrote it out. libyaml refuses the escape itself; ruamel's parser reads it,
    # and the reader refuses the half character.
    from pacelc.model import yamlfile

    if not fast:
        monkeypatch.setattr(yamlfile, "_c_parser", lambda: None)
    text = SYSTEM + 'include: ["a\\ud800.yaml"]\nservices: [{id: "s\\udc00"}]\n'
    errors = load_errors(write("m.yaml", text))
    if fast and yamlfile._c_parser() is not None:
        assert errors == ["m.yaml:3:15: syntax error: found invalid Unicode character escape code"], errors
    else:
        assert errors == [
            "m.yaml:3:11: \\ud800 escapes half of a character (a lone surrogate)",
            "m.yaml:4:17: \\udc00 escapes half of a character (a lone surrogate)",
        ], errors


def test_a_utf8_byte_order_mark_is_accepted(here) -> None:
    (here / "m.yaml").write_bytes(b"\xef\xbb\xbf" + SYSTEM.encode())
    assert load(here / "m.yaml").model.system.name == "demo"


def test_a_line_separator_in_an_id_keeps_each_error_on_one_line(here, write) -> None:
    error = only_error(write("m.yaml", SYSTEM + 'services: [{id: "a\\u2028b", calls: [{to: nowhere}]}]\n'))
    assert "\u2028" not in error and "\\u2028" in error and "\n" not in error, error


# --------------------------------------------------------------------------- includes


def test_a_scalar_include_is_one_path_not_one_error_per_character(here, write) -> None:
    write("more.yaml", "regions: [{id: eu, zones: [{id: eu-a}]}]\n")
    loaded = load(write("m.yaml", SYSTEM + "include: more.yaml\n"))
    assert [r.id for r in loaded.model.regions] == ["eu"]


def test_includes_outside_the_model_folder_are_refused_unread(tmp_path, monkeypatch) -> None:
    secret = tmp_path / "secret.yaml"
    secret.write_text("password-hunter2: 1\n")
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    (model_dir / "link.yaml").symlink_to(secret)
    monkeypatch.chdir(model_dir)
    for include, why in (
        ("../secret.yaml", "leads outside the model's folder"),
        ("link.yaml", "leads outside the model's folder"),
        (str(secret), "an include is a path relative to the including file's folder"),
        ("/etc/passwd", "an include is a path relative to the including file's folder"),
        ("/dev/zero", "an include is a path relative to the including file's folder"),
    ):
        (model_dir / "m.yaml").write_text(SYSTEM + f"include: ['{include}']\n")
        error = only_error(model_dir / "m.yaml")
        assert error.startswith("m.yaml:3:11: include ") and why in error, error
        assert "hunter2" not in error and "root:" not in error


def test_include_root_widens_the_folder(tmp_path, monkeypatch) -> None:
    (tmp_path / "shared.yaml").write_text("regions: [{id: eu, zones: [{id: eu-a}]}]\n")
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "m.yaml").write_text(SYSTEM + "include: [../shared.yaml]\n")
    monkeypatch.chdir(tmp_path)
    assert "leads outside" in only_error(tmp_path / "model" / "m.yaml")
    loaded = load(tmp_path / "model" / "m.yaml", include_root=tmp_path)
    assert [r.id for r in loaded.model.regions] == ["eu"]


def test_a_symlink_that_stays_inside_the_folder_is_followed(here, write) -> None:
    write("parts/regions.yaml", "regions: [{id: eu, zones: [{id: eu-a}]}]\n")
    (here / "regions-link.yaml").symlink_to(here / "parts" / "regions.yaml")
    loaded = load(write("m.yaml", SYSTEM + "include: [regions-link.yaml]\n"))
    assert [r.id for r in loaded.model.regions] == ["eu"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_refused_without_waiting_for_a_writer(here, write) -> None:
    os.mkfifo(here / "pipe.yaml")
    error = only_error(write("m.yaml", SYSTEM + "include: [pipe.yaml]\n"))
    assert error == "m.yaml:3:11: pipe.yaml: not a regular file (a device, FIFO or socket); refused"
    assert load_errors(here / "pipe.yaml") == ["pipe.yaml: not a regular file (a device, FIFO or socket); refused"]


def test_a_device_given_as_the_model_is_refused(here) -> None:
    assert load_errors(Path("/dev/zero")) == ["/dev/zero: not a regular file (a device, FIFO or socket); refused"]


def test_a_nul_byte_in_an_include_path_is_an_error(here, write) -> None:
    error = only_error(write("m.yaml", SYSTEM + 'include: ["a\\0b.yaml"]\n'))
    assert error.startswith("m.yaml:3:11: include 'a\\x00b.yaml': a path cannot hold a NUL character"), error


def test_a_folder_given_as_an_include_is_an_error(here, write) -> None:
    (here / "sub").mkdir()
    error = only_error(write("m.yaml", SYSTEM + "include: [sub]\n"))
    assert error == "m.yaml:3:11: sub: is a folder, not a file"


def test_the_commands_take_the_include_root_and_the_file_size_limit(tmp_path, monkeypatch) -> None:
    from click.testing import CliRunner

    from pacelc.cli import cli

    (tmp_path / "shared.yaml").write_text("regions: [{id: eu, zones: [{id: eu-a}]}]\n")
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "m.yaml").write_text(SYSTEM + "include: [../shared.yaml]\n")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    refused = runner.invoke(cli, ["validate", "model/m.yaml"])
    assert refused.exit_code == 2 and "leads outside the model's folder" in refused.stderr
    for command in ("validate", "review", "verify", "export-fta", "baseline"):
        out = ["-o", "-"] if command in ("export-fta", "baseline") else []
        widened = runner.invoke(cli, [command, "--include-root", ".", "model/m.yaml", *out])
        # export-fta refuses a model without operations: a usage error about the model, not the include
        assert "leads outside" not in widened.stderr, widened.stderr
        assert isinstance(widened.exception, SystemExit | None), widened.stderr
        assert widened.exit_code in ((2,) if command == "export-fta" else (0, 1)), widened.stderr
        small = runner.invoke(cli, [command, "--include-root", ".", "--max-file-mb", "0.00001", "model/m.yaml"])
        assert small.exit_code == 2 and "over the 10 bytes limit" in small.stderr, small.stderr
