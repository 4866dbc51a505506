"""Lineage over time: ``--as-of`` for the walks and impact, and ``lineage diff``.

A time on the command line is what :func:`~lineage_core.timestamps.parse_timestamp` takes
(ISO 8601; no zone means UTC; a date means its midnight UTC), a span of time what
:func:`~lineage_core.timestamps.parse_duration` takes (``30d``, ``12h``). One that is not is
a usage error: one line on stderr and exit status 2, before the store is opened.

``lineage diff`` renders a :class:`~lineage_core.models.LineageDiff` as a table for people,
JSON (the model's camelCase shape, as the HTTP API answers) or Markdown for a chat or a
pull-request comment.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import click

from lineage_core.cli.app import Options, depth_option, main, pass_options, print_json, table
from lineage_core.errors import InvalidArgument
from lineage_core.models import DiffAsset, DiffEdge, LineageDiff
from lineage_core.timestamps import parse_duration, parse_timestamp

EXIT_USAGE = 2  # as click's own usage errors
FORMATS = ("table", "json", "markdown")


class Parsed(click.ParamType):
    """An option's value as one of :mod:`lineage_core.timestamps`' parsers reads it (a time,
    a span of time); refused in one line, exit 2, as every usage error."""

    def __init__(self, name: str, parse: Callable[[Any, str], Any], what: str) -> None:
        self.name, self._parse, self._what = name, parse, what

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        what = param.opts[0] if param is not None and param.opts else self._what
        try:
            return self._parse(value, what)
        except InvalidArgument as exc:
            click.echo(f"lineage: {exc}", err=True)
            raise click.exceptions.Exit(EXIT_USAGE) from None


TIMESTAMP = Parsed("timestamp", parse_timestamp, "the time")  # an aware UTC datetime
DURATION = Parsed("duration", parse_duration, "the span of time")  # 30d, 12h: a timedelta

as_of_option = click.option(
    "--as-of",
    "as_of",
    type=TIMESTAMP,
    help="Answer over the edges active at this time: ISO 8601 (no zone: UTC) or a date.",
)


def as_of_line(as_of: datetime | None) -> None:
    """Say what moment a table answers for; nothing when it is now."""
    if as_of is not None:
        click.echo(f"as of {_moment(as_of)}")


@main.command()
@click.argument("name")
@click.option("--since", type=TIMESTAMP, help="From this time [default: 7 days before --until].")
@click.option("--until", type=TIMESTAMP, help="To this time [default: now].")
@depth_option
@click.option(
    "--direction",
    type=click.Choice(["downstream", "upstream"]),
    default="downstream",
    show_default=True,
    help="Which side of NAME to compare.",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@pass_options
def diff(
    options: Options,
    name: str,
    since: datetime | None,
    until: datetime | None,
    max_depth: int,
    direction: str,
    fmt: str,
) -> None:
    """Assets and edges added to and removed from NAME's downstream (or upstream) between two
    times, each with when; net changes, as two walks, at --since and at --until, differ
    (--since after --until gives them the other way round)."""
    with options.store() as store:
        found = store.diff(name, since=since, until=until, max_depth=max_depth, direction=direction)
    if fmt == "json":
        print_json(found.to_json())
    elif fmt == "markdown":
        click.echo(render_markdown(found))
    else:
        render_table(found)


def _moment(at: datetime) -> str:
    """A time for people: UTC to the second (the JSON keeps the microseconds)."""
    return at.strftime("%Y-%m-%d %H:%M:%S UTC")


def _summary(found: LineageDiff) -> str:
    return (
        f"{len(found.added_assets)} asset(s) added, {len(found.removed_assets)} removed; "
        f"{len(found.added_edges)} edge(s) added, {len(found.removed_edges)} removed"
    )


def _title(found: LineageDiff, code: Callable[[str], str] = str) -> str:
    return (
        f"{found.direction} of {code(found.root)} from {_moment(found.since)} to "
        f"{_moment(found.until)} (depth {found.max_depth})"
    )


def edge_change(edge: DiffEdge, found: LineageDiff, *, added: bool) -> str:
    """Whether the edge itself changed, or only whether the walk reaches it."""
    if added:
        return "recorded" if edge.active_from > found.since else "newly reached"
    retired = edge.active_until is not None and edge.active_until <= found.until
    return "retired" if retired else "cut off"


def _asset_rows(found: LineageDiff) -> list[tuple[str, DiffAsset]]:
    return [("added", a) for a in found.added_assets] + [
        ("removed", a) for a in found.removed_assets
    ]


def _edge_rows(found: LineageDiff) -> list[tuple[str, DiffEdge]]:
    return [("added", e) for e in found.added_edges] + [("removed", e) for e in found.removed_edges]


def render_table(found: LineageDiff) -> None:
    click.echo(_title(found))
    if not (found.added_assets or found.removed_assets or found.added_edges or found.removed_edges):
        click.echo("no changes")
        return
    click.echo(_summary(found))
    if assets := _asset_rows(found):
        click.echo("")
        table(
            ["change", "at", "depth", "asset", "type"],
            [(change, _moment(a.at), a.depth, a.qualified_name, a.type) for change, a in assets],
        )
    if edges := _edge_rows(found):
        click.echo("")
        table(
            ["change", "at", "source", "target", "job", "op", "edge"],
            [
                (
                    change,
                    _moment(e.at),
                    e.source,
                    e.target,
                    e.job,
                    e.op,
                    edge_change(e, found, added=change == "added"),
                )
                for change, e in edges
            ],
        )


def _code(text: str | None) -> str:
    """``text`` as inline code, safe inside a table cell; ``-`` for nothing."""
    if not text:
        return "-"
    fence = "``" if "`" in text else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{text}{pad}{fence}".replace("|", "\\|")


def _markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join("---" for _ in headers) + " |"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def render_markdown(found: LineageDiff) -> str:
    """A heading, the counts, then a table per non-empty kind of change."""
    lines = [f"### Lineage diff: {_title(found, _code)}", ""]
    if not (found.added_assets or found.removed_assets or found.added_edges or found.removed_edges):
        return "\n".join([*lines, "No changes."])
    lines.append(_summary(found) + ".")
    sections: list[tuple[str, list[str], list[list[str]]]] = [
        (
            f"Assets {change} ({len(assets)})",
            ["at", "depth", "asset", "type"],
            [[_moment(a.at), str(a.depth), _code(a.qualified_name), a.type] for a in assets],
        )
        for change, assets in (("added", found.added_assets), ("removed", found.removed_assets))
        if assets
    ]
    sections += [
        (
            f"Edges {change} ({len(edges)})",
            ["at", "source", "target", "job", "op", "edge"],
            [
                [
                    _moment(e.at),
                    _code(e.source),
                    _code(e.target),
                    _code(e.job),
                    _code(e.op),
                    edge_change(e, found, added=change == "added"),
                ]
                for e in edges
            ],
        )
        for change, edges in (("added", found.added_edges), ("removed", found.removed_edges))
        if edges
    ]
    for heading, headers, rows in sections:
        lines += ["", f"#### {heading}", "", *_markdown_table(headers, rows)]
    return "\n".join(lines)
