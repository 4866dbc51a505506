"""``lineage openlineage``: upkeep of what ``POST /api/v1/lineage`` keeps.

Every OpenLineage run event received is kept, so that the run's later events merge with it;
``prune`` deletes the events of runs that have been idle longer than ``--older-than``. The
edges and execution rows recorded from them stay as they are (see
:meth:`~lineage_core.store.LineageStore.prune_openlineage_events`). The refresh job does the
same on its schedule (its ``openlineage_retention``); this is for a store without Dagster,
or to shed a backlog now.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import click

from lineage_core.cli.app import Options, json_option, main, pass_options, print_json
from lineage_core.cli.history import DURATION
from lineage_core.timestamps import earlier


@main.group()
def openlineage() -> None:
    """OpenLineage events kept by `lineage serve`: prune old ones."""


@openlineage.command("prune")
@click.option(
    "--older-than",
    "older_than",
    type=DURATION,
    required=True,
    help="Prune the events of runs none of whose events came in within this span "
    "(30d, 12h, 1d12h; units s, m, h, d, w).",
)
@click.option("--dry-run", is_flag=True, help="Count what would be pruned; delete nothing.")
@json_option
@pass_options
def openlineage_prune(
    options: Options, older_than: timedelta, dry_run: bool, as_json: bool
) -> None:
    """Delete the kept OpenLineage events of the runs of --tenant idle for longer than
    --older-than; their edges and execution rows stay."""
    before = earlier(datetime.now(UTC), older_than)
    with options.store() as store:
        pruned = store.prune_openlineage_events(before=before, dry_run=dry_run)
    if as_json:
        print_json(pruned.to_json())
        return
    verb = "Would prune" if dry_run else "Pruned"
    click.echo(
        f"{verb} {pruned.events_removed} OpenLineage event(s) of {pruned.runs_removed} run(s) "
        f"with no event since {before.strftime('%Y-%m-%d %H:%M:%S UTC')}"
    )
