"""The ``lineage`` command: the store's questions from a shell.

Human-readable tables by default; ``--json`` prints the design document's response shapes.
Every error this library raises on purpose becomes one line on stderr and a non-zero exit,
never a traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import click

from lineage_core.errors import LineageError, NotFound
from lineage_core.export import FORMATS, export_graph
from lineage_core.importing import parse_edge_lines
from lineage_core.models import LineageGraph
from lineage_core.resolution import probable_duplicates
from lineage_core.sql_cli import sql_command
from lineage_core.store import LineageStore, default_database_url, open_store

EXIT_ERROR = 1
EXIT_NOT_FOUND = 2


class _Group(click.Group):
    """Turns our errors into one line and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except NotFound as exc:
            click.echo(f"lineage: {exc}", err=True)
            ctx.exit(EXIT_NOT_FOUND)
        except LineageError as exc:
            click.echo(f"lineage: {exc}", err=True)
            ctx.exit(EXIT_ERROR)


class _Options:
    def __init__(self, url: str | None, tenant: str) -> None:
        self.url = url
        self.tenant = tenant

    @contextmanager
    def store(self) -> Iterator[LineageStore]:
        store = open_store(self.url, tenant=self.tenant)
        try:
            yield store
        finally:
            store.close()


pass_options = click.make_pass_decorator(_Options)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")
depth_option = click.option(
    "--depth", "max_depth", type=int, default=15, show_default=True, help="Levels to walk (1-100)."
)


@click.group(cls=_Group)
@click.option(
    "--db",
    "url",
    envvar="LINEAGE_DATABASE_URL",
    help="sqlite:///path.db or postgresql://user@host:port/db "
    "(default: $LINEAGE_DATABASE_URL, else lineage.db under $DAGSTER_HOME, else a per-user file).",
)
@click.option("--tenant", default="default", show_default=True, help="Tenant to act for.")
@click.pass_context
def main(ctx: click.Context, url: str | None, tenant: str) -> None:
    """Table lineage, impact analysis and profiles of your Dagster pipelines."""
    ctx.obj = _Options(url, tenant)


def _print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, default=str))


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    click.echo("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    click.echo("  ".join("-" * w for w in widths))
    for row in cells:
        click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


def _progress(label: str, total: int) -> Callable[[int], None] | None:
    """A progress bar on a terminal, nothing when output is piped."""
    if not sys.stderr.isatty():
        return None
    bar = click.progressbar(length=total, label=label, file=sys.stderr)
    bar.__enter__()
    state = {"done": 0}

    def update(done: int) -> None:
        bar.update(done - state["done"])
        state["done"] = done
        if done >= total:
            bar.__exit__(None, None, None)

    return update


@main.command()
@pass_options
def init(options: _Options) -> None:
    """Create (or upgrade) the store and show where it is."""
    with options.store() as store:
        click.echo(f"Lineage store ready: {store.backend.describe()}")
        for tenant in store.tenants():
            click.echo(f"  tenant {tenant.name} ({tenant.edition.value})")
    if options.url is None:
        click.echo(f"(default location: {default_database_url()})")


@main.command("import")
@click.argument("source", type=click.File("r"), default="-")
@click.option("--skip-invalid", is_flag=True, help="Import the valid lines, report the others.")
@json_option
@pass_options
def import_(options: _Options, source, skip_invalid: bool, as_json: bool) -> None:
    """Import edges from a JSON Lines FILE (- for stdin), all or nothing."""
    edges, problems = parse_edge_lines(source, skip_invalid=skip_invalid)
    for line, why in problems:
        click.echo(f"lineage: skipped line {line}: {why}", err=True)
    with options.store() as store:
        result = store.record_edges(edges, progress=_progress("Importing edges", len(edges)))
    if as_json:
        _print_json({**result.to_json(), "linesSkipped": len(problems)})
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
def assets(options: _Options, search: str | None, limit: int, offset: int, as_json: bool) -> None:
    """List known assets."""
    with options.store() as store:
        found = store.assets(search=search, limit=limit, offset=offset)
    if as_json:
        _print_json({"assets": [a.to_json() for a in found], "totalAssets": len(found)})
        return
    _table(
        ["asset", "type", "source", "target"],
        [
            (a.qualified_name, a.type, "yes" if a.is_source else "", "yes" if a.is_target else "")
            for a in found
        ],
    )


def _print_graph(graph: LineageGraph, as_json: bool) -> None:
    if as_json:
        _print_json(graph.to_json())
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
    _table(
        ["depth", "asset", "type", "jobs"],
        [
            (n.depth, n.qualified_name, n.type, ", ".join(sorted(via.get(n.id, ()))))
            for n in graph.nodes
        ],
    )


def _walk_command(direction: str) -> Callable[..., None]:
    @click.argument("name")
    @depth_option
    @click.option("--max-nodes", type=int, default=100_000, show_default=True)
    @json_option
    @pass_options
    def command(
        options: _Options, name: str, max_depth: int, max_nodes: int, as_json: bool
    ) -> None:
        with options.store() as store:
            graph = getattr(store, direction)(name, max_depth, max_nodes=max_nodes)
        _print_graph(graph, as_json)

    command.__doc__ = {
        "upstream": "Assets that feed NAME, up to --depth levels.",
        "downstream": "Assets fed by NAME, down to --depth levels.",
        "full": "Upstream and downstream of NAME together.",
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
@json_option
@pass_options
def impact(
    options: _Options, name: str, live: bool, limit: int, offset: int, max_depth: int, as_json: bool
) -> None:
    """What breaks if NAME changes: downstream assets and the Dagster jobs touching them."""
    with options.store() as store:
        result = store.impact(name, live=live, limit=limit, offset=offset, max_depth=max_depth)
    if as_json:
        _print_json(result.to_json())
        return
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
        _table(
            ["job", "code location", "ops"],
            [
                (j.workflow_name, j.code_location, ", ".join(j.ops))
                for j in result.affected_workflows
            ],
        )
    if result.downstream_assets:
        click.echo("")
        _table(["depth", "asset"], [(n.depth, n.qualified_name) for n in result.downstream_assets])
        shown = result.page_offset + len(result.downstream_assets)
        if shown < result.total_impacted_assets:
            click.echo(f"... {result.total_impacted_assets - shown} more (use --offset {shown})")


@main.command("refresh-cache")
@click.option(
    "--all", "everything", is_flag=True, help="Recompute every entry, not only stale ones."
)
@json_option
@pass_options
def refresh_cache(options: _Options, everything: bool, as_json: bool) -> None:
    """Recompute the impact cache (stale entries by default)."""
    bar_state: dict[str, Any] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if sys.stderr.isatty():
            click.echo(f"\r{stage}: {done}/{total}", nl=False, err=True)
            bar_state["shown"] = True

    with options.store() as store:
        result = store.refresh_impact_cache(stale_only=not everything, progress=progress)
    if bar_state:
        click.echo("", err=True)
    if as_json:
        _print_json(result.to_json())
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
def export(options: _Options, name: str, fmt: str, direction: str, max_depth: int) -> None:
    """Export the lineage graph of NAME as JSON, Mermaid or Graphviz DOT."""
    with options.store() as store:
        graph = getattr(store, direction)(name, max_depth)
    click.echo(export_graph(graph, fmt), nl=False)


@main.command()
@click.argument("name")
@json_option
@pass_options
def jobs(options: _Options, name: str, as_json: bool) -> None:
    """The Dagster jobs and ops that read or write NAME."""
    with options.store() as store:
        found = store.jobs_for_asset(name)
    if as_json:
        _print_json(
            {"asset": name, "workflows": [r.to_json() for r in found], "totalWorkflows": len(found)}
        )
        return
    _table(
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
def job_assets(options: _Options, job: str, code_location: str | None, as_json: bool) -> None:
    """The tables a Dagster JOB reads and writes."""
    with options.store() as store:
        result = store.job_assets(job, code_location=code_location)
    if as_json:
        _print_json(result.to_json())
        return
    _table(
        ["access", "asset"],
        [("read", name) for name in result.reads] + [("write", name) for name in result.writes],
    )


def _print_profile(profile, as_json: bool) -> None:
    if as_json:
        _print_json(profile.to_json())
        return
    size = f", {profile.table_size_bytes} bytes" if profile.table_size_bytes is not None else ""
    duplicates = "unknown" if profile.duplicate_count is None else profile.duplicate_count
    click.echo(
        f"{profile.asset}: {profile.row_count} rows, {profile.column_count} columns{size}, "
        f"{duplicates} duplicate rows (profiled {profile.profiled_at}, "
        f"{'exact' if profile.exact else 'approximate distincts where large'})"
    )
    _table(
        ["column", "type", "nulls", "null %", "distinct", "min", "max", "mean"],
        [
            (
                c.column_name, c.data_type, c.null_count, c.null_percentage,
                f"~{c.distinct_count}" if c.distinct_approximate else c.distinct_count,
                c.min, c.max, None if c.mean is None else round(c.mean, 4),
            )
            for c in profile.column_profiles
        ],
    )  # fmt: skip
    drift = profile.drift
    if drift is not None and (drift.schema_changed or drift.large_swings):
        from lineage_core.profiling.drift import describe_schema_change

        click.echo(f"drift: {describe_schema_change(drift)}; {'; '.join(drift.large_swings)}")


@main.command()
@click.argument("name")
@click.option(
    "--connection",
    help="A connection name from $LINEAGE_CONNECTIONS, or a database URL / file location. "
    "Default: as the profiling job finds it, the connection recorded on the table's asset, "
    "then the connection named like the table's first part.",
)
@click.option("--exact", is_flag=True, help="Exact distinct and duplicate counts.")
@click.option("--timeout", type=float, default=300.0, show_default=True, help="Seconds.")
@json_option
@pass_options
def profile(
    options: _Options, name: str, connection: str | None, exact: bool, timeout: float, as_json: bool
) -> None:
    """Profile table NAME through a connection and keep the profile in its history."""
    from lineage_core.connections import connection_for_table, named_connections, resolve_connection
    from lineage_core.profiling import profile_table

    connections = named_connections()
    # A connection given here is the user's choice for this one table, so it wins; without
    # one the table resolves as it does in the profiling job.
    where = None if connection is None else resolve_connection(connection, connections)
    with options.store() as store:
        if where is None:
            try:
                recorded = store.get_asset(name).connection
            except LineageError:
                recorded = None
            where = connection_for_table(name, asset_connection=recorded, connections=connections)
        result = profile_table(name, where, exact=exact, timeout_seconds=timeout)
        stored = store.add_profile(result)
    _print_profile(stored, as_json)


@main.command()
@click.argument("name")
@click.option("--limit", type=int, default=10, show_default=True)
@json_option
@pass_options
def profiles(options: _Options, name: str, limit: int, as_json: bool) -> None:
    """Profile history of NAME, newest first."""
    with options.store() as store:
        found = store.profiles(name, limit=limit)
    if as_json:
        _print_json({"asset": name, "profiles": [p.to_json() for p in found]})
        return
    _table(
        ["profiled", "rows", "columns", "duplicates", "null %", "schema drift"],
        [
            (
                p.profiled_at, p.row_count, p.column_count, p.duplicate_count, p.null_percentage,
                "yes" if p.drift is not None and p.drift.schema_changed else "",
            )
            for p in found
        ],
    )  # fmt: skip


@main.group()
def tenant() -> None:
    """Manage tenants and their editions."""


@tenant.command("add")
@click.argument("name")
@click.option(
    "--edition", type=click.Choice(["standard", "premium"]), default="standard", show_default=True
)
@pass_options
def tenant_add(options: _Options, name: str, edition: str) -> None:
    """Create a tenant."""
    with options.store() as store:
        created = store.create_tenant(name, edition=edition)
    click.echo(f"Created tenant {created.name} ({created.edition.value})")


@tenant.command("list")
@json_option
@pass_options
def tenant_list(options: _Options, as_json: bool) -> None:
    """List tenants."""
    with options.store() as store:
        found = store.tenants()
    if as_json:
        _print_json({"tenants": [t.to_json() for t in found]})
        return
    _table(
        ["tenant", "edition", "created"], [(t.name, t.edition.value, t.created_at) for t in found]
    )


@tenant.command("set")
@click.argument("name")
@click.option("--edition", type=click.Choice(["standard", "premium"]), required=True)
@pass_options
def tenant_set(options: _Options, name: str, edition: str) -> None:
    """Change a tenant's edition."""
    with options.store() as store:
        changed = store.set_edition(name, edition)
    click.echo(f"Tenant {changed.name} is now on the {changed.edition.value} edition")


@main.command()
@json_option
@pass_options
def doctor(options: _Options, as_json: bool) -> None:
    """Find names that probably denote one table (exit status 1 when there are some)."""
    with options.store() as store:
        names, offset = [], 0
        while page := store.assets(limit=10_000, offset=offset):
            names += [asset.qualified_name for asset in page]
            offset += len(page)
    found = probable_duplicates(names)
    if as_json:
        _print_json(
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


main.add_command(sql_command)

__all__ = ["main"]
