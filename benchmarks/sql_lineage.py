"""SQL lineage benchmark: our extractor against sqllineage and openlineage-sql, same cases.

Every case of ``tests/core/sql_fixtures/*.sql`` is run through each tool. Reads and writes are
scored as sets of table names, column lineage as sets of ``(target column, source column)``
edges (only on cases whose fixture states its columns). Precision, recall and F1 are summed
over cases (micro-averaged) per category (the fixture file) and overall. Throughput is
statements per second over the whole corpus: table-level (``columns=False``) and with column
lineage for us, one full run for each peer.

The peers are benchmark-only dependencies; a missing one is reported, not fatal:

    .venv/bin/pip install sqllineage==1.5.9 openlineage-sql==1.54.0
    .venv/bin/python benchmarks/sql_lineage.py
    .venv/bin/python benchmarks/sql_lineage.py --peers none --rounds 20 --json /tmp/sql.json

Peers get the same name treatment as we do: their table names go through
``lineage_core.names`` with the case's dialect and defaults, sqllineage's ``<default>``
schema placeholder is dropped, and openlineage-sql's unnamed column targets are attached to
the statement's single output table (it reports projection names, not target columns).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import itertools
import json
import logging
import signal
import sys
import time
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lineage_core.errors import InvalidName
from lineage_core.names import qualify
from lineage_core.sql import extract_lineage, split_statements

ROOT = Path(__file__).resolve().parent.parent
_CASES_PATH = ROOT / "tests" / "core" / "sql_fixtures" / "cases.py"
_spec = importlib.util.spec_from_file_location("sql_fixture_cases", _CASES_PATH)
assert _spec is not None and _spec.loader is not None
cases_module = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("sql_fixture_cases", cases_module)
_spec.loader.exec_module(cases_module)

KINDS = ("reads", "writes", "columns")
TARGET_F1 = {"reads": 0.98, "writes": 0.98, "columns": 0.95}
TARGET_STATEMENTS_PER_SECOND = 500
PEER_TIMEOUT_SECONDS = 30

Edge = tuple[str, str]


@dataclass
class Output:
    """What one tool said about one case, already normalised."""

    reads: set[str] = field(default_factory=set)
    writes: set[str] = field(default_factory=set)
    columns: set[Edge] = field(default_factory=set)
    failed: str | None = None


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, expected: set[Any], got: set[Any]) -> None:
        self.tp += len(expected & got)
        self.fp += len(got - expected)
        self.fn += len(expected - got)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class ToolResult:
    name: str
    available: bool
    note: str = ""
    scores: dict[str, dict[str, Score]] = field(default_factory=dict)  # category -> kind
    failures: int = 0
    seconds: float = 0.0
    seconds_table_level: float | None = None
    mismatches: list[str] = field(default_factory=list)


# -- normalisation shared by every tool -------------------------------------------------------


def canonical(name: str, case: Any) -> str | None:
    try:
        return qualify(
            name,
            default_database=case.default_database,
            default_schema=case.default_schema,
            dialect=case.dialect,
        )
    except InvalidName:
        return None


def expected_edges(case: Any) -> set[Edge]:
    return {(target, source) for target, sources in case.columns for source in sources}


def column_edge(table: str | None, column: str, case: Any) -> str | None:
    if table is None:
        return None
    name = canonical(table, case)
    if name is None:
        return None
    if column == "*":
        return f"{name}.*"
    try:
        part = canonical(column if column.startswith('"') else column.lower(), case)
    except InvalidName:
        return None
    return f"{name}.{part}" if part else None


# -- the tools ------------------------------------------------------------------------------


def run_ours(case: Any, *, columns: bool = True) -> Output:
    lineage = extract_lineage(
        case.sql,
        case.dialect,
        default_database=case.default_database,
        default_schema=case.default_schema,
        schema=case.schema or None,
        columns=columns,
        files=case.files is not None,
    )
    edges = {(m.target, source) for m in lineage.columns for source in m.sources}
    return Output(set(lineage.reads), set(lineage.writes), edges)


SQLLINEAGE_DIALECTS = {None: "ansi", "spark": "sparksql"}


def make_sqllineage() -> Callable[[Any], Output] | str:
    try:
        from sqllineage.core.metadata.dummy import DummyMetaDataProvider
        from sqllineage.runner import LineageRunner
    except ImportError as error:
        return f"not installed ({error}); pip install sqllineage==1.5.9"
    logging.getLogger("sqllineage").setLevel(logging.CRITICAL)
    warnings.filterwarnings("ignore", module="sqllineage")

    def table_text(table: Any) -> str:
        schema = getattr(table.schema, "raw_name", None)
        if schema and schema != "<default>":
            return f"{schema}.{table.raw_name}"
        return str(table.raw_name)

    def run(case: Any) -> Output:
        metadata: dict[str, list[str]] = {}
        for table, columns in case.schema.items():
            parts = table.split(".")
            key = f"<default>.{parts[-1]}" if len(parts) == 1 else ".".join(parts[-2:])
            metadata[key] = list(columns)
        runner = LineageRunner(
            case.sql,
            dialect=SQLLINEAGE_DIALECTS.get(case.dialect, case.dialect),
            metadata_provider=DummyMetaDataProvider(metadata),
            silent_mode=True,
        )
        intermediate = {table_text(t) for t in runner.intermediate_tables}
        reads = {table_text(t) for t in runner.source_tables} | intermediate
        writes = {table_text(t) for t in runner.target_tables} | intermediate
        edges: set[Edge] = set()
        for path in runner.get_column_lineage(exclude_subquery_columns=True):
            for source, target in itertools.pairwise(path):
                if source.parent is None or target.parent is None:
                    continue
                edge_source = column_edge(table_text(source.parent), source.raw_name, case)
                edge_target = column_edge(table_text(target.parent), target.raw_name, case)
                if edge_source and edge_target:
                    edges.add((edge_target, edge_source))
        return Output(
            {n for n in (canonical(r, case) for r in reads) if n},
            {n for n in (canonical(w, case) for w in writes) if n},
            edges,
        )

    return run


OPENLINEAGE_DIALECTS = {None: "generic", "tsql": "mssql", "spark": "sparksql"}


def make_openlineage() -> Callable[[Any], Output] | str:
    try:
        import openlineage_sql
    except ImportError as error:
        return f"not installed ({error}); pip install openlineage-sql==1.54.0"

    def table_text(table: Any) -> str:
        style = table.quote_style
        parts = []
        for attribute in ("database", "schema", "name"):
            value = getattr(table, attribute)
            if value is None:
                continue
            quoted = style is not None and getattr(style, attribute) is not None
            parts.append('"' + value.replace('"', '""') + '"' if quoted else value)
        return ".".join(parts)

    def run(case: Any) -> Output:
        output = Output()
        dialect = OPENLINEAGE_DIALECTS.get(case.dialect, case.dialect)
        for statement in split_statements(case.sql, case.dialect):
            try:
                meta = openlineage_sql.parse([statement], dialect=dialect)
            except BaseException as error:  # the Rust core panics on some statements
                if isinstance(error, (KeyboardInterrupt, SystemExit)):
                    raise
                output.failed = f"{type(error).__name__}: {str(error)[:120]}"
                continue
            if meta is None:
                continue
            reads = {canonical(table_text(t), case) for t in meta.in_tables}
            writes = {canonical(table_text(t), case) for t in meta.out_tables}
            output.reads |= {n for n in reads if n}
            output.writes |= {n for n in writes if n}
            targets = [table_text(t) for t in meta.out_tables]
            for lineage in meta.column_lineage:
                descendant = lineage.descendant
                owner = descendant.origin
                target_table = (
                    table_text(owner) if owner else (targets[0] if len(targets) == 1 else None)
                )
                target = column_edge(target_table, descendant.name, case)
                for source in lineage.lineage:
                    origin = table_text(source.origin) if source.origin else None
                    edge_source = column_edge(origin, source.name, case)
                    if target and edge_source:
                        output.columns.add((target, edge_source))
        return output

    return run


# -- running and scoring --------------------------------------------------------------------


@contextlib.contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    def expire(signum: int, frame: Any) -> None:
        raise TimeoutError(f"no answer within {seconds}s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def score(name: str, run: Callable[[Any], Output], cases: list[Any], *, guard: bool) -> ToolResult:
    result = ToolResult(name, available=True)
    started = time.perf_counter()
    for case in cases:
        try:
            if guard:
                with time_limit(PEER_TIMEOUT_SECONDS):
                    output = run(case)
            else:
                output = run(case)
        except Exception as error:  # a peer that gives up scores nothing on the case
            output = Output(failed=f"{type(error).__name__}: {str(error)[:120]}")
            result.failures += 1
        by_kind = result.scores.setdefault(case.category, {k: Score() for k in KINDS})
        by_kind["reads"].add(case.reads, output.reads)
        by_kind["writes"].add(case.writes, output.writes)
        if case.columns is not None:
            by_kind["columns"].add(expected_edges(case), output.columns)
        wrong = (
            output.reads != case.reads
            or output.writes != case.writes
            or (case.columns is not None and output.columns != expected_edges(case))
        )
        if wrong:
            result.mismatches.append(case.id + (f" ({output.failed})" if output.failed else ""))
    result.seconds = time.perf_counter() - started
    return result


def overall(result: ToolResult, kind: str) -> Score:
    total = Score()
    for by_kind in result.scores.values():
        total.tp += by_kind[kind].tp
        total.fp += by_kind[kind].fp
        total.fn += by_kind[kind].fn
    return total


def throughput(cases: list[Any], rounds: int, *, columns: bool) -> float:
    started = time.perf_counter()
    for _ in range(rounds):
        for case in cases:
            run_ours(case, columns=columns)
    return (time.perf_counter() - started) / rounds


# -- report ---------------------------------------------------------------------------------


def cell(s: Score) -> str:
    if s.tp + s.fp + s.fn == 0:
        return "n/a".center(19)
    return f"{s.precision:5.3f} {s.recall:5.3f} {s.f1:5.3f}".center(19)


def print_report(results: list[ToolResult], cases: list[Any], statements: int) -> list[str]:
    available = [r for r in results if r.available]
    categories = sorted({case.category for case in cases})
    counts: dict[str, int] = defaultdict(int)
    for case in cases:
        counts[case.category] += 1
    for kind in KINDS:
        print(f"{kind}: precision recall F1 (micro-averaged; columns = target<-source edges)")
        header = f"{'category':<18}{'cases':>6}  " + "  ".join(f"{r.name:^19}" for r in available)
        print(header)
        print("-" * len(header))
        for category in [*categories, "OVERALL"]:
            cells = []
            for result in available:
                if category == "OVERALL":
                    cells.append(cell(overall(result, kind)))
                else:
                    cells.append(cell(result.scores.get(category, {}).get(kind, Score())))
            count = len(cases) if category == "OVERALL" else counts[category]
            print(f"{category:<18}{count:>6}  " + "  ".join(cells))
        print()
    for result in results:
        if not result.available:
            print(f"{result.name}: {result.note}")
            continue
        rate = statements / result.seconds if result.seconds else float("inf")
        line = f"{result.name:<16} {rate:7.0f} statements/s"
        if result.seconds_table_level is not None:
            table_rate = statements / result.seconds_table_level
            line += f" with columns, {table_rate:7.0f} statements/s table-level"
        line += f"; {result.failures} cases raised; {len(result.mismatches)} cases not exact"
        print(line)
    print()
    return check_targets(results, categories, statements)


def check_targets(results: list[ToolResult], categories: list[str], statements: int) -> list[str]:
    ours = results[0]
    missed: list[str] = []
    for kind, target in TARGET_F1.items():
        f1 = overall(ours, kind).f1
        if f1 < target:
            missed.append(f"overall {kind} F1 {f1:.3f} < {target}")
    for peer in results[1:]:
        if not peer.available:
            continue
        for category in categories:
            for kind in KINDS:
                mine = ours.scores[category][kind].f1
                theirs = peer.scores[category][kind].f1
                if theirs > mine + 1e-9:
                    missed.append(
                        f"{peer.name} beats us on {category}/{kind}: {theirs:.3f} > {mine:.3f}"
                    )
    if ours.seconds_table_level:
        rate = statements / ours.seconds_table_level
        if rate < TARGET_STATEMENTS_PER_SECOND:
            missed.append(f"table-level {rate:.0f} statements/s < {TARGET_STATEMENTS_PER_SECOND}")
    print("targets: " + ("all met" if not missed else "MISSED: " + "; ".join(missed)))
    if ours.mismatches:
        print("our inexact cases: " + ", ".join(ours.mismatches))
    return missed


def sqlglot_build() -> str:
    """The build of the parser the extractor loaded (only lineage_core.sql imports sqlglot)."""
    parser = sys.modules.get("sqlglot.parser")
    if parser is None or parser.__file__ is None:
        return "not loaded"
    return "compiled (sqlglotc)" if not parser.__file__.endswith(".py") else "pure Python"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--peers", choices=("all", "none"), default="all")
    parser.add_argument("--rounds", type=int, default=5, help="rounds for our throughput")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    logging.getLogger("sqlglot").setLevel(logging.CRITICAL)

    cases = cases_module.load_cases()
    statements = sum(len(split_statements(case.sql, case.dialect)) for case in cases)
    print(f"{len(cases)} cases, {statements} statements; sqlglot {sqlglot_build()}\n")

    ours = score("ours", run_ours, cases, guard=False)
    ours.seconds = throughput(cases, args.rounds, columns=True)
    ours.seconds_table_level = throughput(cases, args.rounds, columns=False)
    results = [ours]
    if args.peers == "all":
        for name, factory in (
            ("sqllineage", make_sqllineage),
            ("openlineage-sql", make_openlineage),
        ):
            run = factory()
            if isinstance(run, str):
                results.append(ToolResult(name, available=False, note=run))
            else:
                results.append(score(name, run, cases, guard=True))
    missed = print_report(results, cases, statements)
    if args.json:
        document = {
            "cases": len(cases),
            "statements": statements,
            "sqlglot": sqlglot_build(),
            "tools": {
                r.name: {
                    "available": r.available,
                    "note": r.note,
                    "seconds": r.seconds,
                    "seconds_table_level": r.seconds_table_level,
                    "failures": r.failures,
                    "inexact_cases": r.mismatches,
                    "scores": {
                        category: {
                            kind: {"precision": s.precision, "recall": s.recall, "f1": s.f1}
                            for kind, s in by_kind.items()
                        }
                        for category, by_kind in r.scores.items()
                    },
                }
                for r in results
            },
            "targets_missed": missed,
        }
        args.json.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return 0 if not missed else 1


if __name__ == "__main__":
    raise SystemExit(main())
