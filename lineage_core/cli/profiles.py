"""``lineage profile`` and ``lineage profiles``: table profiles and their history."""

from __future__ import annotations

import click

from lineage_core.cli.app import Options, json_option, main, pass_options, print_json, table
from lineage_core.errors import AssetNotFound


def _print_profile(profile, as_json: bool) -> None:
    if as_json:
        print_json(profile.to_json())
        return
    size = f", {profile.table_size_bytes} bytes" if profile.table_size_bytes is not None else ""
    duplicates = "unknown" if profile.duplicate_count is None else profile.duplicate_count
    click.echo(
        f"{profile.asset}: {profile.row_count} rows, {profile.column_count} columns{size}, "
        f"{duplicates} duplicate rows (profiled {profile.profiled_at}, "
        f"{'exact' if profile.exact else 'approximate distincts where large'})"
    )
    table(
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
    options: Options, name: str, connection: str | None, exact: bool, timeout: float, as_json: bool
) -> None:
    """Profile table NAME through a connection and keep the profile in its history."""
    from lineage_core.connections import connection_for_table, named_connections, resolve_connection
    from lineage_core.profiling import profile_table

    connections = named_connections()
    # A connection given here is the user's choice for this one table, so it wins; without
    # one the table resolves as it does in the profiling job.
    where = None if connection is None else resolve_connection(connection, connections)
    with options.store() as store:
        store.require_lineage()  # first: a refusal must cost the warehouse nothing
        if where is None:
            try:
                recorded = store.get_asset(name).connection
            except AssetNotFound:
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
def profiles(options: Options, name: str, limit: int, as_json: bool) -> None:
    """Profile history of NAME, newest first."""
    with options.store() as store:
        found = store.profiles(name, limit=limit)
    if as_json:
        print_json({"asset": name, "profiles": [p.to_json() for p in found]})
        return
    table(
        ["profiled", "rows", "columns", "duplicates", "null %", "schema drift"],
        [
            (
                p.profiled_at, p.row_count, p.column_count, p.duplicate_count, p.null_percentage,
                "yes" if p.drift is not None and p.drift.schema_changed else "",
            )
            for p in found
        ],
    )  # fmt: skip
