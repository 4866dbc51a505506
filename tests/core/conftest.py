"""The ``lineage`` command on a store of each backend, for the command's tests."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from lineage_core.cli import main


@pytest.fixture(name="run")
def fixture_run(store_url):
    """``run(*args, code=0, input=None)``: the command against a store made by ``lineage
    init`` (the only command that creates one), asserting its exit status."""
    runner = CliRunner()
    created = runner.invoke(main, ["--db", store_url, "init"])
    assert created.exit_code == 0, created.output

    def run(*args: str, code: int = 0, input: str | bytes | None = None):
        result = runner.invoke(main, ["--db", store_url, *args], input=input)
        assert result.exit_code == code, (result.output, result.stderr, result.exception)
        return result

    return run
