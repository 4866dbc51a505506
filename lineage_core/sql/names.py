"""Table references as the store names them: identifiers folded, names rendered, CTEs told apart.

Names are built with :mod:`lineage_core.names`, so a table the extractor reports is the asset
key the store keeps: identifiers fold by the dialect's case rule (unquoted ones lower-cased
unless the dialect is case-sensitive, quoted ones keeping their case where case matters).
Names are qualified exactly as far as the SQL qualifies them, unless ``default_database`` /
``default_schema`` are given.

Not every table reference names a table: stages (``@stage``), file paths (``parquet.`/x```),
table functions and pseudo tables (``dual``, T-SQL's ``inserted``) name nothing, and an
unqualified name may be a CTE; paths name file assets when asked for (``files.py``). Names
written as temporary (``#tmp``, ``##tmp``, ``@table_variable``) are remembered, since they are
no assets (see ``temporary.py``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlglot import exp

from lineage_core.errors import InvalidName
from lineage_core.names import MAX_NAME_LENGTH, normalise_part, qualify, quote_part
from lineage_core.sql.files import file_asset, read_function_paths
from lineage_core.sql.report import Report

_FILE_FORMATS = frozenset(
    {"parquet", "csv", "json", "orc", "avro", "delta", "text", "binaryfile", "iceberg", "hudi"}
)
_PATH_LIKE = re.compile(
    r"[/\\]|://|\.(?:csv|tsv|parquet|json|jsonl|ndjson|orc|avro|txt|gz|zst|arrow|feather|xlsx?)$",
    re.IGNORECASE,
)
_PSEUDO_TABLES = {
    None: frozenset({"dual"}),
    "tsql": frozenset({"dual", "inserted", "deleted"}),
    "postgres": frozenset({"excluded"}),
}


class TableNames:
    """Names of one extraction: its dialect and defaults, with the work cached per name."""

    def __init__(
        self,
        dialect_name: str | None,
        *,
        default_database: str | None,
        default_schema: str | None,
        report: Report,
        files: bool = False,
    ) -> None:
        self.dialect_name = dialect_name
        self.files = files  # read and write files as assets (files.py)
        self.file_names: set[str] = set()  # the file assets named so far
        self.default_database = default_database
        self.default_schema = default_schema
        self.report = report
        self.pseudo_tables = _PSEUDO_TABLES.get(dialect_name, _PSEUDO_TABLES[None])
        self.temporary: set[str] = set()  # names written as temporary: #tmp, ##tmp, @table
        self._names: dict[tuple[tuple[str, bool], ...], str | None] = {}
        self._keys: dict[tuple[str, bool], str] = {}
        self._bad_names: set[str] = set()

    def key(self, text: str, quoted: bool) -> str:
        """An identifier as the dialect resolves it: the part names.py would store."""
        cache_key = (text, quoted)
        found = self._keys.get(cache_key)
        if found is None:
            found = self._keys[cache_key] = normalise_part(
                text, quoted=quoted, dialect=self.dialect_name
            )
        return found

    def identifier_key(self, identifier: exp.Expr) -> str:
        return self.key(identifier.name, bool(identifier.args.get("quoted")))

    def qualify(self, name: str) -> str:
        """A name given as text (``schema=`` keys), completed with the defaults."""
        return qualify(
            name,
            default_database=self.default_database,
            default_schema=self.default_schema,
            dialect=self.dialect_name,
        )

    def file_name(self, path: str) -> str | None:
        """The asset of a file path, when files are assets; None otherwise."""
        if not self.files:
            return None
        name = file_asset(path)
        if name is not None and len(name) > MAX_NAME_LENGTH:
            if name not in self._bad_names:
                self._bad_names.add(name)
                self.report.warn(
                    f"skipped file {path[:60]!r}...: its name is longer than "
                    f"{MAX_NAME_LENGTH} characters"
                )
            return None
        if name is not None:
            self.file_names.add(name)
        return name

    def relation_names(self, table: exp.Table) -> list[str]:
        """What a table reference reads: one table, or the files of ``read_csv(['a', 'b'])``."""
        if self.files and isinstance(table.this, exp.Func):
            paths = read_function_paths(table.this) or []
            return [name for path in paths if (name := self.file_name(path))]
        name = self.table_name(table)
        return [name] if name else []

    def table_name(self, table: exp.Table) -> str | None:
        """The canonical name of a table reference, or None for stages, paths and functions.

        With ``files=True`` a path (``'data/x.csv'``, ``parquet.`/p```, a one-path
        ``read_parquet('x')``) names a file asset instead of nothing.
        """
        this = table.this
        if self.files and isinstance(this, exp.Func):
            paths = read_function_paths(this)
            return self.file_name(paths[0]) if paths and len(paths) == 1 else None
        if isinstance(this, exp.Parameter):  # a T-SQL table variable, @name
            inner = this.this
            text = "@" + (inner.name if isinstance(inner, exp.Expr) else str(inner))
            return self._name_from_parts(((text, False),), temporary=True)
        if not isinstance(this, exp.Identifier):
            return None
        parts: list[tuple[str, bool]] = []
        temporary = False
        for arg in ("catalog", "db", "this"):
            part = table.args.get(arg)
            if part is None:
                continue
            if not isinstance(part, exp.Identifier):
                return None
            text = part.name
            if part.args.get("global_"):
                text, temporary = "##" + text, True
            elif part.args.get("temporary"):
                text, temporary = "#" + text, True
            elif text.startswith("#"):
                temporary = True
            parts.append((text, bool(part.args.get("quoted"))))
        if not parts or not parts[-1][0]:
            return None
        last_text, last_quoted = parts[-1]
        in_format = len(parts) == 2 and parts[0][0].lower() in _FILE_FORMATS
        if (last_quoted or in_format) and _PATH_LIKE.search(last_text):
            return self.file_name(last_text) if len(parts) == 1 or in_format else None
        if len(parts) == 1 and not last_quoted and last_text.lower() in self.pseudo_tables:
            return None
        return self._name_from_parts(tuple(parts), temporary=temporary)

    def name_from_text(self, parts: Sequence[tuple[str, bool]]) -> str | None:
        """A name found by the keyword scan; same rendering as :meth:`table_name`."""
        if not parts or not parts[-1][0]:
            return None
        text, quoted = parts[-1]
        if text.startswith("@"):
            if self.dialect_name != "tsql":
                return None  # a stage
            return self._name_from_parts(((text, False),), temporary=True)
        if len(parts) == 1 and not quoted and text.lower() in self.pseudo_tables:
            return None
        if quoted and _PATH_LIKE.search(text):
            return self.file_name(text) if len(parts) == 1 else None
        return self._name_from_parts(tuple(parts), temporary=text.startswith("#"))

    def _name_from_parts(
        self, parts: tuple[tuple[str, bool], ...], *, temporary: bool
    ) -> str | None:
        if parts in self._names:
            return self._names[parts]
        raw = ".".join(_quoted(text) if quoted else text for text, quoted in parts)
        try:
            name: str | None = self.qualify(raw)
        except InvalidName as error:
            name = None
            if raw not in self._bad_names:
                self._bad_names.add(raw)
                self.report.warn(f"skipped table name {raw!r}: {error}")
        self._names[parts] = name
        if name is not None and temporary:
            self.temporary.add(name)
        return name

    def cte_of(self, table: exp.Table) -> exp.CTE | None:
        """The CTE an unqualified table name resolves to, walking out through nested WITHs."""
        if table.args.get("db") or not isinstance(table.this, exp.Identifier):
            return None
        wanted = self.identifier_key(table.this)
        child: exp.Expr = table
        node = table.parent
        while node is not None:
            if isinstance(node, exp.With):
                position = child.index if isinstance(child, exp.CTE) and child.index else 0
                visible = node.expressions[
                    : position + 1 if node.args.get("recursive") else position
                ]
                for cte in visible:
                    if self._cte_key(cte) == wanted:
                        return cte
            else:
                with_ = node.args.get("with_")
                if isinstance(with_, exp.With) and with_ is not child:
                    for cte in with_.expressions:
                        if self._cte_key(cte) == wanted:
                            return cte
            child, node = node, node.parent
        return None

    def _cte_key(self, cte: exp.Expr) -> str | None:
        alias = cte.args.get("alias")
        if alias is None or not isinstance(alias.this, exp.Identifier):
            return None
        return self.identifier_key(alias.this)


def normalise_identifiers(tree: exp.Expr, names: TableNames) -> None:
    """Fold identifiers by the names.py case rule so scope lookups match how names resolve."""
    for identifier in tree.find_all(exp.Identifier):
        text = identifier.this
        if not isinstance(text, str):
            continue
        key = names.key(text, bool(identifier.args.get("quoted")))
        if key != text:
            identifier.set("this", key)


def render_column(table: str, column: str) -> str:
    return f"{table}.{'*' if column == '*' else quote_part(column)}"


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'
