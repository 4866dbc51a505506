"""Name resolution: one physical table, one name, however a pipeline spells it.

The same table reaches lineage under several names: a Python asset named by its key
(``taxi_zones``), the dbt source for it (``data.main.zones``), SQL that says ``zones``. Left
alone they are three disconnected nodes and ``downstream`` misses what hangs off the others.
A :class:`NameContext` settles a name in two steps:

1. an unqualified name is qualified with a default database and schema, as the database the
   SQL ran in would resolve it (``zones`` -> ``data.main.zones``); the defaults are set per
   resource, overridden per connection (the database a ``duckdb:///data.duckdb`` or
   ``postgresql://.../shop`` URL opens, and its default schema) and per asset
   (``lineage/default_database``, ``lineage/default_schema``);
2. a declared alias maps a name to the table it stands for (``taxi_zones`` ->
   ``data.main.zones``), looked up both as written and once qualified.

:func:`probable_duplicates` finds the names in a store that probably denote one table, for
``lineage doctor``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from lineage_core.errors import InvalidName
from lineage_core.names import normalise_name, parse_name, qualify

DEFAULT_DATABASE = "lineage/default_database"
DEFAULT_SCHEMA = "lineage/default_schema"
CONNECTION = "lineage/connection"


@dataclass(frozen=True)
class NameContext:
    """Where unqualified names live, and which names are aliases of which tables."""

    default_database: str | None = None
    default_schema: str | None = None
    aliases: Mapping[str, str] = field(default_factory=dict)
    dialect: str | None = None  # of the database the names live in, when a connection says

    @classmethod
    def build(
        cls,
        *,
        default_database: str | None = None,
        default_schema: str | None = None,
        aliases: Mapping[str, str] | None = None,
    ) -> NameContext:
        """A context whose aliases are normalised; a bad alias raises ``InvalidName``
        naming it, so a configuration mistake shows when it is loaded."""
        normalised = {}
        for alias, table in (aliases or {}).items():
            try:
                normalised[normalise_name(alias)] = normalise_name(table)
            except InvalidName as exc:
                raise InvalidName(f"alias {alias!r} -> {table!r}: {exc}") from None
        return cls(
            default_database=_part(default_database, "default database"),
            default_schema=_part(default_schema, "default schema"),
            aliases=normalised,
        )

    def within(
        self,
        *,
        default_database: str | None = None,
        default_schema: str | None = None,
        dialect: str | None = None,
    ) -> NameContext:
        """This context with narrower defaults (a connection's, an asset's) where given."""
        return replace(
            self,
            default_database=_part(default_database, "default database") or self.default_database,
            default_schema=_part(default_schema, "default schema") or self.default_schema,
            dialect=dialect or self.dialect,
        )

    @property
    def qualifies(self) -> bool:
        return bool(self.default_database or self.default_schema)

    def resolve(self, name: str, dialect: str | None = None) -> str:
        """The table ``name`` stands for; raises ``InvalidName`` for a bad name."""
        written = normalise_name(name, dialect)
        if written in self.aliases:
            return self.aliases[written]
        qualified = qualify(
            written, default_database=self.default_database, default_schema=self.default_schema
        )
        return self.aliases.get(qualified, qualified)

    def resolve_column(self, qualified_column: str) -> str:
        """``table.column`` with its table resolved (the column part is kept as is)."""
        table, _, column = qualified_column.rpartition(".")
        return f"{self.resolve(table)}.{column}" if table else qualified_column


def _part(value: str | None, what: str) -> str | None:
    if value is None or not str(value).strip():
        return None
    parsed = parse_name(str(value))
    if len(parsed.parts) != 1:
        raise InvalidName(f"a {what} is one name part, got {value!r}")
    return parsed.table


@dataclass(frozen=True)
class ProbableDuplicate:
    """Names that probably denote one table, and what to do about it."""

    names: tuple[str, ...]
    table: str
    fix: str


def probable_duplicates(names: Iterable[str]) -> list[ProbableDuplicate]:
    """Groups of names with the same table part where one is more qualified than another
    and agrees with it on every part both have (``zones`` and ``data.main.zones``; not
    ``a.zones`` and ``b.zones``, which are two schemas' tables)."""
    by_table: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    for name in names:
        try:
            parts = parse_name(name).parts
        except InvalidName:
            continue
        by_table[parts[-1]].append(parts)
    found = []
    for table, variants in sorted(by_table.items()):
        longest = max(variants, key=len)
        group = [
            v for v in variants if len(v) < len(longest) and longest[len(longest) - len(v) :] == v
        ]
        if not group:
            continue
        full = normalise_name(".".join(_quoted(p) for p in longest))
        shorter = sorted(normalise_name(".".join(_quoted(p) for p in v)) for v in set(group))
        database = longest[0] if len(longest) == 3 else None
        schema = longest[-2] if len(longest) >= 2 else None
        defaults = ", ".join(
            f"{key}={value!r}"
            for key, value in (("default_database", database), ("default_schema", schema))
            if value
        )
        fix = (
            f"set {defaults} on the lineage resource (or {DEFAULT_DATABASE} / {DEFAULT_SCHEMA} "
            f"on the asset), or declare the alias(es) "
            + ", ".join(f"{name!r}: {full!r}" for name in shorter)
            + "; lineage captured from then on uses the full name (what was recorded under the "
            "shorter name stays until it is removed)"
        )
        found.append(ProbableDuplicate(names=(full, *shorter), table=table, fix=fix))
    return found


def _quoted(part: str) -> str:
    from lineage_core.names import quote_part

    return quote_part(part)
