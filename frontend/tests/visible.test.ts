import assert from "node:assert/strict";
import { test } from "node:test";

import { edgeLabel, sidesOf, visibleGraph } from "../src/lib/visible.ts";
import { edge, graph, layered, node } from "./fixtures.ts";

test("each level is capped, the rest behind one 'show more' node", () => {
  const drawn = visibleGraph(layered(2, 120), new Map(), new Set(), 50);
  const tables = drawn.nodes.filter((n) => n.kind === "table");
  const more = drawn.nodes.filter((n) => n.kind === "more");
  assert.equal(tables.length, 1 + 50 + 50);
  assert.deepEqual(
    more.map((n) => [n.id, n.kind === "more" && n.hidden]),
    [
      ["more:down:1", 70],
      ["more:down:2", 70],
    ],
  );
  assert.equal(drawn.hiddenCount, 140);
  // Hidden tables are reached through their level's node, never drawn edges.
  const ids = new Set(drawn.nodes.map((n) => n.id));
  for (const e of drawn.edges) assert.ok(ids.has(e.source) && ids.has(e.target), e.id);
  assert.ok(drawn.edges.some((e) => e.toMore && e.source === "more:down:1"));
});

test("showing more of a level, and pinned tables, are drawn", () => {
  const wide = layered(1, 120);
  assert.equal(visibleGraph(wide, new Map([["down:1", 100]]), new Set(), 50).nodes.length, 1 + 100 + 1);
  assert.equal(visibleGraph(wide, new Map([["down:1", 200]]), new Set(), 50).nodes.length, 1 + 120);
  const pinned = visibleGraph(wide, new Map(), new Set(["120"]), 50);
  assert.ok(pinned.nodes.some((n) => n.id === "120"));
});

test("tables next to drawn ones go first", () => {
  // Level 2 has a table fed by a drawn table and many fed by a hidden one.
  const nodes = [node("1", 1), node("2", 1), node("3", 2), node("4", 2), node("5", 2)];
  const edges = [edge("0", "1"), edge("0", "2"), edge("1", "5"), edge("9", "3"), edge("9", "4")];
  const drawn = visibleGraph(graph(nodes, edges), new Map(), new Set(), 1);
  const level2 = drawn.nodes.filter((n) => n.kind === "table" && n.depth === 2).map((n) => n.id);
  assert.deepEqual(level2, ["5"]);
});

test("sides in a full graph: the server's, else walked from the root", () => {
  const nodes = [node("1", 1), node("2", 1), node("3", 1)];
  const edges = [edge("1", "0"), edge("0", "2"), edge("0", "3"), edge("3", "0")];
  assert.deepEqual(
    Object.fromEntries(sidesOf(graph(nodes, edges, "full"))),
    { "1": "upstream", "2": "downstream", "3": "both" },
  );
  const given = [node("1", 1, "downstream")];
  assert.equal(sidesOf(graph(given, [edge("1", "0")], "full")).get("1"), "downstream");
});

test("parallel edges are one drawn edge labelled with its first job and op", () => {
  const drawn = visibleGraph(graph([node("1", 1)], [edge("0", "1", "load", "copy"), edge("0", "1", "fix", "patch")]));
  assert.equal(drawn.edges.length, 1);
  assert.equal(edgeLabel(drawn.edges[0]!.runs), "load / copy +1");
});
