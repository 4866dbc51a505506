"""The lineage commands: create the store, import edges, list assets, walk, impact, column
mappings, export, jobs, the impact cache and ``doctor``."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from typing import Any

import click

from lineage_core.cli.app import (
    EXIT_ERROR,
    Options,
    depth_option,
    json_option,
    main,
    pass_options,
    print_json,
    progress,
    report_skipped,
    table,
)
from lineage_core.cli.history import as_of_line, as_of_option
from lineage_core.errors import StoreDataError
from lineage_core.export import FORMATS, export_graph
from lineage_core.importing import parse_numbered_edge_lines, refused_lines
from lineage_core.models import ColumnLink, LineageGraph
from lineage_core.resolution import probable_duplicates
from lineage_core.store import default_database_url


@main.command()
@pass_options
def init(options: Options) -> None:
    """Create (or upgrade) the store and show where it is."""
    with options.store(create=True) as store:
        click.echo(f"Lineage store ready: {store.backend.describe()}")
        for tenant in store.tenants():
            click.echo(f"  tenant {tenant.name} ({tenant.edition.value})")
    if options.url is None:
        click.echo(f"(default location: {default_database_url()})")


@main.command("import")
@click.argument("source", type=click.File("rb"), default="-")
@click.option("--skip-invalid", is_flag=True, help="Import the valid lines, report the others.")
@json_option
@pass_options
def import_(options: Options, source, skip_invalid: bool, as_json: bool) -> None:
    """Import edges from a JSON Lines FILE (- for stdin), all or nothing."""
    numbered, problems = parse_numbered_edge_lines(source, skip_invalid=skip_invalid)
    report_skipped(problems)
    edges = [edge for _, edge in numbered]
    with options.store() as store:
        try:
            result = store.record_edges(edges, progress=progress("Importing edges", len(edges)))
        except StoreDataError as exc:
            raise refused_lines(store, numbered, exc) from exc
    if as_json:
        print_json({**result.to_json(), "linesSkipped": len(problems)})
        return
    click.echo(
        f"Imported {len(edges)} edge(s): {result.edges_created} new, {result.edges_updated} "
        f"updated, {result.assets_created} new asset(s), {len(problems)} line(s) skipped"
    )


@main.command()
@click.option("--search", help="Only names containing TEXT (case-insensitive).")
@click.option("--limit", type=int, default=100, show_default=True)
@click.option("--offset", type=int, default=0)
@json_option
@pass_options
def assets(options: Options, search: str | None, limit: int, offset: int, as_json: bool) -> None:
    """List known assets."""
    with options.store() as store:
        found = store.assets(search=search, limit=limit, offset=offset)
    if as_json:
        print_json({"assets": [a.to_json() for a in found], "totalAssets": len(found)})
        return
    table(
        ["asset", "type", "source", "target"],
        [
            (a.qualified_name, a.type, "yes" if a.is_source else "", "yes" if a.is_target else "")
            for a in found
        ],
    )


def _print_graph(graph: LineageGraph, as_json: bool) -> None:
    if as_json:
        print_json(graph.to_json())
        return
    click.echo(
        f"{graph.direction} lineage of {graph.root} "
        f"({graph.total_nodes} assets, depth {graph.max_depth})"
    )
    if graph.truncated:
        click.echo("truncated: the node limit was reached; use --max-nodes to see more")
    via: dict[str, set[str]] = {}
    for edge in graph.edges:
        if edge.workflow_id:
            via.setdefault(edge.target, set()).add(edge.workflow_id)
            via.setdefault(edge.source, set()).add(edge.workflow_id)
    rows = [
        (n.depth, n.qualified_name, n.type, ", ".join(sorted(via.get(n.id, ()))))
        for n in graph.nodes
    ]
    if graph.direction == "full":  # which side of the root each asset lies on
        table(
            ["direction", "depth", "asset", "type", "jobs"],
            [(n.direction, *row) for n, row in zip(graph.nodes, rows, strict=True)],
        )
        return
    table(["depth", "asset", "type", "jobs"], rows)


def _walk_command(direction: str) -> Callable[..., None]:
    @click.argument("name")
    @depth_option
    @click.option("--max-nodes", type=int, default=100_000, show_default=True)
    @as_of_option
    @json_option
    @pass_options
    def command(
        options: Options,
        name: str,
        max_depth: int,
        max_nodes: int,
        as_of: datetime | None,
        as_json: bool,
    ) -> None:
        with options.store() as store:
            graph = getattr(store, direction)(name, max_depth, max_nodes=max_nodes, as_of=as_of)
        if not as_json:
            as_of_line(as_of)
        _print_graph(graph, as_json)

    command.__doc__ = {
        "upstream": "Assets that feed NAME, up to --depth levels.",
        "downstream": "Assets fed by NAME, down to --depth levels.",
        "full": "Upstream and downstream of NAME together.\n\nEach asset says whether it lies "
        "upstream, downstream or both (on a cycle through NAME).",
    }[direction]
    return command


for _direction in ("upstream", "downstream", "full"):
    main.command(_direction)(_walk_command(_direction))


@main.command()
@click.argument("name")
@click.option("--live", is_flag=True, help="Compute now instead of reading the impact cache.")
@click.option("--limit", type=int, default=100, show_default=True, help="Assets per page.")
@click.option("--offset", type=int, default=0)
@depth_option
@as_of_option
@json_option
@pass_options
def impact(
    options: Options,
    name: str,
    live: bool,
    limit: int,
    offset: int,
    max_depth: int,
    as_of: datetime | None,
    as_json: bool,
) -> None:
    """What breaks if NAME changes: downstream assets and the Dagster jobs touching them."""
    with options.store() as store:
        result = store.impact(
            name, live=live, limit=limit, offset=offset, max_depth=max_depth, as_of=as_of
        )
    if as_json:
        print_json(result.to_json())
        return
    as_of_line(as_of)
    source = "cache" if result.cached else "live"
    click.echo(
        f"Changing {result.asset} affects {result.total_impacted_assets} downstream asset(s) and "
        f"{result.total_impacted_workflows} Dagster job(s) ({source})"
    )
    if result.counts_by_depth:
        click.echo(
            "by depth: " + ", ".join(f"{d}: {c}" for d, c in sorted(result.counts_by_depth.items()))
        )
    if result.affected_workflows:
        click.echo("")
        table(
            ["job", "code location", "ops"],
            [
                (j.workflow_name, j.code_location, ", ".join(j.ops))
                for j in result.affected_workflows
            ],
        )
    if result.downstream_assets:
        click.echo("")
        table(["depth", "asset"], [(n.depth, n.qualified_name) for n in result.downstream_assets])
        shown = result.page_offset + len(result.downstream_assets)
        if shown < result.total_impacted_assets:
            click.echo(f"... {result.total_impacted_assets - shown} more (use --offset {shown})")


@main.command()
@click.argument("name")
@json_option
@pass_options
def columns(options: Options, name: str, as_json: bool) -> None:
    """The column mappings into and out of table NAME.

    Each with the job, op and code location of its edge: where to look when a column changes.
    """
    with options.store() as store:
        found = store.asset_columns(name)
    if as_json:
        print_json(found.to_json())
        return
    if not found.incoming and not found.outgoing:
        click.echo(f"No column mappings into or out of {found.asset}")
        return
    _print_column_links(f"into {found.asset}", found.incoming)
    click.echo("")
    _print_column_links(f"out of {found.asset}", found.outgoing)


def _print_column_links(where: str, links: list[ColumnLink]) -> None:
    if not links:
        click.echo(f"No column mappings {where}")
        return
    click.echo(f"Column mappings {where} ({len(links)}):")
    table(
        ["source", "target", "transformation", "job", "op", "code location"],
        [
            (
                f"{link.source_table}.{link.source_column}",
                f"{link.target_table}.{link.target_column}",
                link.transformation,
                link.job,
                link.op,
                link.code_location,
            )
            for link in links
        ],
    )


@main.command("refresh-cache")
@click.option(
    "--all", "everything", is_flag=True, help="Recompute every entry, not only stale ones."
)
@json_option
@pass_options
def refresh_cache(options: Options, everything: bool, as_json: bool) -> None:
    """Recompute the impact cache (stale entries by default)."""
    bar_state: dict[str, Any] = {}

    def show(stage: str, done: int, total: int) -> None:
        if sys.stderr.isatty():
            click.echo(f"\r{stage}: {done}/{total}", nl=False, err=True)
            bar_state["shown"] = True

    with options.store() as store:
        result = store.refresh_impact_cache(stale_only=not everything, progress=show)
    if bar_state:
        click.echo("", err=True)
    if as_json:
        print_json(result.to_json())
        return
    click.echo(
        f"Refreshed {result.entries_refreshed} cache entr"
        f"{'y' if result.entries_refreshed == 1 else 'ies'} "
        f"in {result.seconds:.2f} s ({result.method})"
    )
    for name, count in result.largest:
        click.echo(f"  {name}: {count} downstream")


@main.command()
@click.argument("name")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="json", show_default=True)
@click.option(
    "--direction",
    type=click.Choice(["upstream", "downstream", "full"]),
    default="full",
    show_default=True,
)
@depth_option
@pass_options
def export(options: Options, name: str, fmt: str, direction: str, max_depth: int) -> None:
    """Export the lineage graph of NAME as JSON, Mermaid or Graphviz DOT.

    The JSON gives each edge its column mappings, for tools that work column by column.
    """
    with options.store() as store:
        graph = getattr(store, direction)(name, max_depth)
        mappings = store.edge_columns(graph.edges) if fmt == "json" else None
    click.echo(export_graph(graph, fmt, edge_columns=mappings), nl=False)


@main.command()
@click.argument("name")
@json_option
@pass_options
def jobs(options: Options, name: str, as_json: bool) -> None:
    """The Dagster jobs and ops that read or write NAME."""
    with options.store() as store:
        found = store.jobs_for_asset(name)
    if as_json:
        print_json(
            {"asset": name, "workflows": [r.to_json() for r in found], "totalWorkflows": len(found)}
        )
        return
    table(
        ["job", "op", "code location", "access", "runs", "last run", "last executed"],
        [
            (
                r.job,
                r.op,
                r.code_location,
                r.access,
                r.execution_count,
                r.last_run_id,
                r.last_execution_at,
            )
            for r in found
        ],
    )


@main.command("job-assets")
@click.argument("job")
@click.option("--code-location", help="Only the job of this code location.")
@json_option
@pass_options
def job_assets(options: Options, job: str, code_location: str | None, as_json: bool) -> None:
    """The tables a Dagster JOB reads and writes."""
    with options.store() as store:
        result = store.job_assets(job, code_location=code_location)
    if as_json:
        print_json(result.to_json())
        return
    table(
        ["access", "asset"],
        [("read", name) for name in result.reads] + [("write", name) for name in result.writes],
    )


@main.command()
@json_option
@pass_options
def doctor(options: Options, as_json: bool) -> None:
    """Find names that probably denote one table (exit status 1 when there are some)."""
    with options.store() as store:
        names, offset = [], 0
        while page := store.assets(limit=10_000, offset=offset):
            names += [asset.qualified_name for asset in page]
            offset += len(page)
    found = probable_duplicates(names)
    if as_json:
        print_json(
            {
                "assetsChecked": len(names),
                "probableDuplicates": [
                    {"table": d.table, "names": list(d.names), "fix": d.fix} for d in found
                ],
            }
        )
    elif not found:
        click.echo(f"{len(names)} asset name(s) checked: no two of them look like one table")
    else:
        click.echo(f"{len(found)} table(s) recorded under more than one name:")
        for duplicate in found:
            click.echo(f"  {duplicate.table}: {', '.join(duplicate.names)}")
            click.echo(f"    fix: {duplicate.fix}")
    if found:
        sys.exit(EXIT_ERROR)
