import assert from "node:assert/strict";
import { test } from "node:test";

import {
  DEFAULT_VIEW,
  endOfDay,
  onlyDepthChanged,
  parseDay,
  parseViewState,
  serializeViewState,
} from "../src/lib/urlState.ts";

test("a deep link gives its asset, direction, depth and flags", () => {
  const view = parseViewState("?asset=warehouse.raw_orders&direction=downstream&depth=3&columns=1&impact=1");
  assert.deepEqual(view, {
    asset: "warehouse.raw_orders",
    direction: "downstream",
    depth: 3,
    columns: true,
    impact: true,
    asOf: null,
  });
});

test("bad values fall back to the defaults, depths are clamped to 1..100", () => {
  assert.deepEqual(parseViewState("?asset=a&direction=sideways&depth=x"), { ...DEFAULT_VIEW, asset: "a" });
  assert.equal(parseViewState("?asset=a&depth=0").depth, 1);
  assert.equal(parseViewState("?asset=a&depth=1000").depth, 100);
  assert.equal(parseViewState("").asset, null);
});

test("serializing and parsing agree, names with quotes and slashes included", () => {
  const view = { asset: 'file."data/x.csv"', direction: "upstream" as const, depth: 7, columns: false, impact: true, asOf: null };
  const search = serializeViewState(view);
  assert.equal(search, "?asset=file.%22data%2Fx.csv%22&direction=upstream&depth=7&impact=1");
  assert.deepEqual(parseViewState(search), view);
  assert.equal(serializeViewState({ ...view, asset: null }), "");
});

test("depth steps are told apart from other changes", () => {
  const view = { ...DEFAULT_VIEW, asset: "a" };
  assert.ok(onlyDepthChanged(view, { ...view, depth: 4 }));
  assert.ok(!onlyDepthChanged(view, { ...view, depth: 4, impact: true }));
  assert.ok(!onlyDepthChanged(view, view));
});

test("an as-of day travels in the URL as a calendar day, anything else is dropped", () => {
  const view = parseViewState("?asset=w.a&direction=downstream&depth=2&as_of=2026-11-01");
  assert.equal(view.asOf, "2026-11-01");
  assert.equal(serializeViewState(view), "?asset=w.a&direction=downstream&depth=2&as_of=2026-11-01");
  for (const bad of ["2026-02-30", "2026-13-01", "yesterday", "2026-11-01T10:00", ""]) {
    assert.equal(parseViewState(`?asset=w.a&as_of=${bad}`).asOf, null, bad);
  }
  assert.equal(parseDay(" 2024-02-29 "), "2024-02-29");
  assert.equal(endOfDay("2026-11-01"), "2026-11-01T23:59:59.999Z");
});
