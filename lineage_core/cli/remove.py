"""``lineage remove``: take wrongly recorded edges and assets out of the store again.

Removal deletes (history included), for the tenant acting only, and marks stale every impact
cache entry the removed edges change, as any other edge change does. ``--dry-run`` shows what
would go and changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

import click

from lineage_core.cli.app import (
    Options,
    json_option,
    main,
    pass_options,
    print_json,
    report_skipped,
    table,
)
from lineage_core.errors import AssetNotFound, NotFound
from lineage_core.importing import parse_edge_lines
from lineage_core.models import Edge, EdgeIn
from lineage_core.store import LineageStore

PROFILES_SHOWN = 10_000  # profiles counted for a removal's report, at most

dry_run_option = click.option(
    "--dry-run", is_flag=True, help="Show what would be removed; change nothing."
)


class _DryRun(Exception):
    """Rolls back a removal that was only rehearsed."""


@main.group()
def remove() -> None:
    """Remove edges and assets recorded by mistake (--dry-run shows what would go)."""


@remove.command("edge")
@click.argument("source", required=False)
@click.argument("target", required=False)
@click.option("--job", help="Only the edges of this Dagster job ('' for edges without one).")
@click.option("--op", help="Only the edges of this op ('' for edges without one).")
@click.option("--code-location", help="Only the edges of this code location ('' for none).")
@click.option(
    "--from-file",
    type=click.File("rb"),
    help="Instead: the edges a JSON Lines FILE names (- for stdin), as `lineage import` reads "
    "it; undoes that import.",
)
@click.option("--skip-invalid", is_flag=True, help="With --from-file: act on the valid lines only.")
@click.option(
    "--prune-assets",
    is_flag=True,
    help="With --from-file: also remove the file's assets left with no edge and no profile.",
)
@dry_run_option
@json_option
@pass_options
def remove_edge(
    options: Options,
    source: str | None,
    target: str | None,
    job: str | None,
    op: str | None,
    code_location: str | None,
    from_file,
    skip_invalid: bool,
    prune_assets: bool,
    dry_run: bool,
    as_json: bool,
) -> None:
    """Remove the edges from SOURCE to TARGET (all of them, or those of --job, --op and
    --code-location), or every edge a --from-file names."""
    if from_file is not None:
        if source or target or any(v is not None for v in (job, op, code_location)):
            raise click.UsageError("Give SOURCE and TARGET (with filters) or --from-file, not both")
        _remove_listed(options, from_file, skip_invalid, prune_assets, dry_run, as_json)
        return
    if not (source and target):
        raise click.UsageError("Give SOURCE and TARGET, or --from-file FILE")
    if skip_invalid or prune_assets:
        raise click.UsageError("--skip-invalid and --prune-assets go with --from-file")
    with options.store() as store, store.transaction():  # what is shown is what goes
        source = store.get_asset(source).qualified_name
        target = store.get_asset(target).qualified_name
        wanted = {"job": job, "op": op, "code location": code_location}
        found = [
            edge
            for edge in store.edges(source, include_retired=True, limit=1_000_000)
            if (edge.source, edge.target) == (source, target) and _matches(edge, wanted)
        ]
        if not found:
            narrowed = ", ".join(
                f"{key} {value!r}" for key, value in wanted.items() if value is not None
            )
            raise NotFound(
                f"No edge from {source} to {target}" + (f" with {narrowed}" if narrowed else "")
            )
        if not dry_run:
            store.remove_edges(source, target, job=job, op=op, code_location=code_location)
    if as_json:
        print_json(
            {"dryRun": dry_run, "edgesRemoved": len(found), "edges": [e.to_json() for e in found]}
        )
        return
    click.echo(f"{'Would remove' if dry_run else 'Removed'} {len(found)} edge(s):")
    _edge_table(found)


@remove.command("asset")
@click.argument("name")
@click.option("--with-edges", is_flag=True, help="Also remove the edges into and out of NAME.")
@dry_run_option
@json_option
@pass_options
def remove_asset(options: Options, name: str, with_edges: bool, dry_run: bool, as_json: bool):
    """Remove asset NAME with its profile history; refused while edges touch it, unless
    --with-edges."""
    with options.store() as store, store.transaction():
        name = store.get_asset(name).qualified_name
        profiles = len(store.profiles(name, limit=PROFILES_SHOWN))
        edges = store.remove_asset(name, with_edges=with_edges, dry_run=dry_run)
    if as_json:
        print_json(
            {
                "dryRun": dry_run,
                "asset": name,
                "edgesRemoved": len(edges),
                "profilesRemoved": profiles,
                "edges": [e.to_json() for e in edges],
            }
        )
        return
    shown = f"{profiles}+" if profiles == PROFILES_SHOWN else str(profiles)
    click.echo(
        f"{'Would remove' if dry_run else 'Removed'} asset {name} and {len(edges)} edge(s), "
        f"with {shown} profile(s)"
    )
    if edges:
        _edge_table(edges)


def _remove_listed(
    options: Options, source, skip_invalid: bool, prune: bool, dry_run: bool, as_json: bool
) -> None:
    """Remove the edge each line names, keyed as ``lineage import`` recorded it (a line
    without a job, op or code location names the edge recorded without one), in one
    transaction; lines naming no stored edge are counted, so undoing twice is harmless."""
    edges, problems = parse_edge_lines(source, skip_invalid=skip_invalid)
    report_skipped(problems)
    removed = not_found = 0
    pruned: list[str] = []
    with options.store() as store:
        try:
            with store.transaction():
                for edge in edges:
                    count = _remove_named(store, edge)
                    removed += count
                    not_found += not count
                if prune:
                    pruned = _prune(
                        store, sorted({e.source for e in edges} | {e.target for e in edges})
                    )
                if dry_run:
                    raise _DryRun
        except _DryRun:
            pass
    if as_json:
        print_json(
            {
                "dryRun": dry_run,
                "edgesRemoved": removed,
                "linesNotFound": not_found,
                "linesSkipped": len(problems),
                "assetsRemoved": pruned,
            }
        )
        return
    click.echo(
        f"{'Would remove' if dry_run else 'Removed'} {removed} edge(s)"
        + (f" and {len(pruned)} asset(s) left without edges" if prune else "")
        + f"; {not_found} line(s) named no stored edge, {len(problems)} line(s) skipped"
    )


def _matches(edge: Edge, wanted: dict[str, str | None]) -> bool:
    """Whether ``edge`` has the job, op and code location wanted (None: any; '': none)."""
    values = {"job": edge.job, "op": edge.op, "code location": edge.code_location}
    return all(value is None or (values[key] or "") == value for key, value in wanted.items())


def _remove_named(store: LineageStore, edge: EdgeIn) -> int:
    try:
        return store.remove_edges(
            edge.source,
            edge.target,
            job=edge.job or "",
            op=edge.op or "",
            code_location=edge.code_location or "",
        )
    except AssetNotFound:
        return 0


def _prune(store: LineageStore, names: Sequence[str]) -> list[str]:
    """Remove the named assets that no edge touches and no profile describes."""
    pruned = []
    for name in names:
        try:
            if store.edges(name, include_retired=True, limit=1) or store.profiles(name, limit=1):
                continue
        except AssetNotFound:
            continue
        store.remove_asset(name)
        pruned.append(name)
    return pruned


def _edge_table(edges: Sequence[Edge]) -> None:
    table(
        ["source", "target", "job/op", "code location", "runs", "state"],
        [
            (
                e.source, e.target, f"{e.job or ''}/{e.op or ''}", e.code_location,
                e.execution_count, "active" if e.active else "retired",
            )
            for e in edges
        ],
    )  # fmt: skip
