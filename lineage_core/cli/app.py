"""The ``lineage`` group and what its commands share: the store they open, output helpers.

Every command but ``lineage init`` opens an existing store and refuses a missing one with
where it looked, so a typo in ``--db``, a URL pointed at a warehouse or a shell without
``DAGSTER_HOME`` never creates an empty store that then answers "Unknown asset".
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import click

from lineage_core.errors import AssetNotFound, LineageError, NotFound, StoreNotFound
from lineage_core.store import LineageStore, open_store

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


class Options:
    """The global options, and the store they name."""

    def __init__(self, url: str | None, tenant: str) -> None:
        self.url = url
        self.tenant = tenant

    @contextmanager
    def store(self, *, create: bool = False) -> Iterator[LineageStore]:
        """The store, open for the tenant; only ``create=True`` (``lineage init``) makes one."""
        try:
            store = open_store(self.url, tenant=self.tenant, create=create)
        except StoreNotFound as exc:
            if self.url is None:
                raise StoreNotFound(f"{exc} ({_default_origin()})") from None
            raise
        try:
            yield store
        except AssetNotFound as exc:
            if not _is_empty(store):
                raise
            raise NotFound(
                f"{exc}: the lineage store {store.backend.describe()} is empty (no assets for "
                f"tenant {self.tenant!r}); point --db, LINEAGE_DATABASE_URL or DAGSTER_HOME at "
                "the store your pipelines write to"
            ) from None
        finally:
            store.close()


def _default_origin() -> str:
    if os.environ.get("DAGSTER_HOME"):
        return "the default store: lineage.db under $DAGSTER_HOME"
    return (
        "the per-user default, as none of --db, LINEAGE_DATABASE_URL and DAGSTER_HOME is set; "
        "set DAGSTER_HOME to the Dagster home your pipelines run with to use their store"
    )


def _is_empty(store: LineageStore) -> bool:
    try:
        return not store.assets(limit=1)
    except LineageError:
        return False


pass_options = click.make_pass_decorator(Options)
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
    ctx.obj = Options(url, tenant)


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, default=str))


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    click.echo("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    click.echo("  ".join("-" * w for w in widths))
    for row in cells:
        click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


def progress(label: str, total: int) -> Callable[[int], None] | None:
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


def report_skipped(problems: Sequence[tuple[int, str]]) -> None:
    for line, why in problems:
        click.echo(f"lineage: skipped line {line}: {why}", err=True)
