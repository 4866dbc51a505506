import assert from "node:assert/strict";
import { test } from "node:test";

import { rowCountChart } from "../src/lib/chart.ts";
import { dagsterAssetUrl, dagsterRunUrl, formatValue, redactUrl, shortRunId } from "../src/lib/format.ts";
import { countsByDepth, impactColour, IMPACT_COLOURS } from "../src/lib/impact.ts";
import type { ImpactAnalysis, TableProfile } from "../src/lib/types.ts";

test("links into the Dagster UI", () => {
  assert.equal(dagsterRunUrl("http://dagster:3000/", "abc-1"), "http://dagster:3000/runs/abc-1");
  assert.equal(shortRunId("0f1e2d3c-aaaa-bbbb-cccc-000000000000"), "0f1e2d3c");
  assert.equal(shortRunId("ingest-r2"), "ingest-r2");
  assert.equal(dagsterAssetUrl("http://d", "shop/stg orders"), "http://d/assets/shop/stg%20orders");
});

test("statistics are shortened", () => {
  assert.equal(formatValue(1234567), "1,234,567");
  assert.equal(formatValue(2.5), "2.5");
  assert.equal(formatValue(6.964285714), "6.964");
  assert.equal(formatValue(null), "–");
  assert.equal(formatValue("x".repeat(50)).length, 40);
});

test("connection URLs are shown without their password", () => {
  assert.equal(redactUrl("postgresql://reader:s3cret@db:5432/shop"), "postgresql://reader:•••@db:5432/shop");
  assert.equal(redactUrl("sqlite:////tmp/w.db"), "sqlite:////tmp/w.db");
  assert.equal(redactUrl("warehouse"), "warehouse");
});

test("impact colours per depth; deep levels share the last", () => {
  assert.equal(impactColour(1), IMPACT_COLOURS[0]);
  assert.equal(impactColour(40), IMPACT_COLOURS[IMPACT_COLOURS.length - 1]);
  const impact = { countsByDepth: { "2": 4, "1": 3, "10": 1 } } as unknown as ImpactAnalysis;
  assert.deepEqual(
    countsByDepth(impact).map((d) => [d.depth, d.count]),
    [
      [1, 3],
      [2, 4],
      [10, 1],
    ],
  );
});

test("the row-count chart runs oldest to newest, higher counts higher up", () => {
  const profile = (at: string, rows: number) => ({ profiledAt: at, rowCount: rows }) as TableProfile;
  const chart = rowCountChart([profile("2026-01-03T00:00:00Z", 30), profile("2026-01-01T00:00:00Z", 10), profile("2026-01-02T00:00:00Z", 20)], 100, 50, 0);
  assert.deepEqual(chart.points.map((p) => [p.x, p.y, p.rowCount]), [
    [0, 50, 10],
    [50, 25, 20],
    [100, 0, 30],
  ]);
  assert.deepEqual(rowCountChart([], 100, 50).points, []);
});
