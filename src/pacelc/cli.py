"""The `pacelc` command."""

from __future__ import annotations

import importlib
import json
import re
import sys
from pathlib import Path
from typing import ClassVar

import click

from pacelc import __version__
from pacelc.io import (
    RefusedWrite,
    Signature,
    first_line_signature,
    is_any_of,
    json_signature,
    prefix_signature,
    write_atomic,
)
from pacelc.rules.base import SEVERITIES

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def _signatures() -> dict[str, Signature]:
    """How `-o` recognises a file pacelc wrote earlier, per format: a fixed place in each file, as
    the renderers write it (see pacelc.io). The terminal format has none: its files need --force."""
    from pacelc.baseline import BASELINE_FORMAT
    from pacelc.reporters.markdown import MARKER

    schema_ids = "https://pacelc.dev/schemas/"  # pacelc.schemas' $id values (not imported: it loads the model)

    def is_pacelc(value: object) -> bool:
        return value == "pacelc"

    return {
        # the marker comment is the template's first line
        "markdown": first_line_signature(MARKER, "a pacelc Markdown report"),
        "json": json_signature(("tool", "name"), is_pacelc, "a pacelc JSON report"),
        "sarif": json_signature(("runs", 0, "tool", "driver", "name"), is_pacelc, "a pacelc SARIF log"),
        # the root element's name attribute, as render_junit writes it (first, after the declaration)
        "junit": prefix_signature(
            '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="pacelc review: ', "a pacelc JUnit report"
        ),
        "baseline": json_signature(
            ("pacelc_baseline",), lambda v: type(v) is int and v == BASELINE_FORMAT, "a pacelc baseline"
        ),
        "draft": first_line_signature(_draft_signature(), "a pacelc import draft"),
        "schema": json_signature(
            ("$id",), lambda v: isinstance(v, str) and v.startswith(schema_ids), "a JSON Schema pacelc wrote"
        ),
    }


def _draft_signature() -> str:
    from pacelc.importers.draft import SIGNATURE

    return SIGNATURE


_INPUT_META = "pacelc.input"  # where the input options leave their values in click's context


def _remember_input_option(ctx: click.Context, param: click.Parameter, value: object) -> None:
    ctx.meta.setdefault(_INPUT_META, {})[param.name] = value


def input_options(f):
    """Options of every command that reads a model: where includes may come from, and how big a
    file may be. They reach `_load_or_exit` through click's context, not each command's arguments."""
    f = click.option(
        "--helm-set",
        multiple=True,
        expose_value=False,
        callback=_remember_input_option,
        help="A value for the Helm charts among the sources, as `helm --set` takes it (repeatable).",
    )(f)
    f = click.option(
        "--helm-values",
        multiple=True,
        type=click.Path(dir_okay=False),
        expose_value=False,
        callback=_remember_input_option,
        help="A values file for the Helm charts among the sources, as `helm -f` takes it (repeatable).",
    )(f)
    f = click.option(
        "--max-file-mb",
        type=click.FloatRange(min=0, min_open=True),
        default=None,
        expose_value=False,
        callback=_remember_input_option,
        help="Largest input file read, in MiB [default: 64].",
    )(f)
    return click.option(
        "--include-root",
        type=click.Path(file_okay=False, exists=True),
        default=None,
        expose_value=False,
        callback=_remember_input_option,
        help="Folder that includes may come from [default: each model file's own folder].",
    )(f)


def _load_or_exit(files: tuple[str, ...], nothing_done: str | None):
    """The loaded model, or exit 2 after the errors and a last line saying what was not done.

    `nothing_done` ("nothing reviewed") is the command's own words, or None when the count alone is
    true (validate: its errors are its result); every caller says which, so none inherits another's.
    """
    import dataclasses

    from pacelc.model import ModelLoadError, load
    from pacelc.model.yamlfile import DEFAULT_LIMITS

    ctx = click.get_current_context(silent=True)
    given = ctx.meta.get(_INPUT_META, {}) if ctx is not None else {}
    limits = DEFAULT_LIMITS
    if given.get("max_file_mb"):
        limits = dataclasses.replace(limits, max_file_bytes=int(given["max_file_mb"] * 2**20))
    try:
        imported = _import_sources(files, limits, given.get("include_root"))
        if imported is not None:
            return imported
        return load(list(files), limits=limits, include_root=given.get("include_root"))
    except ModelLoadError as exc:
        for error in exc.errors:
            click.echo(f"{error}", err=True)
        tail = f"; {nothing_done}" if nothing_done else ""
        click.echo(f"pacelc: {len(exc.errors)} error(s){tail}", err=True)
        sys.exit(EXIT_USAGE)


def _import_sources(files: tuple[str, ...], limits, include_root=None):
    """The model imported in memory when FILES are compose files or Kubernetes manifests (or
    folders), not pacelc models, with the one pacelc model among them merged over it as an overlay;
    None when they are all models (or unreadable: the loader names the problem)."""
    from pacelc.importers import detect, import_paths
    from pacelc.model import yamlfile
    from pacelc.model.loader import ModelError, ModelLoadError, load_data

    models, sources = [], []
    for name in files:
        path = Path(name)
        if path.is_dir():
            sources.append(name)
            continue
        text, errors = yamlfile.read_text(path, name, limits)
        if text is not None and detect.structurizr_dsl(text):
            sources.append(name)  # a Structurizr DSL workspace is not YAML: the importer reads it
            continue
        if text is None or detect.looks_like_model(text):
            models.append(name)
            continue
        docs, errors = yamlfile.parse(text, name, limits, multi=True)
        if errors or any(detect.classify(d.data) == "model" or _overlay_sections(d.data) for d in docs):
            models.append(name)  # a model, or a file the loader reports errors in
        else:
            sources.append(name)
    if not sources:
        return None
    overlay = _the_overlay(models, sources[0], limits, include_root)
    extra_calls = {}
    if overlay is not None:
        from pacelc.model.overlay import overlay_calls

        extra_calls = overlay_calls(overlay, limits=limits, include_root=include_root)
    ctx = click.get_current_context(silent=True)
    given = ctx.meta.get(_INPUT_META, {}) if ctx is not None else {}
    result = import_paths(
        sources,
        limits=limits,
        overlay_calls=extra_calls,
        helm_values=tuple(given.get("helm_values") or ()),
        helm_set=tuple(given.get("helm_set") or ()),
    )
    if result.errors:
        raise ModelLoadError(result.errors)
    for skipped in result.skipped:
        click.echo(f"pacelc: skipped {skipped.loc}: {skipped.reason}", err=True)
    if not result.files:
        found = "no compose file, Kubernetes manifest or pacelc model"
        raise ModelLoadError([ModelError(None, f"{found} in {', '.join(sources)}")])
    if overlay is None:
        return load_data(result.data, result.sources, result.files)
    from pacelc.model.overlay import load_overlay

    return load_overlay(result.data, result.sources, result.files, overlay, limits=limits, include_root=include_root)


def _overlay_sections(data: object) -> bool:
    """A file given by name holding only pacelc sections is a model even without `pacelc:` or
    `system:` (an overlay need not repeat them); in a folder it would still be skipped, as any
    file that is not a source is."""
    from pacelc.model.loader import TOP_KEYS

    return isinstance(data, dict) and bool(data) and all(key in TOP_KEYS for key in data)


def _the_overlay(models: list[str], source: str, limits, include_root) -> str | None:
    """The one model given beside sources (the overlay): several are refused (which one would win?)
    unless one includes all the others, which then are part of it."""
    from pacelc.model.overlay import files_read, overlay_error

    if len(models) <= 1:
        return models[0] if models else None
    read = {name: files_read(name, limits=limits, include_root=include_root) for name in models}
    tops = [m for m in models if not any(m != o and Path(m).resolve() in read[o] for o in models)]
    if len(tops) == 1:
        return tops[0]
    tops = tops or models  # models that include each other: a cycle, refused as two models
    raise overlay_error(
        f"{tops[0]} and {tops[1]} are both pacelc models beside the imported {source}: one overlay model "
        "is merged over imported sources; include one from the other, or give one"
    )


def _emit(
    text: str, output: str | None, signature: Signature | None, force: bool, inputs: tuple[str, ...] = ()
) -> None:
    """`text` to stdout (no -o, or `-o -`) or to the file `output`, under pacelc.io's policy."""
    if output is None or output == "-":
        click.echo(text, nl=False)
        return
    target = Path(output)
    if is_any_of(target, inputs):  # symlinks and `..` resolved: never over a model file, even with --force
        click.echo(f"pacelc: refusing to write the report over the model file {output}", err=True)
        sys.exit(EXIT_USAGE)
    try:
        write_atomic(target, text, signature=signature, force=force)
    except RefusedWrite as exc:
        click.echo(f"pacelc: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    except OSError as exc:
        click.echo(f"pacelc: cannot write {output}: {exc.strerror or exc}", err=True)
        sys.exit(EXIT_USAGE)


class _LazyGroup(click.Group):
    """Commands that live with their engines are imported only when run or listed: `pacelc fta`
    needs the fault-tree engine, not the model, networkx and pydantic (a cold start took 0.5 s,
    of which 0.3 s importing what the command never used)."""

    LAZY: ClassVar[dict[str, str]] = {
        "fta": "pacelc.commands.fta:fta",
        "export-fta": "pacelc.commands.export_fta:export_fta",
        "verify": "pacelc.commands.verify:verify",
    }

    # Each lazy command's help (its docstring's first paragraph): `pacelc --help` lists the commands
    # from these, without importing them (0.4 s of engine imports for three lines of text). A test
    # checks they match the commands' own docstrings.
    LAZY_HELP: ClassVar[dict[str, str]] = {
        "fta": "Exact top-event probability and minimal cut sets of an Open-PSA MEF fault tree FILE.",
        "export-fta": "Write the fault tree of each operation of the model in FILES as Open-PSA MEF XML.",
        "verify": "Model-check each domain's consistency requirement; print the shortest counterexample.",
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.LAZY])

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """click's listing, with a stand-in carrying the help of each lazy command."""
        commands = []
        for name in self.list_commands(ctx):
            lazy = name in self.LAZY
            command = click.Command(name, help=self.LAZY_HELP[name]) if lazy else self.get_command(ctx, name)
            if command is not None and not command.hidden:
                commands.append((name, command))
        if commands:
            limit = formatter.width - 6 - max(len(name) for name, _ in commands)
            with formatter.section("Commands"):
                formatter.write_dl([(name, command.get_short_help_str(limit)) for name, command in commands])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = self.LAZY.get(cmd_name)
        if target is None:
            return super().get_command(ctx, cmd_name)
        module, attr = target.split(":")
        command: click.Command = getattr(importlib.import_module(module), attr)
        return command


@click.group(
    name="pacelc",
    cls=_LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="pacelc")
def cli() -> None:
    """pacelc: evidence-backed review of distributed-system designs.

    Describe a system in YAML or JSON (services, stores and their replication, calls, topics,
    data domains with consistency needs, operations with SLAs, failure domains, readiness), then
    review it. Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or input error,
    3 internal error (a bug in pacelc: please report it with the model that triggers it); `pacelc fta`
    also exits 3 when its time or node budget stops it.
    """


def main() -> None:
    """Entry point: the command group, with internal errors reported without a traceback."""
    import os

    from pacelc.gcpause import freeze_survivors

    freeze_survivors()  # one command, then exit
    try:
        cli(standalone_mode=True)
    except SystemExit:
        raise
    except Exception as exc:  # a bug, not the user's mistake: say so plainly
        if os.environ.get("PACELC_DEBUG"):
            raise
        click.echo(
            f"pacelc: internal error: {type(exc).__name__}: {exc} (set PACELC_DEBUG=1 for a traceback)", err=True
        )
        sys.exit(3)


def _review_options(f):
    """Options shared by `review` and `baseline`."""
    options = [
        click.option("--select", multiple=True, help="Run only rules with this code or prefix (repeatable, e.g. FLR)."),
        click.option("--ignore", multiple=True, help="Skip rules with this code or prefix (repeatable)."),
        click.option(
            "--today",
            type=click.DateTime(formats=["%Y-%m-%d"]),
            default=None,
            help="Date to judge risk-register expiry against (default: today).",
        ),
        click.option(
            "--config",
            "config_path",
            type=click.Path(dir_okay=False),
            default=None,
            help="Configuration file (default: ./pacelc.toml, or [tool.pacelc] in ./pyproject.toml).",
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return input_options(f)


_SYSTEM_KEY = re.compile(r"^system\s*:", re.MULTILINE)


def _run_review(
    files, select, ignore, today, config_path, baseline_path=None, budget_s=None, nothing_done="nothing reviewed"
):
    from pacelc.baseline import BaselineError, read_baseline
    from pacelc.config import ConfigError, load_config
    from pacelc.review.engine import ReviewOptions
    from pacelc.review.engine import review as run_review

    try:
        config, _ = load_config(explicit=Path(config_path) if config_path else None)
    except ConfigError as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_USAGE)
    baseline: frozenset[str] = frozenset()
    baseline_path = baseline_path or config.baseline
    if baseline_path:
        try:
            baseline = read_baseline(Path(baseline_path))
        except BaselineError as exc:
            click.echo(f"pacelc: {exc}", err=True)
            sys.exit(EXIT_USAGE)
    loaded = _load_or_exit(files, nothing_done)
    options = ReviewOptions(
        select=tuple(select) or tuple(config.select),
        ignore=tuple(ignore) + tuple(config.ignore),
        severity_overrides=dict(config.severity),
        today=today.date() if today else None,
        baseline=baseline,
        retry_amplification_limit=config.retry_amplification_limit,
        budget_s=budget_s or config.budget_s,
    )
    _check_rule_codes(options)
    return loaded, run_review(loaded, options), config


def _check_rule_codes(options) -> None:
    """A --select/--ignore/severity entry that names no rule is a usage error, not a silent no-op."""
    from pacelc.rules.base import all_rules

    codes = [r.code for r in all_rules()]
    for given in [*options.select, *options.ignore, *options.severity_overrides]:
        if not any(code.startswith(given.upper()) for code in codes):
            click.echo(f"pacelc: '{given}' matches no rule code; `pacelc rules` lists them", err=True)
            sys.exit(EXIT_USAGE)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["terminal", "markdown", "json", "sarif", "junit"]),
    default=None,
    help="Report format (default: terminal, or `format` in the config).",
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="Write the report to this file (`-`: stdout, the default)."
)
@click.option("--force", is_flag=True, help="Overwrite an existing output file that pacelc did not write.")
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    default=None,
    help="Exit 1 when an active finding is at or above this severity.",
)
@click.option(
    "--baseline",
    "baseline_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Report only findings not in this baseline (written by `pacelc baseline`).",
)
@_review_options
@click.option("--color/--no-color", default=None, help="Colour the terminal report (default: when a terminal).")
@click.option(
    "--budget-s",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Seconds for the whole review, shared by the engines; what is not done in time is reported unknown "
    "[default: `budget_s` in the config, else 120].",
)
def review(
    files, fmt, output, force, fail_on, baseline_path, select, ignore, today, config_path, color, budget_s
) -> None:
    """Review the system described by FILES (merged, with their includes). Several model files that
    each declare `system:` are independent systems: each is reviewed on its own, and their reports
    follow one another (JSON: an array; SARIF: one run each; JUnit: every system's suites)."""
    from pacelc.reporters import render_json, render_junit, render_markdown, render_sarif, render_terminal
    from pacelc.reporters.sarif import DEFAULT_RULE_DOCS_URL
    from pacelc.reporters.several import render_several
    from pacelc.review.engine import exit_code

    runs = [
        _run_review(group, select, ignore, today, config_path, baseline_path, budget_s) for group in _systems(files)
    ]
    config = runs[0][2]
    fmt = fmt or config.format or "terminal"
    use_color = sys.stdout.isatty() if color is None else color
    renderers = {
        "json": render_json,
        "markdown": render_markdown,
        "sarif": lambda r: render_sarif(r, config.rule_docs_url or DEFAULT_RULE_DOCS_URL),
        "junit": render_junit,
        "terminal": lambda r: render_terminal(r, color=use_color and output in (None, "-")),
    }
    text = render_several(fmt, [result for _, result, _ in runs], renderers[fmt])
    inputs = tuple(name for loaded, _, _ in runs for name in loaded.files)
    _emit(text, output, _signatures().get(fmt), force, inputs=inputs)
    sys.exit(max(exit_code(result, fail_on or config.fail_on) for _, result, _ in runs))


def _systems(files: tuple[str, ...]) -> list[tuple[str, ...]]:
    """FILES as independent systems: two or more model files that each declare a top-level `system:`
    (one model may declare it only once) are each their own system; anything else is one system."""
    from pacelc.model import yamlfile

    declared = []
    for name in files:
        path = Path(name)
        if path.is_file():
            text, _ = yamlfile.read_text(path, name)
            if text is not None and _SYSTEM_KEY.search(text):
                declared.append(name)
    if len(declared) < 2:
        return [tuple(files)]
    others = [name for name in files if name not in declared]
    if others:
        click.echo(
            f"pacelc: {others[0]} declares no system, and {len(declared)} files given each declare one "
            f"({', '.join(declared)}): review each system with its own files, or join the files with include:",
            err=True,
        )
        sys.exit(EXIT_USAGE)
    return [(name,) for name in declared]


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option(
    "-o",
    "--output",
    default="pacelc-baseline.json",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="File to write (`-`: stdout).",
)
@click.option("--force", is_flag=True, help="Overwrite an existing file that is not a pacelc baseline.")
@_review_options
def baseline(files, output, force, select, ignore, today, config_path) -> None:
    """Write the fingerprints of today's active findings, so later reviews report only new ones."""
    from pacelc.baseline import render_baseline

    loaded, result, _ = _run_review(files, select, ignore, today, config_path, nothing_done="no baseline written")
    _emit(render_baseline(result), output, _signatures()["baseline"], force, inputs=tuple(loaded.files))
    where = "stdout" if output == "-" else output
    click.echo(f"wrote {where}: {result.summary.active} finding(s) accepted as the baseline", err=True)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
@input_options
def validate(files) -> None:
    """Check FILES for syntax, type, reference and consistency errors (file:line:col each); several
    model files that each declare `system:` are checked as independent systems."""
    for group in _systems(files):
        loaded = _load_or_exit(group, None)
        m = loaded.model
        click.echo(
            f"ok: {m.system.name}: {len(m.services)} services, {len(m.stores)} stores, {len(m.topics)} topics, "
            f"{len(m.domains)} domains, {len(m.operations)} operations ({len(loaded.files)} file(s))"
        )


@cli.command(name="import")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="Write the draft to this file (`-`: stdout, the default)."
)
@click.option("--force", is_flag=True, help="Overwrite an existing file that is not a pacelc import draft.")
@click.option(
    "--helm-values",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="A values file for the Helm charts among PATHS, as `helm -f` takes it (repeatable).",
)
@click.option("--helm-set", multiple=True, help="A value for the Helm charts, as `helm --set` takes it (repeatable).")
def import_command(paths, output, force, helm_values, helm_set) -> None:
    """Write a draft model from compose files or rendered Kubernetes manifests (files or folders;
    each document recognised by its content), with each element's source file:line and what the
    sources could not say."""
    from pacelc.importers import import_paths
    from pacelc.importers.draft import render_draft
    from pacelc.model.loader import ModelError, ModelLoadError, load_data

    result = import_paths(paths, helm_values=tuple(helm_values), helm_set=tuple(helm_set))
    errors = list(result.errors)
    found_models = {Path(model).resolve() for model in result.models}
    for name in paths:  # a model found inside a given folder is only named below, not an error
        if not Path(name).is_dir() and Path(name).resolve() in found_models:
            errors.append(
                ModelError(
                    None,
                    f"{name} is a pacelc model: `pacelc import` reads compose files and manifests only; "
                    f"give it beside the sources to `pacelc review` or `pacelc validate` (an overlay)",
                )
            )
    if not errors and not result.files:
        click.echo(f"pacelc: no compose file or Kubernetes manifest in {', '.join(paths)}", err=True)
        sys.exit(EXIT_USAGE)
    if not errors:
        try:
            load_data(result.data, result.sources, result.files)  # the draft must validate
        except ModelLoadError as exc:
            errors = exc.errors
    for error in errors:
        click.echo(f"{error}", err=True)
    if errors:
        click.echo(f"pacelc: {len(errors)} error(s); nothing imported", err=True)
        sys.exit(EXIT_USAGE)
    for model in result.models:
        click.echo(f"pacelc: {model} is a pacelc model: not imported", err=True)
    for skipped in result.skipped:
        click.echo(f"pacelc: skipped {skipped.loc}: {skipped.reason}", err=True)
    _emit(render_draft(result), output, _signatures()["draft"], force, inputs=result.files)


@cli.command()
@click.option("--report", is_flag=True, help="Print the JSON report's schema instead of the model's.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file (`-`: stdout, the default).")
@click.option("--force", is_flag=True, help="Overwrite an existing file that pacelc did not write.")
def schema(report, output, force) -> None:
    """Print the JSON Schema of the model format (for editor completion) or of the JSON report."""
    from pacelc.schemas import model_schema, report_schema

    text = json.dumps(report_schema() if report else model_schema(), indent=2, sort_keys=True) + "\n"
    _emit(text, output, _signatures()["schema"], force)


@cli.command()
@click.argument("path", default="pacelc.yaml", type=click.Path(dir_okay=False))
def init(path) -> None:
    """Write a commented starter model to PATH (default pacelc.yaml; `-` for stdout); never overwrites."""
    from importlib import resources  # here: every other command starts without it (~10 ms)

    text = resources.files("pacelc").joinpath("templates/starter.yaml").read_text(encoding="utf-8")
    if path == "-":
        click.echo(text, nl=False)
        return
    target = Path(path)
    if target.exists():
        click.echo(f"pacelc: {path} already exists; not overwritten", err=True)
        sys.exit(EXIT_USAGE)
    try:
        write_atomic(target, text)
    except RefusedWrite as exc:
        click.echo(f"pacelc: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    except OSError as exc:
        click.echo(f"pacelc: cannot write {path}: {exc.strerror or exc}", err=True)
        sys.exit(EXIT_USAGE)
    click.echo(f"wrote {path}; next: pacelc review {path}")


@cli.command(name="rules")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Configuration file whose select/ignore/severity to apply (default: ./pacelc.toml or pyproject.toml).",
)
def rules_command(config_path) -> None:
    """List every rule: code, name, step, severity and status (enabled or disabled by the configuration)."""
    from pacelc.config import ConfigError, load_config
    from pacelc.review.engine import ReviewOptions, selected_rules
    from pacelc.rules.base import STEPS, all_rules

    try:
        config, _ = load_config(explicit=Path(config_path) if config_path else None)
    except ConfigError as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_USAGE)
    enabled = {r.code for r in selected_rules(ReviewOptions(select=tuple(config.select), ignore=tuple(config.ignore)))}
    for r in all_rules():
        severity = config.severity.get(r.code, r.severity)
        status = "enabled" if r.code in enabled else "disabled"
        click.echo(f"{r.code}  {r.name:<46} step {r.step} {STEPS[r.step][1]:<26} {severity:<8} {status}")


@cli.command()
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


if __name__ == "__main__":  # pragma: no cover
    main()
