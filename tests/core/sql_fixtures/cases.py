"""Reader of the SQL lineage fixture files beside this module (``*.sql``).

Shared by the tests and ``benchmarks/sql_lineage.py`` so both score the same cases. A file
holds cases; lines starting with ``# key:`` are directives, other lines starting with ``# `` are
comments, everything else is SQL:

    # dialect: snowflake                  file default (before the first case) or per case
    # case: name                          starts a case
    # defaults: database=db, schema=sch   optional
    # schema: sales.orders: id, amount    optional, repeatable
    <SQL lines>
    # reads: a, b                         required (may be empty)
    # writes: c                           required (may be empty)
    # flows: a -> c, b -> c               repeatable; which reads each write was made from
                                          ("none" = no flows); absent = unchecked
    # columns: t.c <- s.a, s.b [label]    repeatable; "none" = no mappings; absent = unchecked
    # warnings: yes | no                  optional
    # files: file."x.csv", ...            optional: extract with files=True and expect these
                                          file assets ("none" = none); absent = files=False

Every case states its columns or its warnings, or both (a test holds the corpus to it): a case
that checked tables alone would let a change in either pass unseen. A case whose columns are
not derived yet says so in a comment and states its warnings.

Every case states its flows as well (a test holds the corpus to that too), even when they are
plainly each read to each write: the cases with several statements, temporary tables, filters
and files are where flows differ from reads crossed with writes.

The category of a case is its file's name (``dml.sql`` -> ``dml``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

FIXTURE_DIR = Path(__file__).resolve().parent
_DIRECTIVE = re.compile(
    r"^#\s*(case|dialect|defaults|schema|reads|writes|flows|columns|warnings|files):\s?(.*)$"
)


@dataclass
class Case:
    category: str
    name: str
    dialect: str | None
    line: int
    sql: str = ""
    default_database: str | None = None
    default_schema: str | None = None
    schema: dict[str, list[str]] = field(default_factory=dict)
    reads: set[str] | None = None
    writes: set[str] | None = None
    flows: set[tuple[str, str]] | None = None  # (source, target); None: unchecked
    columns: set[tuple[str, tuple[str, ...]]] | None = None
    labels: dict[str, str] = field(default_factory=dict)
    warnings: bool | None = None
    files: set[str] | None = None  # None: extracted with files=False

    @property
    def id(self) -> str:
        return f"{self.category}:{self.name}"


def _names(text: str) -> set[str]:
    return {part.strip() for part in _split_top(text) if part.strip()}


def _flows(text: str) -> set[tuple[str, str]]:
    """``a -> b, c -> d`` as (source, target) pairs."""
    pairs = set()
    for part in _split_top(text):
        source, arrow, target = part.partition("->")
        if not arrow or not source.strip() or not target.strip():
            raise ValueError(f"a flow is written 'source -> target', got {part.strip()!r}")
        pairs.add((source.strip(), target.strip()))
    return pairs


def _split_top(text: str) -> list[str]:
    """Split on commas outside double quotes (quoted names may hold commas)."""
    parts, current, quoted = [], [], False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == "," and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def load_cases(directory: Path = FIXTURE_DIR) -> list[Case]:
    cases: list[Case] = []
    for path in sorted(directory.glob("*.sql")):
        cases.extend(_load_file(path))
    return cases


def _load_file(path: Path) -> list[Case]:
    category = path.stem
    file_dialect: str | None = None
    cases: list[Case] = []
    current: Case | None = None
    sql_lines: list[str] = []

    def finish() -> None:
        if current is None:
            return
        current.sql = "\n".join(sql_lines).strip()
        if current.reads is None or current.writes is None:
            raise ValueError(f"{path.name}:{current.line}: case {current.name} lacks reads/writes")
        cases.append(current)

    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = _DIRECTIVE.match(line)
        if match is None:
            if current is not None and not line.startswith("# ") and line != "#":
                sql_lines.append(line)  # "#tmp" (T-SQL) is SQL; "# note" is a comment
            continue
        key, value = match.group(1), match.group(2).strip()
        if key == "case":
            finish()
            current = Case(category, value, file_dialect, number)
            sql_lines = []
            continue
        if current is None:
            if key == "dialect":
                file_dialect = value or None
            continue
        if key == "dialect":
            current.dialect = value or None
        elif key == "defaults":
            for item in _split_top(value):
                name, _, setting = item.partition("=")
                if name.strip() == "database":
                    current.default_database = setting.strip()
                elif name.strip() == "schema":
                    current.default_schema = setting.strip()
        elif key == "schema":
            table, _, columns = value.rpartition(":")
            current.schema[table.strip()] = [c.strip() for c in columns.split(",") if c.strip()]
        elif key == "reads":
            current.reads = _names(value)
        elif key == "writes":
            current.writes = _names(value)
        elif key == "flows":
            if current.flows is None:
                current.flows = set()
            if value != "none":
                current.flows |= _flows(value)
        elif key == "columns":
            if current.columns is None:
                current.columns = set()
            if value == "none":
                continue
            target, _, sources = value.partition("<-")
            label_match = re.search(r"\[(\w+)\]\s*$", sources)
            if label_match:
                current.labels[target.strip()] = label_match.group(1)
                sources = sources[: label_match.start()]
            current.columns.add((target.strip(), tuple(sorted(_names(sources)))))
        elif key == "warnings":
            current.warnings = value.lower() in ("yes", "true")
        elif key == "files":
            current.files = set() if value == "none" else _names(value)
    finish()
    return cases
