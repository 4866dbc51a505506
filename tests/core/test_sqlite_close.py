"""Closing a SQLite store while another thread is inside a session: an error for that thread,
never a crash of the process (sqlite3 frees a connection that a running statement uses)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import sys, threading, time
    from lineage_core.errors import StoreError
    from lineage_core.store.backends.sqlite import SqliteBackend

    ended = []
    for attempt in range(int(sys.argv[2])):
        backend = SqliteBackend(f"{sys.argv[1]}/close{attempt}.db")

        def query():
            try:
                while True:
                    with backend.session() as session:
                        session._conn.execute(
                            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                            "WHERE i < 50000) SELECT count(*) FROM n"
                        ).fetchone()
            except StoreError as exc:
                ended.append(str(exc))

        thread = threading.Thread(target=query)
        thread.start()
        time.sleep(0.01)
        backend.close()
        thread.join(10)
        assert not thread.is_alive(), "the querying thread did not end after close"
    print(len(ended))
    """
)


def test_closing_a_sqlite_store_under_a_running_session_does_not_crash(tmp_path):
    attempts = 20
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path), str(attempts)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"exit {done.returncode}: {done.stderr[-2000:]}"
    assert int(done.stdout) == attempts  # every thread ended on the store's own error
