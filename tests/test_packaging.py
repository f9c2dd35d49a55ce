"""The wheel holds every file the code loads from the package (an editable install never shows a miss)."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.helpers import REPO

SRC = REPO / "src" / "pacelc"

# The ways the code reads files of its own package: importlib.resources and Jinja's PackageLoader.
_RESOURCE = re.compile(r"""resources\.files\(\s*["']pacelc["']\s*\)\.joinpath\(\s*["']([^"']+)["']""")
_TEMPLATES = re.compile(r"""PackageLoader\(\s*["']pacelc["']\s*,\s*["']([^"']+)["']""")


def loaded_resources() -> set[str]:
    """Paths (relative to the package) of the files the code loads, found in the source."""
    found: set[str] = set()
    for source in SRC.rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        found.update(_RESOURCE.findall(text))
        for folder in _TEMPLATES.findall(text):
            found.update(p.relative_to(SRC).as_posix() for p in (SRC / folder).iterdir() if p.is_file())
    return found


def test_the_scan_finds_the_resources_we_know_of() -> None:
    """So that the wheel test below cannot pass by finding nothing."""
    assert {"templates/starter.yaml", "templates/report.md.j2"} <= loaded_resources()
    assert all((SRC / r).is_file() for r in loaded_resources())


@pytest.mark.skipif(importlib.util.find_spec("setuptools") is None, reason="setuptools is not installed")
def test_the_wheel_holds_every_loaded_resource(tmp_path: Path) -> None:
    # A copy of what the build reads, so the build leaves nothing in the working tree.
    tree = tmp_path / "tree"
    tree.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy2(REPO / name, tree / name)
    junk = shutil.ignore_patterns("__pycache__", "*.so", "*.egg-info", "build")
    shutil.copytree(REPO / "src", tree / "src", ignore=junk)
    # Offline: the setuptools of the test environment, no build isolation, no index.
    build = ["wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q", "-w", "dist", "."]
    subprocess.run(
        [sys.executable, "-m", "pip", *build],
        cwd=tree,
        check=True,
        capture_output=True,
        timeout=300,
    )
    [wheel] = (tree / "dist").glob("pacelc-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    missing = sorted(r for r in loaded_resources() if f"pacelc/{r}" not in names)
    assert missing == [], f"not in the wheel (add to [tool.setuptools.package-data]): {missing}"
