"""The page's own unit tests (``frontend/tests``, run by ``node --test``) as part of the suite.

They check the page's logic that the browser tests reach only through the drawn result: the
layout, which nodes are drawn, column highlighting, the URL state, the event stream parser.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

FRONTEND = Path(__file__).resolve().parents[2] / "frontend"


def npm() -> str:
    found = shutil.which("npm")
    if found:
        return found
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail("npm is not installed: the page's unit tests need Node 20.19+", pytrace=False)
    pytest.skip("npm is not installed (Node 20.19+); on CI this fails")


def test_the_pages_unit_tests_pass() -> None:
    command = npm()
    if not (FRONTEND / "node_modules" / ".package-lock.json").exists():
        subprocess.run([command, "ci", "--no-audit", "--no-fund"], cwd=FRONTEND, check=True,
                       capture_output=True, timeout=600)  # fmt: skip
    done = subprocess.run(
        [command, "test"], cwd=FRONTEND, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "# fail 0" in done.stdout
