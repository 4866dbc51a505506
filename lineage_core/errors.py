"""One exception hierarchy, so callers (the CLI, Dagster sensors) can catch ``LineageError``.

Driver errors (sqlite3, psycopg) never leak past the store: they are translated at the
boundary into ``StoreError`` and its subclasses, each with a message a person can act on.
"""

from __future__ import annotations

from collections.abc import Sequence


class LineageError(Exception):
    """Base of every error this library raises on purpose."""


class InvalidArgument(LineageError, ValueError):
    """An argument is outside what the operation accepts (a depth of 0, a bad edition)."""


class InvalidName(InvalidArgument):
    """A qualified table name that cannot be normalised (empty part, too long, bad quoting)."""


class NotFound(LineageError, LookupError):
    """Something named does not exist in the store for this tenant."""


class AssetNotFound(NotFound):
    """An asset name is unknown; ``suggestions`` holds the closest known names."""

    def __init__(self, name: str, suggestions: Sequence[str] = ()) -> None:
        self.name = name
        self.suggestions = list(suggestions)
        message = f"Unknown asset {name!r}"
        if self.suggestions:
            message += "; did you mean: " + ", ".join(self.suggestions)
        super().__init__(message)


class StoreNotFound(NotFound):
    """No lineage store where one was expected: only ``lineage init`` (or the Dagster
    integration, which owns its store) creates one, so a typo never yields an empty store."""


class TenantNotFound(NotFound):
    """Tenants are made explicitly; a typo must never create a new, empty one."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(
            f"Unknown tenant {name!r}; create it first with `lineage tenant add {name}`"
        )


class TenantExists(LineageError):
    """A tenant with this name already exists."""


class LineageNotEnabled(LineageError):
    """The tenant's edition does not include lineage features."""

    MESSAGE = (
        "Lineage tracking is not enabled for your subscription. Please upgrade to Premium edition."
    )

    def __init__(self, tenant: str) -> None:
        self.tenant = tenant
        super().__init__(f"{self.MESSAGE} (tenant {tenant!r} is on the standard edition)")


class OperatorOnly(LineageNotEnabled):
    """Creating tenants and changing editions are an operator's commands: a store opened for
    a standard tenant refuses them, so a tenant cannot upgrade itself or make new tenants."""

    def __init__(self, tenant: str, action: str) -> None:
        self.tenant = tenant
        LineageError.__init__(
            self,
            f"{action} is an operator's command, and tenant {tenant!r} is on the standard "
            "edition: run it as a premium tenant such as 'default' "
            "(`lineage --tenant default tenant ...`)",
        )


class AssetHasEdges(LineageError):
    """An asset that edges still touch is removed only together with them, when asked."""

    def __init__(self, name: str, edges: int) -> None:
        self.name = name
        self.edges = edges
        super().__init__(
            f"Asset {name!r} has {edges} edge(s); remove them first, or remove the asset with "
            f"its edges (`lineage remove asset {name} --with-edges`, with_edges=True)"
        )


class StoreError(LineageError):
    """The lineage store failed (unreachable, locked, schema too new)."""


class StoreUnavailable(StoreError):
    """The database behind the store cannot be reached."""


class QueryTimeout(StoreError):
    """A query ran past its time limit and was cancelled."""


class StoreDataError(StoreError):
    """The database refused the data itself (a value too long for an index, a character it
    cannot store, a broken constraint): retrying the same write fails the same way, so it is
    the writer's error to report, not an outage to wait out."""


class SqlLineageError(LineageError):
    """SQL lineage extraction failed in a way a caller asked to be told about."""


class ImportFileError(LineageError):
    """A lineage import file has malformed lines; nothing from it was written."""

    def __init__(self, problems: Sequence[tuple[int, str]]) -> None:
        self.problems = list(problems)
        shown = "; ".join(f"line {line}: {why}" for line, why in self.problems[:5])
        more = len(self.problems) - 5
        suffix = f" (and {more} more)" if more > 0 else ""
        super().__init__(f"{len(self.problems)} invalid line(s): {shown}{suffix}")


class TokenNotFound(NotFound):
    """No live API token of that name for the tenant."""

    def __init__(self, name: str, tenant: str) -> None:
        self.name = name
        self.tenant = tenant
        super().__init__(f"No live API token {name!r} for tenant {tenant!r}")


class TokenExists(LineageError):
    """A live API token of that name exists for the tenant: revoke it first."""

    def __init__(self, name: str, tenant: str) -> None:
        self.name = name
        self.tenant = tenant
        super().__init__(
            f"Tenant {tenant!r} has a live API token named {name!r}; revoke it first "
            f"(`lineage token revoke {name} --tenant {tenant}`) or choose another name"
        )
