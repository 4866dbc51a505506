"""What an extraction tells its caller besides lineage: warnings and typed errors.

Extraction never raises on SQL text, so every failure has to be told in the result instead.
Warnings tell a person what was skipped and why. Errors (``SqlLineageIssue``) tell a program
the same with a kind, so that a statement sqlglot could not parse is not confused with a
crash of the extractor, which would otherwise pass unnoticed behind the keyword scan.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from sqlglot.errors import OptimizeError

from lineage_core.models import SqlLineageIssue

if TYPE_CHECKING:
    from lineage_core.sql.split import Piece

IssueKind = Literal["parse", "unsupported", "internal"]


class Report:
    """Warnings and errors of one extraction; errors belong to the statement being read."""

    def __init__(self) -> None:
        self.warnings: list[str] = []
        self.errors: list[SqlLineageIssue] = []
        self.current: Piece | None = None

    def warn(self, text: str) -> None:
        self.warnings.append(text)

    def error(self, kind: IssueKind, message: str, *, warning: str) -> None:
        """A typed error of the current statement, and the ``warning`` that tells people."""
        self.warnings.append(warning)
        piece = self.current
        self.errors.append(
            SqlLineageIssue(
                kind=kind,
                message=message,
                statement=piece.number if piece is not None else None,
                line=piece.line if piece is not None else None,
            )
        )

    def failure(self, error: Exception, *, warning: str) -> None:
        """An exception the analysis caught: an ``internal`` error, unless sqlglot refused.

        sqlglot refuses some queries it parsed only once their scopes are read (an alias used
        twice, ...): that is a limit of what can be analysed, not a crash.
        """
        kind: IssueKind = "unsupported" if isinstance(error, OptimizeError) else "internal"
        self.error(kind, describe(error), warning=warning)


def first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return (text[0] if text else type(error).__name__)[:200]


def describe(error: BaseException) -> str:
    """The type first: the first line of a KeyError or an IndexError is only its argument."""
    return f"{type(error).__name__}: {first_line(error)}"
