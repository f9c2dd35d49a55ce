"""The MEF reader and DTDs: nothing external is read, declared entities are refused, a DTD reference is a warning."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from pacelc.analysis.fta import MefError, parse_mef, read_mef
from pacelc.cli import cli

BODY = """\
<opsa-mef>
  <define-fault-tree name="t">
    <define-gate name="top"><and><basic-event name="a"/><basic-event name="b"/></and></define-gate>
    {content}
  </define-fault-tree>
  <model-data>
    <define-basic-event name="a"><float value="0.1"/></define-basic-event>
    <define-basic-event name="b"><float value="0.2"/></define-basic-event>
  </model-data>
</opsa-mef>
"""
SECRET = '<define-gate name="leaked"><or><basic-event name="a"/><basic-event name="b"/></or></define-gate>\n'


def mef(doctype: str, content: str = "") -> str:
    return f'<?xml version="1.0"?>\n{doctype}\n' + BODY.format(content=content)


def test_an_external_entity_is_refused_not_dropped(tmp_path: Path) -> None:
    (tmp_path / "secret.xml").write_text(SECRET)
    path = tmp_path / "ext.xml"
    path.write_text(mef('<!DOCTYPE opsa-mef [\n  <!ENTITY ext SYSTEM "secret.xml">\n]>', "&ext;"))
    result = CliRunner().invoke(cli, ["fta", str(path)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{path}:3:")
    assert "entity" in result.stderr and "'ext'" in result.stderr and "leaked" not in result.stderr


def test_a_parameter_entity_is_refused_and_never_fetched() -> None:
    doctype = '<!DOCTYPE opsa-mef [\n<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;\n]>'
    with pytest.raises(MefError, match=r"^p.xml:3:\d+: .*entity"):
        parse_mef(mef(doctype), "p.xml")


def test_internal_entities_are_refused_before_any_expansion() -> None:
    """A billion-laughs bomb: refused at its first declaration, whatever expat's own limits."""
    decls = '<!ENTITY l0 "ha">' + "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 30))
    text = f'<?xml version="1.0"?>\n<!DOCTYPE opsa-mef [{decls}]>\n<opsa-mef><define-fault-tree name="&l29;"/>'
    text += "</opsa-mef>"
    start = time.perf_counter()
    with pytest.raises(MefError, match=r"^b.xml:2:\d+: .*entity 'l0'"):
        parse_mef(text, "b.xml")
    assert time.perf_counter() - start < 5  # generous: the refusal reads one declaration


def test_an_external_dtd_is_not_read_and_a_warning_says_so(tmp_path: Path) -> None:
    path = tmp_path / "dtd.xml"
    path.write_text(mef('<!DOCTYPE opsa-mef SYSTEM "opsa-mef.dtd">'))
    model = read_mef(path)
    assert model.tree.top == "top"
    [warning] = model.warnings
    assert (warning.filename, warning.line) == (str(path), 2)
    assert warning.message == "the external DTD 'opsa-mef.dtd' was not read (pacelc reads no file the XML names)"
    result = CliRunner().invoke(cli, ["fta", str(path)])
    assert result.exit_code == 0 and f"{path}:2:{warning.col}: warning: the external DTD" in result.output


def test_an_entity_the_unread_dtd_would_define_is_an_error() -> None:
    text = mef('<!DOCTYPE opsa-mef SYSTEM "opsa-mef.dtd">', "&fromdtd;")
    with pytest.raises(MefError, match=r"^s.xml:6:\d+: entity 'fromdtd' is not defined"):
        parse_mef(text, "s.xml")


def test_predefined_entities_and_character_references_still_work() -> None:
    text = mef("", "").replace('name="t"', 'name="a&amp;b&#x41;"')
    assert parse_mef(text, "ok.xml").tree.name == "a&bA"
