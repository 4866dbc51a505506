"""``lineage serve``: the explorer's HTTP API and page on uvicorn."""

from __future__ import annotations

import click

from lineage_core.cli.app import Options, main, pass_options
from lineage_core.errors import LineageError
from lineage_core.store.held import DEFAULT_HELD_EDGES


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", type=int, default=3100, show_default=True, help="Port (0: a free one).")
@click.option(
    "--no-auth",
    is_flag=True,
    help="Serve the global --tenant without tokens (loopback addresses only).",
)
@click.option("--dagster-url", help="The Dagster UI's URL, for the page's links to it.")
@click.option(
    "--openlineage-namespace",
    "openlineage_namespaces",
    multiple=True,
    metavar="NAMESPACE=DATABASE",
    help="The database of an OpenLineage dataset namespace (postgres://wh:5432=warehouse), "
    "for events posted to /api/v1/lineage; repeatable, over $LINEAGE_OPENLINEAGE_NAMESPACES.",
)
@click.option(
    "--hold-graph-edges",
    type=click.IntRange(min=0),
    default=DEFAULT_HELD_EDGES,
    show_default=True,
    help="Walk a copy of each tenant's graph held in memory while it has at most this many "
    "active edges (about 210 bytes each, names included); 0 walks the database only.",
)
@pass_options
def serve(
    options: Options,
    host: str,
    port: int,
    no_auth: bool,
    dagster_url: str | None,
    openlineage_namespaces: tuple[str, ...] = (),
    hold_graph_edges: int = DEFAULT_HELD_EDGES,
) -> None:
    """Serve the lineage explorer: the REST API under /api/lineage and the page at /, and
    OpenLineage events in at /api/v1/lineage."""
    from lineage_core.server import open_server_store
    from lineage_core.server.auth import require_loopback_bind
    from lineage_core.server.serve import serve as run_server

    if no_auth:
        require_loopback_bind(host)
    namespaces = _namespaces(openlineage_namespaces)
    with options.store() as store:  # the command's checks: an existing store, one-line errors
        where = store.backend.describe()
    server_store = open_server_store(
        options.url, tenant=options.tenant, hold_graph=hold_graph_edges
    )

    def ready(url: str) -> None:
        served = f"tenant {options.tenant}, no tokens" if no_auth else "bearer tokens"
        click.echo(f"Lineage explorer on {url} ({served}; store {where})", err=True)
        if not no_auth and not _any_token(server_store):
            click.echo(
                "No API token yet: make one with `lineage token create --tenant T --name N`",
                err=True,
            )

    try:
        run_server(
            store=server_store,
            host=host,
            port=port,
            tenant=options.tenant,
            auth=not no_auth,
            dagster_url=dagster_url,
            ready=ready,
            openlineage_namespaces=namespaces,
        )
    finally:
        server_store.close()


def _namespaces(given: tuple[str, ...]) -> dict[str, str]:
    """``NAMESPACE=DATABASE`` options over the environment's map; the namespace holds
    colons and slashes, so the last ``=`` splits."""
    from lineage_core.openlineage.naming import namespaces_from_env

    found = namespaces_from_env()
    for item in given:
        namespace, equals, database = item.rpartition("=")
        if not equals or not namespace.strip() or not database.strip():
            raise click.BadParameter(
                f"{item!r} is not NAMESPACE=DATABASE", param_hint="--openlineage-namespace"
            )
        found[namespace.strip()] = database.strip()
    return found


def _any_token(store) -> bool:
    try:
        return any(found.active for found in store.tokens())
    except LineageError:  # listing tokens is an operator's: a standard tenant cannot tell
        return True
