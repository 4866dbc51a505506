"""Reading edges from JSON Lines (``lineage import``, ``lineage remove edge --from-file``),
one edge per line.

Every line is validated before anything is written, so a file with a bad line changes
nothing unless the caller chooses to skip invalid lines. Lines arrive as bytes and are
decoded here, one at a time, so a line that is not UTF-8 is a bad line like any other (a
UTF-8 byte order mark is accepted at the start of the file), and a NUL byte anywhere in a
line refuses it, whichever field holds it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from lineage_core.errors import ImportFileError, StoreDataError
from lineage_core.models import EdgeIn

if TYPE_CHECKING:
    from lineage_core.store import LineageStore

FIELDS = set(EdgeIn.model_fields) | {
    field.alias for field in EdgeIn.model_fields.values() if field.alias
}
BYTE_ORDER_MARK = "\ufeff"


def parse_edge_lines(
    lines: Iterable[bytes | str], *, skip_invalid: bool = False
) -> tuple[list[EdgeIn], list[tuple[int, str]]]:
    """Edges and the (line number, reason) of each invalid line.

    Raises ``ImportFileError`` on the first pass if any line is invalid and
    ``skip_invalid`` is false.
    """
    numbered, problems = parse_numbered_edge_lines(lines, skip_invalid=skip_invalid)
    return [edge for _, edge in numbered], problems


def parse_numbered_edge_lines(
    lines: Iterable[bytes | str], *, skip_invalid: bool = False
) -> tuple[list[tuple[int, EdgeIn]], list[tuple[int, str]]]:
    """As :func:`parse_edge_lines`, each edge with the number of its line."""
    edges: list[tuple[int, EdgeIn]] = []
    problems: list[tuple[int, str]] = []
    for number, line in enumerate(lines, start=1):
        try:
            text = _decoded(line, first=number == 1).strip()
            if text:
                edges.append((number, _parse(text)))
        except ValueError as exc:
            problems.append((number, str(exc)))
    if problems and not skip_invalid:
        raise ImportFileError(problems)
    return edges, problems


class _Probe(Exception):
    """Rolls a probing write back."""


def refused_lines(
    store: LineageStore, edges: Sequence[tuple[int, EdgeIn]], error: StoreDataError
) -> ImportFileError:
    """After the store refused an import's data: which lines it refuses, each tried alone in
    a transaction that is rolled back, so the import stays all or nothing."""
    found = []
    for number, edge in edges:
        try:
            with store.transaction():
                store.record_edges([edge])
                raise _Probe
        except _Probe:
            continue
        except StoreDataError as exc:
            found.append((number, f"the store refused it: {exc}"))
    return ImportFileError(found or [(0, f"the store refused the import: {error}")])


def _decoded(line: bytes | str, *, first: bool) -> str:
    if isinstance(line, bytes):
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError(
                f"not UTF-8 (byte {exc.start + 1} of the line is 0x{line[exc.start]:02x})"
            ) from None
    return line.removeprefix(BYTE_ORDER_MARK) if first else line


def _parse(text: str) -> EdgeIn:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(data, dict):
        raise ValueError(f"expected a JSON object, got {type(data).__name__}")
    unknown = sorted(set(data) - FIELDS)
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(_printable(name) for name in unknown)}")
    try:
        edge = EdgeIn.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "edge"
        cause = first.get("ctx", {}).get("error")
        raise ValueError(f"{where}: {cause or first['msg']}") from None
    # Names, labels and SQL refuse NUL bytes with their own reasons; this catches the rest
    # (a run id), which the databases would refuse only when the whole file is written.
    if (where := _holding_nul(data)) is not None:
        raise ValueError(f"{where}: it contains a NUL byte")
    return edge


def _holding_nul(value: Any, where: str = "") -> str | None:
    """The path of the first string in ``value`` that holds a NUL byte, else None."""
    if isinstance(value, str):
        return (where or "edge") if "\x00" in value else None
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        found = _holding_nul(item, f"{where}.{key}" if where else str(key))
        if found is not None:
            return found
    return None


def _printable(text: str) -> str:
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
