"""``lineage check``: the impact of a change before it merges, for a pull request.

The work is :mod:`lineage_core.change_impact`'s; this module reads the files and the
manifest, and renders the report as text for people, Markdown for a pull-request comment
(short: a headline, counts, new and removed dependencies, the listings capped and folded) or
JSON. The exit status is 1 when a written table has more downstream assets than
``--max-downstream``; SQL that does not parse is reported, never a failure of the check.
"""

from __future__ import annotations

import html
import json
import logging
from collections.abc import Sequence

import click

from lineage_core.change_impact import (
    ChangedFile,
    ChangedText,
    ChangeReport,
    JobContext,
    TableImpact,
    check_changes,
    read_changes,
)
from lineage_core.cli.app import EXIT_ERROR, Options, depth_option, main, pass_options, print_json
from lineage_core.errors import InvalidArgument, InvalidName
from lineage_core.resolution import NameContext
from lineage_core.sql import SUPPORTED_DIALECTS

MARKER = "<!-- lineage-check -->"  # lets a CI job find and update its own comment
WARNINGS_SHOWN = 5


@main.command()
@click.argument("files", nargs=-1, type=click.Path())
@click.option(
    "--dialect",
    type=click.Choice(SUPPORTED_DIALECTS, case_sensitive=False),
    help="SQL dialect of the files (default: generic SQL; dbt: the manifest's adapter).",
)
@click.option("--default-database", help="Database of unqualified names, as the capture's.")
@click.option("--default-schema", help="Schema of unqualified names, as the capture's.")
@click.option(
    "--alias",
    "aliases",
    multiple=True,
    metavar="NAME=TABLE",
    help="A name that stands for a table, as the capture's aliases (repeatable).",
)
@click.option(
    "--dbt-manifest",
    type=click.Path(exists=True, dir_okay=False),
    help="target/manifest.json of this branch (dbt parse or dbt compile): resolves dbt files.",
)
@click.option(
    "--max-downstream",
    type=click.IntRange(min=0),
    help="Exit with status 1 when a written table has more downstream assets than this.",
)
@depth_option
@click.option(
    "--limit",
    "listed",
    type=click.IntRange(min=0),
    default=20,
    show_default=True,
    help="Tables, jobs and downstream assets listed (counts are always complete).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "json"]),
    default="text",
    show_default=True,
)
@pass_options
def check(
    options: Options,
    files: tuple[str, ...],
    dialect: str | None,
    default_database: str | None,
    default_schema: str | None,
    aliases: tuple[str, ...],
    dbt_manifest: str | None,
    max_downstream: int | None,
    max_depth: int,
    listed: int,
    fmt: str,
) -> None:
    """What changing FILES (SQL scripts, dbt models) affects downstream, and which
    dependencies they add or drop (exit status 1 over --max-downstream)."""
    logging.getLogger("sqlglot").setLevel(logging.ERROR)  # our warnings already say it
    names = _names(default_database, default_schema, aliases)
    manifest = _manifest(dbt_manifest) if dbt_manifest else None
    try:
        changed = read_changes(
            [_read(path) for path in files], dialect=dialect, names=names, manifest=manifest
        )
    except InvalidArgument as exc:
        raise click.UsageError(str(exc)) from exc
    with options.store() as store:
        report = check_changes(
            changed, store, max_downstream=max_downstream, max_depth=max_depth, listed=listed
        )
    if fmt == "json":
        print_json(report.to_json())
    elif fmt == "markdown":
        click.echo(render_markdown(report, listed))
    else:
        click.echo(render_text(report, listed))
    if report.threshold_crossed:
        click.get_current_context().exit(EXIT_ERROR)


def _names(
    default_database: str | None, default_schema: str | None, aliases: Sequence[str]
) -> NameContext:
    pairs = {}
    for alias in aliases:
        name, sep, table = alias.partition("=")
        if not sep or not name.strip() or not table.strip():
            raise click.BadParameter(f"expected NAME=TABLE, got {alias!r}", param_hint="--alias")
        pairs[name.strip()] = table.strip()
    try:
        return NameContext.build(
            default_database=default_database, default_schema=default_schema, aliases=pairs
        )
    except InvalidName as exc:
        raise click.UsageError(str(exc)) from exc


def _manifest(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as handle:
            manifest = json.load(handle)
    except (OSError, ValueError) as exc:
        raise click.BadParameter(f"cannot read {path}: {exc}", param_hint="--dbt-manifest") from exc
    if not isinstance(manifest, dict) or not isinstance(manifest.get("nodes"), dict):
        raise click.BadParameter(f"{path} is not a dbt manifest", param_hint="--dbt-manifest")
    return manifest


def _read(path: str) -> ChangedText:
    """The file's text as dbt reads it (UTF-8, line endings kept), or why there is none."""
    try:
        with open(path, "rb") as handle:
            return ChangedText(path, handle.read().decode("utf-8"))
    except FileNotFoundError:
        return ChangedText(path, None, "not found (a deleted file is not checked)")
    except IsADirectoryError:
        return ChangedText(path, None, "a directory")
    except UnicodeDecodeError:
        return ChangedText(path, None, "not UTF-8 text")
    except OSError as exc:
        return ChangedText(path, None, exc.strerror or str(exc))


# -- shared wording ----------------------------------------------------------------------


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def _depths(table: TableImpact) -> str:
    return ", ".join(f"{depth}: {count}" for depth, count in sorted(table.counts_by_depth.items()))


def _limit_phrase(report: ChangeReport, table: TableImpact) -> str:
    if report.max_downstream is None:
        return ""
    if table.over_threshold:
        return f"over the limit of {report.max_downstream}"
    return f"within the limit of {report.max_downstream}"


def _context(context: JobContext, code=str) -> str:
    job = code(context.job) if context.job else "(no job)"
    if context.op:
        job += f" / {code(context.op)}"
    if context.code_location:
        job += f" in {code(context.code_location)}"
    return job


def _summary(report: ChangeReport) -> str:
    new = sum(len(t.new_dependencies) for t in report.tables)
    removed = sum(len(t.removed_dependencies) for t in report.tables)
    return (
        f"{_plural(len(report.files), 'changed file')}, "
        f"{_plural(len(report.tables), 'table')} written, "
        f"{_plural(new, 'new dependency', 'new dependencies')}, "
        f"{_plural(removed, 'removed dependency', 'removed dependencies')}"
    )


def headline(report: ChangeReport, *, code=str, strong=str) -> str:
    """The worst impact in one line, and where it stands against the threshold; ``code``
    and ``strong`` mark up a table name and a crossed threshold."""
    if not report.tables:
        return "no table written"
    worst = next((t for t in report.tables if t.table == report.worst_table), None)
    if worst is None:
        return f"{_plural(len(report.tables), 'new table')}, nothing downstream yet"
    text = (
        f"{code(worst.table)} has {_plural(worst.downstream_count, 'downstream asset')} in "
        f"{_plural(worst.job_count, 'Dagster job')}"
    )
    if report.max_downstream is None:
        return text
    over = sum(t.over_threshold for t in report.tables)
    if over:
        limit = f"{_plural(over, 'table')} over the limit of {report.max_downstream}"
        return f"{text}: {strong(limit)}"
    return f"{text}: within the limit of {report.max_downstream}"


def _file_lines(changed: ChangedFile) -> list[str]:
    """What a person should know about one file: notes, then the first warnings."""
    lines = list(changed.notes)
    lines += changed.warnings[:WARNINGS_SHOWN]
    if len(changed.warnings) > WARNINGS_SHOWN:
        lines.append(f"and {len(changed.warnings) - WARNINGS_SHOWN} more warning(s)")
    return lines


# -- text --------------------------------------------------------------------------------


def render_text(report: ChangeReport, listed: int) -> str:
    """A readable summary: the headline, each file, each table."""
    lines = [f"lineage check: {headline(report)}", _summary(report)]
    for changed in report.files:
        lines.append("")
        label = f" ({', '.join(changed.dbt_nodes)})" if changed.dbt_nodes else ""
        lines.append(f"{changed.path}{label}")
        if changed.writes:
            lines.append(f"  writes: {', '.join(changed.writes)}")
        lines += [f"  {line}" for line in _file_lines(changed)]
    for table in report.tables[:listed]:
        lines.append("")
        lines += _table_text(report, table, listed)
    if len(report.tables) > listed:
        lines += ["", f"and {len(report.tables) - listed} more table(s) (--limit, --format json)"]
    return "\n".join(lines)


def _table_text(report: ChangeReport, table: TableImpact, listed: int) -> list[str]:
    if not table.known:
        lines = [f"{table.table}: new table, not in the lineage store: nothing downstream yet"]
        if table.suggestions:
            lines.append(f"  closest known names: {', '.join(table.suggestions)}")
    else:
        limit = _limit_phrase(report, table)
        lines = [
            f"{table.table}: {_plural(table.downstream_count, 'downstream asset')}, "
            f"{_plural(table.job_count, 'Dagster job')}" + (f" ({limit})" if limit else "")
        ]
        if table.counts_by_depth:
            lines.append(f"  by depth: {_depths(table)}")
    lines += [f"  new dependency: {source} -> {table.table}" for source in table.new_dependencies]
    for removed in table.removed_dependencies:
        by = "; ".join(_context(c) for c in removed.recorded_by)
        lines.append(f"  removed dependency: {removed.source} -> {table.table} (recorded by {by})")
    if table.partial:
        lines.append("  the SQL did not fully parse: dependencies may be incomplete")
    lines += [f"  {note}" for note in table.notes]
    for job in table.jobs[:listed]:
        where = f" in {job.code_location}" if job.code_location else ""
        lines.append(f"  job {job.job}{where}: {', '.join(job.ops) or '(no op)'}")
    if len(table.jobs) > listed:
        lines.append(f"  and {len(table.jobs) - listed} more job(s)")
    for asset in table.downstream:
        lines.append(f"  downstream {asset.depth}: {asset.qualified_name}")
    if table.more_downstream:
        lines.append(f"  and {table.more_downstream} more downstream asset(s)")
    return lines


# -- Markdown ----------------------------------------------------------------------------


def _code(text: str) -> str:
    """``text`` as inline code, safe inside a table cell."""
    fence = "``" if "`" in text else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{text}{pad}{fence}".replace("|", "\\|")


def render_markdown(report: ChangeReport, listed: int) -> str:
    """A pull-request comment: headline, a table of the written tables, then per table its
    dependencies called out and its jobs and downstream assets folded and capped."""
    title = headline(report, code=_code, strong=lambda text: f"**{text}**")
    lines = [MARKER, f"### Lineage check: {title}", "", _summary(report)]
    shown = report.tables[:listed]
    if shown:
        lines += [
            "",
            "| table | downstream | by depth | jobs | new deps | removed deps |",
            "| --- | ---: | --- | ---: | ---: | ---: |",
        ]
        for table in shown:
            count = str(table.downstream_count) if table.known else "new table"
            if table.over_threshold:
                count = f"**{count}** (over)"
            lines.append(
                f"| {_code(table.table)} | {count} | {_depths(table) or '-'} | "
                f"{table.job_count} | {len(table.new_dependencies)} | "
                f"{len(table.removed_dependencies)} |"
            )
    for table in shown:
        lines += ["", *_table_markdown(report, table, listed)]
    if len(report.tables) > listed:
        lines += ["", f"And {len(report.tables) - listed} more table(s), not shown."]
    noted = [changed for changed in report.files if _file_lines(changed)]
    if noted:
        lines += ["", "#### Files", ""]
        for changed in noted:
            notes = "; ".join(html.escape(line, quote=False) for line in _file_lines(changed))
            lines.append(f"- {_code(changed.path)}: {notes}")
    return "\n".join(lines)


def _table_markdown(report: ChangeReport, table: TableImpact, listed: int) -> list[str]:
    name = _code(table.table)
    files = ", ".join(_code(path) for path in table.files)
    if not table.known:
        lines = [
            f"#### {name} (new table)",
            "",
            f"Written by {files}. Not in the lineage store: nothing downstream yet.",
        ]
        if table.suggestions:
            known = ", ".join(_code(s) for s in table.suggestions)
            lines[-1] += f" Closest known names: {known}."
    else:
        limit = _limit_phrase(report, table)
        text = (
            f"{_plural(table.downstream_count, 'downstream asset')} in "
            f"{_plural(table.job_count, 'Dagster job')}"
        )
        if limit:
            text += f", **{limit}**" if table.over_threshold else f", {limit}"
        if table.counts_by_depth:
            text += f". By depth: {_depths(table)}"
        lines = [f"#### {name}", "", f"{text}. Written by {files}."]
    bullets = [
        f"- **New dependency:** {_code(source)} → {name}" for source in table.new_dependencies
    ]
    for removed in table.removed_dependencies:
        by = "; ".join(_context(c, _code) for c in removed.recorded_by)
        bullets.append(
            f"- **Removed dependency:** {_code(removed.source)} → {name} (recorded by {by})"
        )
    if table.partial:
        bullets.append("- The SQL did not fully parse: dependencies may be incomplete.")
    bullets += [f"- {note[0].upper()}{note[1:]}." for note in table.notes]
    if bullets:
        lines += ["", *bullets]
    if table.jobs:
        lines += ["", f"<details><summary>Affected jobs ({table.job_count})</summary>", ""]
        lines += ["| job | code location | ops |", "| --- | --- | --- |"]
        for job in table.jobs[:listed]:
            ops = ", ".join(_code(op) for op in job.ops) or "-"
            where = _code(job.code_location) if job.code_location else "-"
            lines.append(f"| {_code(job.job)} | {where} | {ops} |")
        if len(table.jobs) > listed:
            lines += ["", f"and {len(table.jobs) - listed} more"]
        lines += ["", "</details>"]
    if table.downstream:
        shown = len(table.downstream)
        title = (
            f"Downstream assets (first {shown} of {table.downstream_count})"
            if table.more_downstream
            else f"Downstream assets ({shown})"
        )
        lines += ["", f"<details><summary>{title}</summary>", ""]
        lines += ["| depth | asset |", "| ---: | --- |"]
        lines += [f"| {a.depth} | {_code(a.qualified_name)} |" for a in table.downstream]
        if table.more_downstream:
            lines += ["", f"and {table.more_downstream} more"]
        lines += ["", "</details>"]
    return lines
