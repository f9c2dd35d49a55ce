"""The `pacelc` command."""

from __future__ import annotations

import json
import sys
from importlib import resources
from pathlib import Path

import click

from pacelc import __version__
from pacelc.io import RefusedWrite, write_atomic
from pacelc.model import ModelLoadError, load
from pacelc.rules.base import SEVERITIES

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
_JSON_MARKER = '"name": "pacelc"'


def _load_or_exit(files: tuple[str, ...]):
    try:
        return load(list(files))
    except ModelLoadError as exc:
        for error in exc.errors:
            click.echo(f"{error}", err=True)
        click.echo(f"pacelc: {len(exc.errors)} error(s); nothing reviewed", err=True)
        sys.exit(EXIT_USAGE)


def _emit(text: str, output: str | None, marker: str | None, force: bool, inputs: tuple[str, ...] = ()) -> None:
    if output is None or output == "-":
        click.echo(text, nl=False)
        return
    target = Path(output)
    if any(target.resolve() == Path(f).resolve() for f in inputs):
        click.echo(f"pacelc: refusing to write the report over the model file {output}", err=True)
        sys.exit(EXIT_USAGE)
    try:
        write_atomic(target, text, overwrite_if=marker, force=force)
    except RefusedWrite as exc:
        click.echo(f"pacelc: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    except OSError as exc:
        click.echo(f"pacelc: cannot write {output}: {exc}", err=True)
        sys.exit(EXIT_USAGE)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="pacelc")
def main() -> None:
    """pacelc: evidence-backed review of distributed-system designs.

    Describe a system in YAML or JSON (services, stores and their replication, calls, topics,
    data domains with consistency needs, operations with SLAs, failure domains, readiness), then
    review it. Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or input error.
    """


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["terminal", "markdown", "json"]),
    default="terminal",
    show_default=True,
    help="Report format.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report here instead of stdout.")
@click.option("--force", is_flag=True, help="Overwrite an existing output file that pacelc did not write.")
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    default=None,
    help="Exit 1 when an active finding is at or above this severity.",
)
@click.option("--select", multiple=True, help="Run only rules with this code or prefix (repeatable, e.g. FLR).")
@click.option("--ignore", multiple=True, help="Skip rules with this code or prefix (repeatable).")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Date to judge risk-register expiry against (default: today).",
)
@click.option("--color/--no-color", default=None, help="Colour the terminal report (default: when a terminal).")
def review(files, fmt, output, force, fail_on, select, ignore, today, color) -> None:
    """Review the system described by FILES (merged, with their includes)."""
    from pacelc.reporters import render_json, render_markdown, render_terminal
    from pacelc.reporters.markdown import MARKER
    from pacelc.review.engine import ReviewOptions, exit_code
    from pacelc.review.engine import review as run_review

    loaded = _load_or_exit(files)
    options = ReviewOptions(select=tuple(select), ignore=tuple(ignore), today=today.date() if today else None)
    result = run_review(loaded, options)
    if fmt == "json":
        text, marker = render_json(result), _JSON_MARKER
    elif fmt == "markdown":
        text, marker = render_markdown(result), MARKER
    else:
        use_color = sys.stdout.isatty() if color is None else color
        text, marker = render_terminal(result, color=use_color and output is None), None
    _emit(text, output, marker, force, inputs=tuple(loaded.files))
    sys.exit(exit_code(result, fail_on))


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def validate(files) -> None:
    """Check FILES for syntax, type, reference and consistency errors (file:line:col each)."""
    loaded = _load_or_exit(files)
    m = loaded.model
    click.echo(
        f"ok: {m.system.name}: {len(m.services)} services, {len(m.stores)} stores, {len(m.topics)} topics, "
        f"{len(m.domains)} domains, {len(m.operations)} operations ({len(loaded.files)} file(s))"
    )


@main.command()
@click.option("--report", is_flag=True, help="Print the JSON report's schema instead of the model's.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write here instead of stdout.")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def schema(report, output, force) -> None:
    """Print the JSON Schema of the model format (for editor completion) or of the JSON report."""
    from pacelc.schemas import model_schema, report_schema

    text = json.dumps(report_schema() if report else model_schema(), indent=2, sort_keys=True) + "\n"
    _emit(text, output, '"$schema"', force)


@main.command()
@click.argument("path", default="pacelc.yaml", type=click.Path(dir_okay=False))
def init(path) -> None:
    """Write a commented starter model to PATH (default pacelc.yaml); never overwrites."""
    target = Path(path)
    if target.exists():
        click.echo(f"pacelc: {path} already exists; not overwritten", err=True)
        sys.exit(EXIT_USAGE)
    text = resources.files("pacelc").joinpath("templates/starter.yaml").read_text(encoding="utf-8")
    try:
        write_atomic(target, text)
    except (RefusedWrite, OSError) as exc:
        click.echo(f"pacelc: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    click.echo(f"wrote {path}; next: pacelc review {path}")


@main.command(name="rules")
def rules_command() -> None:
    """List every rule: code, name, step, default severity."""
    from pacelc.rules.base import STEPS, all_rules

    for r in all_rules():
        click.echo(f"{r.code}  {r.name:<45} step {r.step} ({STEPS[r.step][1]})  {r.severity}")


@main.command()
@click.argument("code")
def explain(code) -> None:
    """Explain rule CODE: what it checks, why, an example, the fix."""
    from pacelc.rules.base import REGISTRY, all_rules
    from pacelc.rules.docs import render_rule

    all_rules()
    rule = REGISTRY.get(code.upper())
    if rule is None:
        click.echo(f"pacelc: no rule {code}; `pacelc rules` lists them", err=True)
        sys.exit(EXIT_USAGE)
    click.echo(render_rule(rule), nl=False)


def _register_optional_commands() -> None:
    """Commands that live with their engines."""
    try:
        from pacelc.commands.fta import fta
    except ImportError:  # the fault-tree engine is optional at import time only while it is being built
        return
    main.add_command(fta)


_register_optional_commands()

if __name__ == "__main__":  # pragma: no cover
    main()
