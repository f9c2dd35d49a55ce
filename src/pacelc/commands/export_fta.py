"""`pacelc export-fta MODEL...`: each operation's fault tree as Open-PSA MEF, for other FTA tools."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click

from pacelc.analysis.faulttrees import model_fault_trees
from pacelc.analysis.fta.mef import to_mef
from pacelc.analysis.fta.tree import FaultTree, Gate
from pacelc.analysis.graph import SystemGraph
from pacelc.io import RefusedWrite, write_atomic

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def mef_safe(tree: FaultTree) -> FaultTree:
    """The same tree with names MEF tools accept (letters, digits, '-', '_'); other characters become '_'."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for name in [*tree.gates, *tree.basic_events, *tree.house_events]:
        safe = _UNSAFE.sub("_", name)
        while safe in taken:
            safe += "_"
        names[name] = safe
        taken.add(safe)
    gates = [Gate(names[g.name], g.kind, tuple(names[a] for a in g.args), g.k) for g in tree.gates.values()]
    return FaultTree.build(
        tree.name.replace(" ", "-"),
        names[tree.top],
        {names[e]: p for e, p in tree.basic_events.items()},
        gates,
        {names[h]: v for h, v in tree.house_events.items()},
    )


@click.command("export-fta")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--operation", "operations", multiple=True, help="Only this operation (repeatable).")
@click.option(
    "-o",
    "--output",
    type=click.Path(),
    help="File for one operation, or a folder for several (one OPERATION.xml each). Default: stdout for one.",
)
@click.option("--force", is_flag=True, help="Overwrite existing files that pacelc did not write.")
def export_fta(files, operations, output, force) -> None:
    """Write the fault tree of each operation of the model in FILES as Open-PSA MEF XML.

    The trees are the ones pacelc analyses: "the operation is unavailable" as top event, replicas,
    zones and regions as basic events with their failure probabilities. `pacelc fta` (or scram,
    XFTA, ...) reads them back.
    """
    from pacelc.cli import _load_or_exit

    loaded = _load_or_exit(files)
    trees = model_fault_trees(SystemGraph(loaded.model))
    if operations:
        wanted = {f"operation {o}" for o in operations}
        unknown = sorted(set(operations) - {t.name.removeprefix("operation ") for t in trees})
        if unknown:
            click.echo(f"pacelc: no operation {', '.join(unknown)} in the model", err=True)
            sys.exit(2)
        trees = [t for t in trees if t.name in wanted]
    if not trees:
        click.echo("pacelc: the model has no operations", err=True)
        sys.exit(2)
    texts = {t.name.removeprefix("operation "): to_mef(mef_safe(t)) for t in trees}
    try:
        if output is None:
            if len(texts) > 1:
                click.echo("pacelc: several operations: give -o FOLDER (or --operation)", err=True)
                sys.exit(2)
            click.echo(next(iter(texts.values())), nl=False)
        elif len(texts) == 1 and not Path(output).is_dir():
            write_atomic(Path(output), next(iter(texts.values())), overwrite_if="<opsa-mef>", force=force)
        else:
            folder = Path(output)
            for op, text in sorted(texts.items()):
                write_atomic(folder / f"{op}.xml", text, overwrite_if="<opsa-mef>", force=force)
            click.echo(f"wrote {len(texts)} fault tree(s) to {folder}/", err=True)
    except (RefusedWrite, OSError) as exc:
        click.echo(f"pacelc: {exc}", err=True)
        sys.exit(2)
