"""``lineage sql``: show what a SQL script reads, writes and computes, without a store.

Kept apart from ``cli.py`` so the command can be tried on its own and registered with
``main.add_command(sql_command)``. Warnings are part of the answer, not a failure: the exit
code is 0 whenever the SQL could be read at all.
"""

from __future__ import annotations

import json
import logging

import click

from lineage_core.errors import LineageError
from lineage_core.models import SqlLineage
from lineage_core.sql import SUPPORTED_DIALECTS, extract_lineage


@click.command("sql")
@click.argument("source", type=click.File("r", encoding="utf-8"), default="-")
@click.option(
    "--dialect",
    type=click.Choice(SUPPORTED_DIALECTS, case_sensitive=False),
    default=None,
    help="SQL dialect of the script (default: generic SQL, PostgreSQL-like names).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the SqlLineage JSON document.")
def sql_command(source: click.utils.LazyFile, dialect: str | None, as_json: bool) -> None:
    """Print the tables SOURCE (a file, or - for standard input) reads and writes."""
    # sqlglot logs every statement it keeps as an opaque command; our warnings already say so.
    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    text = source.read()
    try:
        lineage = extract_lineage(text, dialect)
    except LineageError as error:
        raise click.UsageError(str(error)) from error
    if as_json:
        click.echo(json.dumps(lineage.to_json(), indent=2))
    else:
        click.echo(render_text(lineage))


def render_text(lineage: SqlLineage) -> str:
    """A summary a person can scan: tables first, then column mappings, then warnings."""
    lines = [f"dialect: {lineage.dialect or 'generic'}"]
    lines.append(f"reads ({len(lineage.reads)}):")
    lines.extend(f"  {name}" for name in lineage.reads)
    lines.append(f"writes ({len(lineage.writes)}):")
    lines.extend(f"  {name}" for name in lineage.writes)
    lines.append(f"columns ({len(lineage.columns)}):")
    for mapping in lineage.columns:
        label = f"  [{mapping.transformation}]" if mapping.transformation else ""
        lines.append(f"  {mapping.target} <- {', '.join(mapping.sources)}{label}")
    if lineage.warnings:
        lines.append(f"warnings ({len(lineage.warnings)}):")
        lines.extend(f"  {warning}" for warning in lineage.warnings)
    return "\n".join(lines)
