"""A PostgreSQL warehouse table that raises as soon as anything reads a row of it: proof, in
the tests of the edition checks, that a refused profile never queried the warehouse."""

from __future__ import annotations

import psycopg

TRAP = "the warehouse was read"


def trap_warehouse(url: str) -> str:
    """Make ``sales.orders`` in the (empty) database at ``url`` the trap; returns ``url``."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "CREATE FUNCTION refuse_read() RETURNS TABLE (id integer, amount numeric) "
            f"LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{TRAP}'; END $$"
        )
        conn.execute("CREATE SCHEMA sales")
        conn.execute("CREATE VIEW sales.orders AS SELECT * FROM refuse_read()")
    return url
