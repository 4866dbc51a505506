"""The explorer's page in headless Chromium, against `lineage serve` over real stores.

Each server is the real command (`lineage --db URL serve ...` in a subprocess) over a SQLite
store filled through the store's public API: a small shop warehouse with SQL, column
mappings, runs (the last run of `build_daily` failed before writing), a Dagster asset key and
three real profiles of a real SQLite table; a layered graph of 500 tables; tokens. Playwright
drives Debian's Chromium (its own browser download is not used). Screenshots of each state
go to tests/artifacts/explorer/.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from lineage_core import open_store
from lineage_core.profiling import profile_table

playwright = pytest.importorskip("playwright.sync_api")
from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "explorer"
DAGSTER_URL = "http://dagster.test:3000"
NOT_ENABLED = (
    "Lineage tracking is not enabled for your subscription. Please upgrade to Premium edition."
)
# The page's impact colours, depth 1 to 4 (frontend/src/lib/impact.ts).
IMPACT_RGB = {1: "rgb(198, 40, 40)", 2: "rgb(230, 81, 0)", 3: "rgb(249, 168, 37)"}
IMPACT_RGB[4] = "rgb(124, 179, 66)"
RENDER_BUDGET_MS = 1000

SQL_STG_ORDERS = (
    "INSERT INTO shop.stg.orders SELECT id AS order_id, amt AS amount, cust AS customer_id "
    "FROM shop.raw.orders"
)
# source, target, job, op, SQL, column mappings (source column, target column)
SHOP_EDGES = [
    ("shop.raw.orders", "shop.stg.orders", "ingest", "load_orders", SQL_STG_ORDERS,
     [("id", "order_id"), ("amt", "amount"), ("cust", "customer_id")]),
    ("shop.raw.customers", "shop.stg.customers", "ingest", "load_customers", None,
     [("id", "customer_id"), ("name", "name")]),
    ("shop.stg.orders", "shop.mart.revenue", "build_marts", "revenue", None,
     [("amount", "total"), ("customer_id", "customer_id")]),
    ("shop.stg.customers", "shop.mart.revenue", "build_marts", "revenue", None,
     [("customer_id", "customer_id"), ("name", "customer_name")]),
    ("shop.stg.orders", "shop.mart.order_counts", "build_marts", "order_counts", None,
     [("order_id", "orders")]),
    ("shop.mart.revenue", "shop.mart.daily", "build_daily", "daily", None, [("total", "total")]),
    ("shop.mart.daily", "shop.report.kpi", "publish", "kpi", None, [("total", "revenue")]),
]  # fmt: skip
BIG_LEVELS, BIG_WIDTH, WIDE = 10, 50, 120


# -- stores --------------------------------------------------------------------------------


def fill_shop(url: str, warehouse: Path) -> None:
    """The shop's lineage, two successful runs of every job, a failed third run of
    build_daily that wrote nothing, an asset key, and three profiles of stg.orders."""
    store = open_store(url)
    try:
        start = datetime.now(UTC) - timedelta(days=2)
        for number in (1, 2):
            at = start + timedelta(hours=number)
            store.record_edges(
                {
                    "source": source, "target": target, "job": job, "op": op, "sql": sql,
                    "run_id": f"{job}-r{number}", "executed_at": at,
                    "columns": [{"source": s, "target": t} for s, t in columns],
                }
                for source, target, job, op, sql, columns in SHOP_EDGES
            )  # fmt: skip
            for job in sorted({edge[2] for edge in SHOP_EDGES}):
                run = f"{job}-r{number}"
                store.record_execution(run_id=run, job=job, status="SUCCESS", completed_at=at)
        failed_at = start + timedelta(hours=5)
        store.record_execution(
            run_id="build_daily-r3", job="build_daily", status="FAILURE", completed_at=failed_at
        )
        store.record_asset_keys({"shop/stg/orders": "shop.stg.orders"})
        profile_orders(store, warehouse)
    finally:
        store.close()


def profile_orders(store, warehouse: Path) -> None:
    """Profiles of a real SQLite table as it grows from 3 to 5 to 8 rows and gains a column."""
    steps = [
        ["CREATE TABLE orders (order_id INTEGER PRIMARY KEY, amount REAL, customer_id INT)",
         "INSERT INTO orders VALUES (1, 10.0, 1), (2, 20.5, 2), (3, NULL, 1)"],
        ["INSERT INTO orders VALUES (4, 5.0, 3), (5, 7.25, 2)"],
        ["ALTER TABLE orders ADD COLUMN discount REAL",
         "INSERT INTO orders VALUES (6, 1.0, 1, 0.1), (7, 2.0, 2, NULL), (8, 3.0, 3, 0.5)"],
    ]  # fmt: skip
    for statements in steps:
        database = sqlite3.connect(warehouse)
        with database:
            for statement in statements:
                database.execute(statement)
        database.close()
        store.add_profile(profile_table("shop.stg.orders", f"sqlite:///{warehouse}"))


def fill_big(url: str) -> None:
    """`big.l0.root` feeding 10 levels of 50 tables (500 downstream), and `big.wide.root`
    feeding 120 tables at depth 1."""
    name = "big.l{}.t{:02d}".format
    edges = [{"source": "big.l0.root", "target": name(1, i), "job": "fan"} for i in range(50)]
    for level in range(2, BIG_LEVELS + 1):
        for i in range(BIG_WIDTH):
            for j in (i, (i + 1) % BIG_WIDTH):
                source, target = name(level - 1, i), name(level, j)
                edges.append({"source": source, "target": target, "job": f"job{level}"})
    edges += [
        {"source": "big.wide.root", "target": f"big.wide.t{i:03d}", "job": "wide"}
        for i in range(WIDE)
    ]
    store = open_store(url)
    try:
        store.record_edges(edges)
    finally:
        store.close()


# -- servers and the browser -----------------------------------------------------------------


@dataclass
class Server:
    url: str
    store_url: str
    process: subprocess.Popen
    log: Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(name="serve")
def fixture_serve(tmp_path_factory) -> Iterator[Callable[..., Server]]:
    """Starts `lineage --db URL serve --port P ARGS...` and waits until it answers."""
    started: list[Server] = []

    def serve(store_url: str, *args: str) -> Server:
        port = free_port()
        log = tmp_path_factory.mktemp("serve") / "serve.log"
        command = [str(Path(sys.executable).parent / "lineage"), "--db", store_url, "serve"]
        command += ["--port", str(port), "--dagster-url", DAGSTER_URL, *args]
        with log.open("wb") as out:
            process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        server = Server(f"http://127.0.0.1:{port}", store_url, process, log)
        started.append(server)
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{server.url}/api/config", timeout=2) as answer:
                    if answer.status == 200:
                        return server
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"lineage serve did not start:\n{log.read_text()}")
            time.sleep(0.1)

    yield serve
    for server in started:
        server.process.terminate()
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


def shop_store(directory: Path) -> str:
    url = f"sqlite:///{directory / 'lineage.db'}"
    fill_shop(url, directory / "warehouse.db")
    return url


@pytest.fixture(name="shop")
def fixture_shop(serve, tmp_path: Path) -> Server:
    return serve(shop_store(tmp_path), "--no-auth")


def chromium_path() -> str:
    found = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if Path(found).is_file():
        return found
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail("Chromium is not installed: .ci/run installs Debian's chromium", pytrace=False)
    pytest.skip("Chromium is not installed (apt-get install chromium); on CI this fails")


@pytest.fixture(name="browser", scope="module")
def fixture_browser() -> Iterator[Browser]:
    executable = chromium_path()
    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=executable, args=["--no-sandbox", "--disable-gpu"]
        )
        yield browser
        browser.close()


@pytest.fixture(name="page")
def fixture_page(browser: Browser) -> Iterator[Page]:
    """A fresh tab at 1280x800; an uncaught error in the page fails the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], errors


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(150)  # the frame after the last change
    page.screenshot(path=ARTIFACTS / f"{name}.png")


# -- reading the page --------------------------------------------------------------------------


def node(page: Page, name: str):
    return page.locator(f'[data-testid=table-node][data-qualified-name="{name}"]')


def drawn_tables(page: Page) -> set[str]:
    return set(
        page.eval_on_selector_all(
            "[data-testid=table-node]", "nodes => nodes.map(n => n.dataset.qualifiedName)"
        )
    )


def wait_for_tables(page: Page, expected: set[str], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while (found := drawn_tables(page)) != expected:
        if time.monotonic() > deadline:
            raise AssertionError(f"drawn tables {sorted(found)} != {sorted(expected)}")
        page.wait_for_timeout(100)


def query_of(page: Page) -> dict[str, str]:
    from urllib.parse import parse_qsl, urlsplit

    return dict(parse_qsl(urlsplit(page.url).query))


def column_highlights(page: Page) -> dict[str, str]:
    """`table.column` -> its highlight, for every highlighted column row drawn."""
    return page.eval_on_selector_all(
        "[data-testid=table-node] .column-row[data-highlight]",
        """rows => Object.fromEntries(rows.map(row => [
            row.closest('[data-testid=table-node]').dataset.qualifiedName + '.' +
            row.dataset.column, row.dataset.highlight]))""",
    )


SHOP_FULL_3 = {
    "shop.raw.orders", "shop.stg.orders", "shop.mart.revenue", "shop.mart.order_counts",
    "shop.mart.daily", "shop.report.kpi",
}  # fmt: skip


# -- the tests ---------------------------------------------------------------------------------


def test_search_opens_an_asset_and_draws_its_graph(shop: Server, page: Page) -> None:
    page.goto(shop.url + "/")
    expect(page.locator(".asset-list li")).to_have_count(8)
    screenshot(page, "01-start")
    search = page.get_by_role("combobox", name="Search assets")
    search.fill("stg")
    options = page.get_by_role("option")
    expect(options).to_have_count(2)
    names = options.locator(".search__name")
    assert sorted(names.all_inner_texts()) == ["shop.stg.customers", "shop.stg.orders"]
    search.press("ArrowDown")  # the keyboard picks the second match
    opened = page.locator("[role=option][aria-selected=true] .search__name").inner_text()
    search.press("Enter")
    expect(page.locator("[data-testid=graph]")).to_have_attribute("data-root", opened)
    assert query_of(page) == {"asset": opened, "direction": "full", "depth": "3"}

    page.get_by_role("combobox", name="Search assets").fill("stg.orders")
    expect(page.get_by_role("option")).to_have_count(1)
    page.get_by_role("combobox", name="Search assets").press("Enter")
    expect(page.locator("[data-testid=graph]")).to_have_attribute("data-root", "shop.stg.orders")
    wait_for_tables(page, SHOP_FULL_3)
    expect(node(page, "shop.stg.orders")).to_have_class(re.compile(r"\bis-root\b"))
    expect(node(page, "shop.raw.orders")).to_have_class(re.compile(r"\bside-upstream\b"))
    expect(node(page, "shop.mart.daily")).to_have_class(re.compile(r"\bside-downstream\b"))
    labels = set(page.locator("[data-testid=edge-label]").all_inner_texts())
    assert labels == {
        "ingest / load_orders", "build_marts / revenue", "build_marts / order_counts",
        "build_daily / daily", "publish / kpi",
    }  # fmt: skip
    expect(page.locator("[data-testid=graph-summary]")).to_have_text(
        "5 assets up- and downstream within 3 levels"
    )
    screenshot(page, "02-graph")


def test_direction_and_depth_are_kept_in_the_url_and_back_works(shop: Server, page: Page) -> None:
    page.goto(shop.url + "/?asset=shop.stg.orders")
    wait_for_tables(page, SHOP_FULL_3)
    # A deep link without direction and depth is written out in full, in place.
    assert query_of(page) == {"asset": "shop.stg.orders", "direction": "full", "depth": "3"}

    page.get_by_role("button", name="Downstream", exact=True).click()
    downstream = {"shop.stg.orders", "shop.mart.revenue", "shop.mart.order_counts"}
    wait_for_tables(page, downstream | {"shop.mart.daily", "shop.report.kpi"})
    assert query_of(page)["direction"] == "downstream"

    page.get_by_label("Depth", exact=True).fill("1")
    wait_for_tables(page, downstream)
    assert query_of(page)["depth"] == "1"
    page.get_by_role("button", name="One level more").click()
    wait_for_tables(page, downstream | {"shop.mart.daily"})
    screenshot(page, "03-downstream-depth-2")

    page.get_by_role("button", name="Upstream", exact=True).click()
    wait_for_tables(page, {"shop.stg.orders", "shop.raw.orders"})
    expect(page.get_by_role("button", name="Upstream", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )

    page.go_back()
    wait_for_tables(page, downstream | {"shop.mart.daily"})
    assert query_of(page) == {"asset": "shop.stg.orders", "direction": "downstream", "depth": "2"}
    expect(page.get_by_label("Depth", exact=True)).to_have_value("2")
    page.go_back()  # depth steps within a second of each other are one history entry
    wait_for_tables(page, downstream | {"shop.mart.daily", "shop.report.kpi"})
    page.go_back()
    wait_for_tables(page, SHOP_FULL_3)
    assert query_of(page)["direction"] == "full"
    page.go_forward()
    wait_for_tables(page, downstream | {"shop.mart.daily", "shop.report.kpi"})


def test_deep_link_with_columns_and_impact_then_back(shop: Server, page: Page) -> None:
    page.goto(shop.url + "/?asset=shop.stg.orders&direction=downstream&depth=1&columns=1&impact=1")
    wait_for_tables(page, {"shop.stg.orders", "shop.mart.revenue", "shop.mart.order_counts"})
    for name in ("Downstream", "Columns", "What breaks?"):
        expect(page.get_by_role("button", name=name, exact=True)).to_have_attribute(
            "aria-pressed", "true"
        )
    expect(page.get_by_label("Depth", exact=True)).to_have_value("1")
    expect(node(page, "shop.mart.revenue").locator(".column-row")).to_have_count(3)
    expect(page.locator("[data-testid=impact-panel]")).to_be_visible()
    screenshot(page, "04-deep-link")

    node(page, "shop.mart.revenue").locator(".table-node__header").dblclick()
    expect(page.locator("[data-testid=graph]")).to_have_attribute("data-root", "shop.mart.revenue")
    assert query_of(page) == {
        "asset": "shop.mart.revenue", "direction": "downstream", "depth": "1",
        "columns": "1", "impact": "1",
    }  # fmt: skip
    wait_for_tables(page, {"shop.mart.revenue", "shop.mart.daily"})
    page.go_back()
    expect(page.locator("[data-testid=graph]")).to_have_attribute("data-root", "shop.stg.orders")
    wait_for_tables(page, {"shop.stg.orders", "shop.mart.revenue", "shop.mart.order_counts"})
    page.go_forward()
    expect(page.locator("[data-testid=graph]")).to_have_attribute("data-root", "shop.mart.revenue")


def test_columns_expand_and_a_selected_column_lights_its_lineage(shop: Server, page: Page) -> None:
    page.goto(shop.url + "/?asset=shop.stg.orders&direction=full&depth=3")
    wait_for_tables(page, SHOP_FULL_3)
    page.get_by_role("button", name="Show the columns of shop.stg.orders").click()
    page.get_by_role("button", name="Show the columns of shop.mart.revenue").click()
    stg_columns = node(page, "shop.stg.orders").locator(".column-row")
    expect(stg_columns).to_have_text(["amount", "customer_id", "order_id"])
    expect(node(page, "shop.mart.revenue").locator(".column-row")).to_have_text(
        ["customer_id", "customer_name", "total"]
    )
    # Column edges between the two expanded tables only: amount -> total, customer_id.
    expect(page.locator(".react-flow__edge-path.is-column")).to_have_count(2)
    screenshot(page, "05-two-tables-expanded")

    page.get_by_role("button", name="Columns", exact=True).click()
    assert query_of(page).get("columns") == "1"
    expect(node(page, "shop.report.kpi").locator(".column-row")).to_have_text(["revenue"])
    node(page, "shop.stg.orders").locator(".column-row[data-column=amount]").click()
    expect(node(page, "shop.stg.orders").locator("[data-column=amount]")).to_have_attribute(
        "data-highlight", "selected"
    )
    assert column_highlights(page) == {
        "shop.stg.orders.amount": "selected",
        "shop.raw.orders.amt": "upstream",
        "shop.mart.revenue.total": "downstream",
        "shop.mart.daily.total": "downstream",
        "shop.report.kpi.revenue": "downstream",
    }
    expect(page.locator(".react-flow__edge-path.is-column.is-highlighted")).to_have_count(4)
    screenshot(page, "06-column-selected")

    node(page, "shop.stg.orders").locator(".column-row[data-column=amount]").click()
    expect(page.locator(".column-row[data-highlight]")).to_have_count(0)


def test_impact_colours_the_downstream_by_depth_and_marks_failed_writes(
    shop: Server, page: Page
) -> None:
    page.goto(shop.url + "/?asset=shop.raw.orders&direction=downstream&depth=4&impact=1")
    panel = page.locator("[data-testid=impact-panel]")
    expect(panel.locator("[data-testid=impact-totals]")).to_have_text(
        "5 downstream tables within 15 levels, 4 jobs"
    )
    depths = panel.locator(".impact-depths li")
    expect(depths).to_have_text(
        ["depth 1: 1 table", "depth 2: 2 tables", "depth 3: 1 table", "depth 4: 1 table"]
    )
    swatches = depths.locator(".swatch").evaluate_all(
        "els => els.map(e => getComputedStyle(e).backgroundColor)"
    )
    assert swatches == [IMPACT_RGB[d] for d in (1, 2, 3, 4)]
    expected = {
        "shop.stg.orders": 1, "shop.mart.revenue": 2, "shop.mart.order_counts": 2,
        "shop.mart.daily": 3, "shop.report.kpi": 4,
    }  # fmt: skip
    wait_for_tables(page, {"shop.raw.orders", *expected})
    for name, depth in expected.items():
        expect(node(page, name)).to_have_attribute("data-impact-depth", str(depth))
        badge = node(page, name).locator(".badge-impact")
        expect(badge).to_have_text(f"depth {depth}")
        colour = badge.evaluate("e => getComputedStyle(e).backgroundColor")
        assert colour == IMPACT_RGB[depth], name
    assert node(page, "shop.raw.orders").get_attribute("data-impact-depth") is None
    # The failed third run of build_daily wrote nothing: daily is stale, and marked.
    expect(page.locator("[data-failed-write=true]")).to_have_count(1)
    expect(node(page, "shop.mart.daily")).to_have_attribute("data-failed-write", "true")
    expect(node(page, "shop.mart.daily").locator(".badge-failed")).to_have_text("⚠ failed")
    expect(panel.locator("[data-testid=failed-writes] li")).to_have_text(["shop.mart.daily"])
    jobs = panel.locator("[data-testid=affected-jobs] li strong")
    expect(jobs).to_have_text(["build_daily", "build_marts", "ingest", "publish"])
    screenshot(page, "07-impact")


def test_edge_panel_shows_sql_column_mappings_and_runs(shop: Server, page: Page) -> None:
    page.goto(shop.url + "/?asset=shop.stg.orders&direction=upstream&depth=1")
    wait_for_tables(page, {"shop.stg.orders", "shop.raw.orders"})
    page.get_by_test_id("edge-label").filter(has_text="ingest / load_orders").click()
    panel = page.get_by_test_id("edge-panel")
    expect(panel.get_by_role("heading", level=2)).to_have_text("Lineage edge")
    expect(panel.locator(".panel__subtitle")).to_have_text("shop.raw.orders → shop.stg.orders")
    edge = panel.get_by_test_id("stored-edge")
    expect(edge).to_have_count(1)
    expect(edge.get_by_role("heading", level=3)).to_have_text("ingest / load_orders")
    expect(edge.get_by_test_id("edge-sql")).to_have_text(SQL_STG_ORDERS)
    expect(edge.get_by_test_id("execution-count")).to_have_text("2")
    rows = edge.locator("[data-testid=edge-columns] tbody tr")
    expect(rows).to_have_text([re.compile(r"^id\s*order_id"), re.compile(r"^amt\s*amount"),
                               re.compile(r"^cust\s*customer_id")])  # fmt: skip
    run_link = edge.get_by_role("link", name=re.compile("^run "))
    expect(run_link).to_have_attribute("href", f"{DAGSTER_URL}/runs/ingest-r2")
    screenshot(page, "08-edge-panel")

    panel.press("Escape")
    expect(page.get_by_test_id("edge-panel")).to_have_count(0)
    # The keyboard opens it too: the edge is focusable, Enter selects it.
    page.locator(".react-flow__edge[aria-label^='Lineage from']").first.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("edge-panel")).to_be_visible()


def test_table_panel_charts_profiles_and_links_to_dagster(shop: Server, page: Page) -> None:
    page.goto(shop.url + "/?asset=shop.stg.orders&direction=full&depth=1")
    wait_for_tables(page, {"shop.raw.orders", "shop.stg.orders", "shop.mart.revenue",
                           "shop.mart.order_counts"})  # fmt: skip
    node(page, "shop.stg.orders").get_by_role("button", name="orders", exact=True).click()
    panel = page.get_by_test_id("table-panel")
    chart = panel.get_by_test_id("row-count-chart")
    expect(chart.locator("circle")).to_have_count(3)
    expect(chart).to_have_attribute("aria-label", "Row count over 3 profiles, from 3 to 8")
    heights = chart.locator("circle").evaluate_all("cs => cs.map(c => Number(c.dataset.y))")
    assert heights == sorted(heights, reverse=True)  # growing rows: each dot higher
    expect(chart.locator("polyline")).to_have_count(1)
    stats = panel.get_by_test_id("column-stats").locator("tbody th")
    expect(stats).to_have_text(["order_id", "amount", "customer_id", "discount"])
    drift = panel.get_by_test_id("drift")
    expect(drift.locator("strong")).to_have_text("Schema changed")
    expect(drift).to_contain_text("added discount")
    expect(panel.get_by_test_id("dagster-asset-link")).to_have_attribute(
        "href", f"{DAGSTER_URL}/assets/shop/stg/orders"
    )
    last_write = panel.get_by_test_id("last-write")
    expect(last_write.locator(".status")).to_have_text("SUCCESS")
    expect(last_write.get_by_role("link")).to_have_attribute(
        "href", f"{DAGSTER_URL}/runs/ingest-r2"
    )
    screenshot(page, "09-table-panel")

    node(page, "shop.raw.orders").get_by_role("button", name="orders", exact=True).click()
    expect(panel.get_by_role("heading", level=2)).to_have_text("orders")
    expect(panel.locator(".panel__subtitle")).to_have_text("shop.raw.orders")
    expect(panel.get_by_text("No profile yet.")).to_be_visible()
    expect(panel.get_by_test_id("dagster-asset-link")).to_have_count(0)


def test_an_unknown_asset_offers_the_closest_names(shop: Server, page: Page) -> None:
    page.goto(shop.url + "/?asset=shop.stg.ordrs")
    problem = page.get_by_test_id("graph-problem")
    expect(problem.get_by_role("heading")).to_have_text("No asset named shop.stg.ordrs")
    problem.get_by_role("button", name="shop.stg.orders").click()
    expect(page.locator("[data-testid=graph]")).to_have_attribute("data-root", "shop.stg.orders")


def test_a_captured_run_updates_the_open_graph_live(serve, tmp_path: Path, page: Page) -> None:
    server = serve(shop_store(tmp_path), "--no-auth")
    page.goto(server.url + "/?asset=shop.mart.daily&direction=downstream&depth=3")
    wait_for_tables(page, {"shop.mart.daily", "shop.report.kpi"})
    expect(page.locator("[data-live]")).to_have_attribute("data-live", "live")
    page.evaluate("window.__sameDocument = true")

    store = open_store(server.store_url)
    try:
        store.record_edges(
            [{"source": "shop.report.kpi", "target": "shop.report.board", "job": "publish",
              "op": "board", "run_id": "publish-r9"}]
        )  # fmt: skip
        store.record_execution(
            run_id="publish-r9", job="publish", status="SUCCESS", edges_created=1,
            completed_at=datetime.now(UTC),
        )  # fmt: skip
    finally:
        store.close()
    captured = time.monotonic()
    wait_for_tables(page, {"shop.mart.daily", "shop.report.kpi", "shop.report.board"}, 15)
    seconds = time.monotonic() - captured
    assert page.evaluate("window.__sameDocument") is True  # no reload
    expect(page.get_by_test_id("live-notice")).to_contain_text("publish")
    screenshot(page, "10-live-update")
    print(f"live update drawn {seconds:.1f} s after the capture was recorded")


def test_500_nodes_lay_out_and_draw_within_a_second(serve, tmp_path: Path, page: Page) -> None:
    url = f"sqlite:///{tmp_path / 'big.db'}"
    fill_big(url)
    server = serve(url, "--no-auth")
    timings = []
    for _ in range(3):
        page.goto(server.url + f"/?asset=big.l0.root&direction=downstream&depth={BIG_LEVELS}")
        page.wait_for_function("document.documentElement.dataset.graphRenderMs", timeout=30_000)
        timings.append(int(page.evaluate("document.documentElement.dataset.graphRenderMs")))
        assert page.locator(".react-flow__node-table").count() == 1 + BIG_LEVELS * BIG_WIDTH
        assert page.locator("[data-testid=more-node]").count() == 0
        measured = page.evaluate(
            "performance.getEntriesByName('lineage-graph-render').map(e => e.duration)"
        )
        assert len(measured) == 1 and abs(measured[0] - timings[-1]) < 2
    screenshot(page, "11-500-nodes")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "render-timings.json").write_text(json.dumps({"500 nodes, ms": timings}))
    print(f"500 nodes, data to drawn nodes: {timings} ms")
    assert sorted(timings)[1] < RENDER_BUDGET_MS, timings  # the median of three
    assert max(timings) < 2 * RENDER_BUDGET_MS, timings  # never a frozen tab


def test_a_wide_level_is_capped_with_show_more(serve, tmp_path: Path, page: Page) -> None:
    url = f"sqlite:///{tmp_path / 'big.db'}"
    fill_big(url)
    server = serve(url, "--no-auth")
    page.goto(server.url + "/?asset=big.wide.root&direction=downstream&depth=1")
    more = page.get_by_test_id("more-node")
    expect(more.get_by_role("button")).to_have_text(
        re.compile(r"^Show 50 more\s*70 hidden at downstream depth 1$")
    )
    assert page.locator(".react-flow__node-table").count() == 1 + 50
    expect(page.get_by_test_id("graph-summary")).to_contain_text("70 not drawn")
    screenshot(page, "12-show-more")
    more.get_by_role("button").click()
    expect(page.locator(".react-flow__node-table")).to_have_count(1 + 100)
    expect(more.get_by_role("button")).to_have_text(re.compile(r"^Show 20 more"))
    # The same, from the bar under the graph (readable however far the graph is zoomed out).
    page.get_by_role("button", name="show 20 more at downstream depth 1").click()
    expect(page.locator(".react-flow__node-table")).to_have_count(1 + WIDE)
    expect(more).to_have_count(0)


def test_tokens_are_asked_once_and_a_standard_tenant_sees_the_edition_message(
    serve, tmp_path: Path, browser: Browser
) -> None:
    url = shop_store(tmp_path)
    store = open_store(url)
    try:
        _, token = store.create_token("page")
        store.create_tenant("basic")
        _, basic = store.create_token("page", tenant="basic")
    finally:
        store.close()
    server = serve(url)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(server.url + "/?asset=shop.stg.orders")
    prompt = page.get_by_test_id("token-prompt")
    expect(prompt).to_be_visible()
    expect(prompt.get_by_role("alert")).to_have_count(0)
    screenshot(page, "13-token-prompt")

    prompt.get_by_label("Access token").fill("not-a-token")
    prompt.get_by_role("button", name="Sign in").click()
    expect(prompt.get_by_role("alert")).to_have_text("That token was refused. Enter a valid token.")
    screenshot(page, "14-token-refused")

    prompt.get_by_label("Access token").fill(token)
    prompt.get_by_role("button", name="Sign in").click()
    expect(prompt).to_have_count(0)
    wait_for_tables(page, SHOP_FULL_3)
    # The live channel is a fetch stream carrying the token (an EventSource could not).
    expect(page.locator("[data-live]")).to_have_attribute("data-live", "live")
    page.reload()  # kept for the tab: not asked again
    wait_for_tables(page, SHOP_FULL_3)
    expect(page.get_by_test_id("token-prompt")).to_have_count(0)

    page.evaluate("sessionStorage.setItem('lineage-explorer-token', 'revoked-or-wrong')")
    page.reload()  # a 401 brings the prompt back
    expect(page.get_by_test_id("token-prompt").get_by_role("alert")).to_be_visible()
    context.close()

    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(server.url + "/?asset=shop.stg.orders")
    prompt = page.get_by_test_id("token-prompt")
    prompt.get_by_label("Access token").fill(basic)
    prompt.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("forbidden").locator("p")).to_have_text(NOT_ENABLED)
    screenshot(page, "15-standard-edition")
    page.get_by_role("button", name="Use another token").click()
    page.get_by_test_id("token-prompt").get_by_label("Access token").fill(token)
    page.get_by_test_id("token-prompt").get_by_role("button", name="Sign in").click()
    wait_for_tables(page, SHOP_FULL_3)
    context.close()


def test_as_of_a_day_draws_the_lineage_then_and_marks_what_has_gone_since(
    serve, tmp_path: Path, page: Page
) -> None:
    url = shop_store(tmp_path)  # its runs ran two days ago
    with open_store(url) as store:
        [retired] = [e for e in store.edges("shop.mart.daily") if e.target == "shop.report.kpi"]
        store.retire_edges([retired.id])
        store.record_edge("shop.mart.daily", "shop.report.weekly", job="publish", op="weekly")
    server = serve(url, "--no-auth")
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()

    page.goto(server.url + "/?asset=shop.mart.daily&direction=downstream&depth=2")
    wait_for_tables(page, {"shop.mart.daily", "shop.report.weekly"})
    page.get_by_label("As of").fill(yesterday)
    expect(page.locator("[data-testid=as-of-note]")).to_contain_text(
        "1 table and 1 edge gone (dashed), 1 table and 1 edge new"
    )
    wait_for_tables(page, {"shop.mart.daily", "shop.report.kpi"})  # as it was: kpi, not weekly
    expect(node(page, "shop.report.kpi")).to_have_attribute("data-gone", "true")
    expect(node(page, "shop.mart.daily")).not_to_have_attribute("data-gone", "true")
    expect(page.locator(".react-flow__edge-path.is-gone")).to_have_count(1)
    assert query_of(page)["as_of"] == yesterday
    screenshot(page, "16-as-of")

    page.get_by_role("button", name="show now").click()
    wait_for_tables(page, {"shop.mart.daily", "shop.report.weekly"})
    assert "as_of" not in query_of(page)
    expect(page.locator("[data-testid=as-of-note]")).to_have_count(0)
