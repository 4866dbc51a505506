"""What ``lineage import`` makes of files that are not clean UTF-8 JSON Lines, and searching
names beyond ASCII, on both backends."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from lineage_core.cli import main

GOOD = {"source": "shop.raw.orders", "target": "shop.stg.orders", "job": "etl"}


def _lines(*lines: bytes) -> bytes:
    return b"\n".join(lines) + b"\n"


def test_a_line_that_is_not_utf8_is_reported_like_other_bad_lines(run, tmp_path):
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(
        _lines(
            json.dumps(GOOD).encode(),
            '{"source": "shop.raw.caf\u00e9", "target": "shop.x"}'.encode("latin-1"),
        )
    )
    refused = run("import", str(path), code=1)
    assert "line 2: not UTF-8" in refused.stderr and "Traceback" not in refused.output
    assert run("assets", "--json").stdout.count("qualifiedName") == 0

    kept = run("import", str(path), "--skip-invalid")
    assert "1 edge(s)" in kept.stdout and "1 line(s) skipped" in kept.stdout
    assert "skipped line 2: not UTF-8" in kept.stderr


def test_a_utf8_byte_order_mark_is_accepted_at_the_start_only(run, tmp_path):
    path = tmp_path / "bom.jsonl"
    other = {**GOOD, "target": "shop.stg.other"}
    bom = b"\xef\xbb\xbf"
    path.write_bytes(bom + _lines(json.dumps(GOOD).encode(), json.dumps(other).encode()))
    assert "2 edge(s)" in run("import", str(path)).stdout
    stdin = run("import", "-", "--json", input=bom + json.dumps(GOOD).encode())
    assert json.loads(stdin.stdout)["edgesUpdated"] == 1

    path.write_bytes(_lines(json.dumps(GOOD).encode(), bom + json.dumps(other).encode()))
    assert "line 2: not JSON" in run("import", str(path), code=1).stderr


NUL_LINES = [
    b'{"source": "shop.a", "target": "shop.b"}\x00',
    b'{"source": "shop.a\x00", "target": "shop.b"}',
    b'{"source": "shop.a\\u0000", "target": "shop.b"}',
    b'{"source": "shop.a", "target": "shop.b", "run_id": "r\\u0000"}',
    b'{"source": "shop.a", "target": "shop.b", "code_location": "w\\u0000"}',
    b'{"source": "shop.a", "target": "shop.b", "transformation": "t\\u0000"}',
    b'{"source": "shop.a", "target": "shop.b", "columns": [{"source": "x", "target": "y", '
    b'"transformation": "\\u0000"}]}',
    b'{"source": "shop.a", "target": "shop.b", "executed_at": "2024-01-01\\u0000"}',
    b'{"source": "shop.a", "target": "shop.b", "col\\u0000": 1}',
]


@pytest.mark.parametrize("line", NUL_LINES, ids=range(len(NUL_LINES)))
def test_skip_invalid_skips_lines_with_nul_bytes(run, tmp_path, line):
    path = tmp_path / "nul.jsonl"
    path.write_bytes(_lines(json.dumps(GOOD).encode(), line))
    refused = run("import", str(path), code=1)
    assert "line 2:" in refused.stderr and "\x00" not in refused.stderr
    kept = run("import", str(path), "--skip-invalid", "--json")
    assert json.loads(kept.stdout)["linesSkipped"] == 1
    assert "skipped line 2:" in kept.stderr and "\x00" not in kept.stderr
    names = {a["qualifiedName"] for a in json.loads(run("assets", "--json").stdout)["assets"]}
    assert names == {"shop.raw.orders", "shop.stg.orders"}


def test_search_folds_case_beyond_ascii(store, store_url):
    store.record_edge('shop."Ünïcode_Orders"', "shop.stg.orders")
    store.record_edge('shop."ÉTÉ"', "shop.stg.orders")
    for search in ("ünï", "ÜNÏ", "ünïcode_orders"):
        assert [a.qualified_name for a in store.assets(search=search)] == ['shop."Ünïcode_Orders"']
    assert [a.qualified_name for a in store.assets(search="été")] == ['shop."ÉTÉ"']
    assert len(store.assets()) == 3
    listed = CliRunner().invoke(main, ["--db", store_url, "assets", "--search", "ünï", "--json"])
    assert [a["qualifiedName"] for a in json.loads(listed.stdout)["assets"]] == [
        'shop."Ünïcode_Orders"'
    ]
    unknown = CliRunner().invoke(main, ["--db", store_url, "downstream", 'shop."ünïcode_orders"'])
    assert unknown.exit_code == 2 and 'shop."Ünïcode_Orders"' in unknown.stderr
