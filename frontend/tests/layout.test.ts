import assert from "node:assert/strict";
import { test } from "node:test";

import {
  layoutGraph,
  MAX_RANK_GAP,
  MIN_RANK_GAP,
  NODE_WIDTH,
  rankGap,
  tableNodeHeight,
} from "../src/lib/layout.ts";
import { visibleGraph } from "../src/lib/visible.ts";
import { layered } from "./fixtures.ts";

for (const [levels, width] of [
  [4, 5],
  [4, 60],
]) {
  test(`layers run left to right, ${levels} levels of ${width}: every edge goes rightwards`, () => {
    const drawn = visibleGraph(layered(levels!, width!));
    const nodes = drawn.nodes.map((n) => ({ id: n.id, width: NODE_WIDTH, height: tableNodeHeight(null) }));
    const positions = layoutGraph(nodes, drawn.edges);
    for (const edge of drawn.edges) {
      assert.ok(positions.get(edge.source)!.x < positions.get(edge.target)!.x, edge.id);
    }
    // No two nodes overlap.
    const boxes = [...positions.values()].sort((a, b) => a.x - b.x || a.y - b.y);
    for (let i = 1; i < boxes.length; i++) {
      const [a, b] = [boxes[i - 1]!, boxes[i]!];
      assert.ok(a.x !== b.x || b.y - a.y >= tableNodeHeight(null), `overlap at ${b.x},${b.y}`);
    }
  });
}

test("500 nodes lay out well within the page's budget", () => {
  const drawn = visibleGraph(layered(10, 50));
  assert.equal(drawn.nodes.length, 501);
  const nodes = drawn.nodes.map((n) => ({ id: n.id, width: NODE_WIDTH, height: tableNodeHeight(null) }));
  const start = performance.now();
  const positions = layoutGraph(nodes, drawn.edges);
  const elapsed = performance.now() - start;
  assert.equal(positions.size, 501);
  // The browser test holds the real budget (a second from data to drawn nodes); this one
  // only catches a layout gone quadratic.
  assert.ok(elapsed < 3000, `layout took ${elapsed.toFixed(0)} ms`);
});

test("the gap between layers makes room for the longest edge label, within bounds", () => {
  const nodes = ["a", "b"].map((id) => ({ id, width: NODE_WIDTH, height: tableNodeHeight(null) }));
  const gapFor = (label?: string) => {
    const positions = layoutGraph(nodes, [{ source: "a", target: "b", label }]);
    return positions.get("b")!.x - positions.get("a")!.x - NODE_WIDTH;
  };
  assert.equal(gapFor(), MIN_RANK_GAP);
  assert.equal(gapFor("ingest / load"), MIN_RANK_GAP);
  const long = "build_staging / load_stg_orders"; // clipped by the tables at the minimum gap
  assert.ok(gapFor(long) > MIN_RANK_GAP && gapFor(long) >= long.length * 6);
  assert.equal(gapFor("x".repeat(200)), MAX_RANK_GAP);
  assert.equal(rankGap([{ source: "a", target: "b", label: long }]), gapFor(long));
});
