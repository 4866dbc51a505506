"""The file engine: Parquet and CSV files profiled with polars, the only module importing it.

polars scans the files lazily with its streaming engine, so memory stays bounded by the
batch size (and by one entry per distinct value where those are counted), not by the file.
A profile is one streaming query: a one-row summary plus side branches for the costly
counts (see :func:`_files_pass`).

Which statistics are affordable is decided from the row count in the Parquet footers, read
without touching a data page. CSV files have no cheap count: they are scanned with
approximate distincts first and, when that shows them small, scanned again exactly.

* Distinct counts are exact (a streaming ``unique``) up to ``distinct_exact_limit`` rows;
  above it they are HyperLogLog estimates (:mod:`lineage_core.profiling.sketches`) flagged
  ``distinct_approximate``.
* Duplicate rows need every row grouped, so they are counted only up to
  ``duplicate_row_limit`` rows (or with ``exact=True``) and are ``None`` above it: a sketch
  cannot estimate them, since ``rows - approx_distinct_rows`` is noise when both are large
  and nearly equal.

A table name reaches the file system only as checked path segments (:func:`_check_path_part`)
put into the connection's location (see :mod:`lineage_core.connections` for its forms).
"""

from __future__ import annotations

import glob
import time
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from lineage_core.connections import GLOB_CHARS, PLACEHOLDERS, Connection
from lineage_core.errors import InvalidName, NotFound, StoreUnavailable
from lineage_core.names import QualifiedName
from lineage_core.profiling import sketches
from lineage_core.profiling.plan import (
    Measured,
    MeasuredColumn,
    Plan,
    ProfilingError,
    first_line,
)

DIALECT = None

CSV_INFER_SCHEMA_ROWS = 10_000
_PARQUET_SUFFIXES = (".parquet", ".pq")
_CSV_SUFFIXES = (".csv",)


def measure(parsed: QualifiedName, connection: Connection, plan: Plan) -> Measured:
    """Profile the files that hold ``parsed`` in the location of ``connection``."""
    paths, file_format = _resolve_files(parsed, connection)
    sources = [str(path) for path in paths]
    try:
        if file_format == "parquet":
            frame = pl.scan_parquet(sources)
        else:
            frame = pl.scan_csv(sources, infer_schema_length=CSV_INFER_SCHEMA_ROWS)
        schema = frame.collect_schema()
        known_rows = None
        if file_format == "parquet":  # read from the footers, no data pages touched
            known_rows = int(frame.select(pl.len()).collect(engine="streaming").item())
        if plan.exact or (known_rows is not None and known_rows <= plan.distinct_exact_limit):
            measured = _files_pass(frame, schema, plan, exact_distinct=True, known_rows=known_rows)
        else:
            measured = _files_pass(frame, schema, plan, exact_distinct=False, known_rows=known_rows)
            rows = measured.row_count
            small = rows <= plan.distinct_exact_limit or rows <= plan.duplicate_row_limit
            if known_rows is None and small:
                # CSV: its row count was unknown until now, and it turns out to be small.
                exact_distinct = rows <= plan.distinct_exact_limit
                measured = _files_pass(
                    frame, schema, plan, exact_distinct=exact_distinct, known_rows=rows
                )
    except pl.exceptions.PolarsError as error:
        raise ProfilingError(f"Profiling {plan.label} failed: {first_line(error)}") from error
    except OSError as error:
        raise StoreUnavailable(
            f"Cannot read {connection} to profile {parsed}: {first_line(error)}"
        ) from error
    measured.size_bytes = sum(path.stat().st_size for path in paths)
    return measured


def _check_path_part(part: str, name: QualifiedName) -> str:
    if (
        part in (".", "..")
        or any(mark in part for mark in ("/", "\\", "\0"))
        or GLOB_CHARS.intersection(part)
    ):
        raise InvalidName(
            f"Invalid table name {str(name)!r}: {part!r} cannot be used as a file name"
        )
    return part


def _resolve_files(parsed: QualifiedName, connection: Connection) -> tuple[list[Path], str]:
    pattern = connection.target
    if any(placeholder in pattern for placeholder in PLACEHOLDERS):
        for placeholder, part in zip(
            PLACEHOLDERS, (parsed.database, parsed.schema, parsed.table), strict=True
        ):
            if placeholder not in pattern:
                continue
            if part is None:
                raise NotFound(
                    f"Table {parsed} not found in {connection}: the location needs a "
                    f"{placeholder[1:-1]} part in the table name"
                )
            pattern = pattern.replace(placeholder, _check_path_part(part, parsed))
        paths = _expand(pattern)
    else:
        base = Path(pattern)
        table = _check_path_part(parsed.table, parsed)
        paths = []
        if base.is_dir():
            for candidate in (base / f"{table}.parquet", base / f"{table}.csv", base / table):
                paths = _expand(str(candidate))
                if paths:
                    break
        elif base.is_file() and base.stem.casefold() == table.casefold():
            paths = [base]
    if not paths:
        raise NotFound(f"Table {parsed} not found in {connection}: no matching files")
    suffixes = {path.suffix.lower() for path in paths}
    if suffixes <= set(_PARQUET_SUFFIXES):
        return paths, "parquet"
    if suffixes <= set(_CSV_SUFFIXES):
        return paths, "csv"
    raise ProfilingError(
        f"Cannot profile {parsed} on {connection}: expected only Parquet or only CSV files, "
        f"found {', '.join(sorted(suffixes))}"
    )


def _expand(pattern: str) -> list[Path]:
    if GLOB_CHARS.intersection(pattern):
        return [Path(path) for path in sorted(glob.glob(pattern)) if Path(path).is_file()]
    path = Path(pattern)
    if path.is_file():
        return [path]
    if path.is_dir():
        for suffixes in (_PARQUET_SUFFIXES, _CSV_SUFFIXES):
            found = sorted(p for p in path.iterdir() if p.is_file() and p.suffix in suffixes)
            if found:
                return found
    return []


class _DeadlinePassed(Exception):
    """Raised inside a polars scan to abort it; polars hands it back to ``collect``."""


def _with_deadline(frame: pl.LazyFrame, plan: Plan) -> pl.LazyFrame:
    """Check the deadline between batches of a streaming scan.

    ``collect(background=True)`` could be cancelled, but in polars 2.1 it ignores
    ``engine="streaming"`` and materialises the whole file; a pass-through batch function
    keeps the streaming engine and still stops the scan within one batch of the deadline.
    """

    def check(batch: pl.DataFrame) -> pl.DataFrame:
        if time.monotonic() > plan.deadline:
            raise _DeadlinePassed
        return batch

    return frame.map_batches(
        check,
        streamable=True,
        predicate_pushdown=True,
        projection_pushdown=True,
        slice_pushdown=True,
    )


def _collect(query: pl.LazyFrame, plan: Plan) -> pl.DataFrame:
    try:
        return query.collect(engine="streaming")
    except _DeadlinePassed as error:
        raise plan.timeout() from error
    except pl.exceptions.PolarsError as error:
        if time.monotonic() > plan.deadline:
            raise plan.timeout() from error
        raise


def _files_pass(
    frame: pl.LazyFrame,
    schema: pl.Schema,
    plan: Plan,
    *,
    exact_distinct: bool,
    known_rows: int | None,
) -> Measured:
    """One streaming query: a one-row summary, plus side branches for the costly counts.

    The side branches (HyperLogLog registers, or exact per-column ``unique`` and whole-row
    grouping) are concatenated under the summary row, so polars plans and streams them
    together. Streaming ``unique``/``group_by`` hold one entry per distinct value, which is
    far less than ``n_unique`` inside a ``select``, which gathers the whole column first.
    Columns are addressed by position (``pl.nth``) so a column name that looks like a regex
    or clashes with an output name cannot change the query.
    """
    dtypes = list(schema.values())
    count_duplicates = bool(dtypes) and (
        plan.exact or (known_rows is not None and known_rows <= plan.duplicate_row_limit)
    )
    aggregates: list[pl.Expr] = [pl.len().alias("rows")]
    for index, dtype in enumerate(dtypes):
        column = pl.nth(index)
        aggregates.append(column.null_count().alias(f"{index}:nulls"))
        comparable = _comparable(column, dtype)
        if comparable is not None:
            aggregates += [
                comparable.min().alias(f"{index}:min"),
                comparable.max().alias(f"{index}:max"),
            ]
        if dtype.is_numeric():
            aggregates.append(column.mean().cast(pl.Float64).alias(f"{index}:mean"))
    branches = [_with_deadline(frame, plan).select(aggregates)]
    if exact_distinct:
        # Each heavy branch checks the deadline itself: any of them may be the last to end.
        branches += [
            _with_deadline(frame, plan)
            .select(pl.nth(index))
            .unique()
            .select(distinct_values=pl.len(), distinct_column=pl.lit(index, dtype=pl.UInt32))
            for index in range(len(dtypes))
        ]
    elif dtypes:
        # The register branches are light; the summary branch's check covers them.
        branches += [_hll_registers(frame, index) for index in range(len(dtypes))]
    if count_duplicates:
        branches.append(
            _with_deadline(frame, plan).group_by(pl.all()).agg().select(distinct_rows=pl.len())
        )
    result = _collect(pl.concat(branches, how="diagonal_relaxed"), plan)

    summary = result.row(0, named=True)
    row_count = int(summary["rows"])
    columns = []
    for index, (name, dtype) in enumerate(schema.items()):
        nulls = int(summary[f"{index}:nulls"])
        columns.append(
            MeasuredColumn(
                name,
                str(dtype),
                non_null=row_count - nulls,
                min=summary.get(f"{index}:min"),
                max=summary.get(f"{index}:max"),
                mean=summary.get(f"{index}:mean"),
            )
        )
    if exact_distinct:
        counted = result.filter(pl.col("distinct_column").is_not_null())
        for index, values in counted.select("distinct_column", "distinct_values").iter_rows():
            column = columns[index]
            # unique() keeps null as a value; a distinct count does not.
            column.distinct = int(values) - (1 if column.non_null < row_count else 0)
    elif dtypes:
        _apply_hll(result.filter(pl.col("hll_column").is_not_null()), columns)
    duplicates = None
    if count_duplicates:
        groups = result.filter(pl.col("distinct_rows").is_not_null())["distinct_rows"].item()
        duplicates = row_count - int(groups)
    return Measured(
        row_count=row_count,
        columns=columns,
        duplicates=duplicates,
        exact=exact_distinct and (count_duplicates or not dtypes),
    )


def _comparable(column: pl.Expr, dtype: pl.DataType) -> pl.Expr | None:
    if dtype.is_numeric() or dtype.is_temporal() or dtype in (pl.String, pl.Boolean):
        return column
    if isinstance(dtype, pl.Categorical | pl.Enum):
        return column.cast(pl.String)
    return None


def _hll_registers(frame: pl.LazyFrame, index: int) -> pl.LazyFrame:
    """The HyperLogLog registers of one column: the highest rank seen per bucket.

    polars' own ``approx_n_unique`` is not used: under the streaming engine (polars 2.1) its
    partial sketches merge badly and miss by ~10%. Hashing with a fixed seed and keeping the
    register maximum in a streaming group-by merges exactly, in 2**14 rows of memory.
    """
    low_bits = pl.lit(sketches.REGISTERS - 1, dtype=pl.UInt64)
    hashed = pl.nth(index).hash(sketches.SEED)
    # The bucket is the low bits; the rank is one more than the number of leading zeros of
    # the remaining high bits (1..64 - precision + 1), the low bits forced to ones.
    bucket = (hashed & low_bits).cast(pl.UInt16)
    rank = ((hashed | low_bits).bitwise_leading_zeros() + 1).cast(pl.UInt8)
    return (
        frame.filter(pl.nth(index).is_not_null())
        .select(hll_bucket=bucket, hll_rank=rank)
        .group_by("hll_bucket")
        .agg(pl.col("hll_rank").max())
        .with_columns(hll_column=pl.lit(index, dtype=pl.UInt32))
    )


def _apply_hll(registers: pl.DataFrame, columns: Sequence[MeasuredColumn]) -> None:
    ranks = registers.group_by("hll_column", "hll_rank").len()
    histograms = sketches.rank_histograms(ranks.select("hll_column", "hll_rank", "len").iter_rows())
    for index, column in enumerate(columns):
        histogram = histograms.get(index)
        if histogram is None or column.non_null == 0:
            column.distinct = 0
        else:
            estimate = sketches.estimate_distinct(histogram)
            column.distinct = max(1, min(round(estimate), column.non_null))
            column.distinct_approximate = True
