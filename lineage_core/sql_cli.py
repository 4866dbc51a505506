"""``lineage sql``: show what a SQL script reads, writes and computes, without a store.

Kept apart from ``cli.py`` so the command can be tried on its own and registered with
``main.add_command(sql_command)``. Warnings are part of the answer, not a failure: the exit
code is 0 whenever some of the SQL could be read. When none could (the input holds no
statement, or sqlglot could parse none of them) the answer is still printed, but the exit
code is 1 and one line on stderr says why, so that a script or CI step notices.
"""

from __future__ import annotations

import json
import logging

import click

from lineage_core.errors import LineageError
from lineage_core.models import SqlLineage
from lineage_core.sql import SUPPORTED_DIALECTS, extract_lineage, split_statements


@click.command("sql")
@click.argument("source", type=click.File("r", encoding="utf-8"), default="-")
@click.option(
    "--dialect",
    type=click.Choice(SUPPORTED_DIALECTS, case_sensitive=False),
    default=None,
    help="SQL dialect of the script (default: generic SQL, PostgreSQL-like names).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the SqlLineage JSON document.")
@click.option(
    "--files",
    is_flag=True,
    help='Also record files read and written (read_parquet, COPY ... TO) as file."<path>".',
)
def sql_command(
    source: click.utils.LazyFile, dialect: str | None, as_json: bool, files: bool
) -> None:
    """Print the tables SOURCE (a file, or - for standard input) reads, writes and feeds."""
    # sqlglot logs every statement it keeps as an opaque command; our warnings already say so.
    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    text = source.read()
    try:
        lineage = extract_lineage(text, dialect, files=files)
    except LineageError as error:
        raise click.UsageError(str(error)) from error
    if as_json:
        click.echo(json.dumps(lineage.to_json(), indent=2))
    else:
        click.echo(render_text(lineage))
    problem = nothing_parsed(text, lineage)
    if problem is not None:
        click.echo(f"lineage sql: {problem}", err=True)
        click.get_current_context().exit(1)


def nothing_parsed(text: str, lineage: SqlLineage) -> str | None:
    """Why none of ``text`` could be read, or None when at least one statement parsed."""
    statements = len(split_statements(text, lineage.dialect))
    if statements == 0:
        return "the input holds no SQL statement"
    failed = {issue.statement for issue in lineage.errors if issue.kind == "parse"}
    if len(failed) >= statements:
        if statements == 1:
            return "the statement could not be parsed"
        return f"none of the {statements} statements could be parsed"
    return None


def render_text(lineage: SqlLineage) -> str:
    """A summary a person can scan: tables, then which fed which, columns, then warnings."""
    lines = [f"dialect: {lineage.dialect or 'generic'}"]
    lines.append(f"reads ({len(lineage.reads)}):")
    lines.extend(f"  {name}" for name in lineage.reads)
    lines.append(f"writes ({len(lineage.writes)}):")
    lines.extend(f"  {name}" for name in lineage.writes)
    if lineage.files:
        lines.append(f"files ({len(lineage.files)}):")
        lines.extend(f"  {name}" for name in lineage.files)
    lines.append(f"flows ({len(lineage.flows)}):")
    lines.extend(f"  {flow.source} -> {flow.target}" for flow in lineage.flows)
    lines.append(f"columns ({len(lineage.columns)}):")
    for mapping in lineage.columns:
        label = f"  [{mapping.transformation}]" if mapping.transformation else ""
        lines.append(f"  {mapping.target} <- {', '.join(mapping.sources)}{label}")
    if lineage.warnings:
        lines.append(f"warnings ({len(lineage.warnings)}):")
        lines.extend(f"  {warning}" for warning in lineage.warnings)
    return "\n".join(lines)
