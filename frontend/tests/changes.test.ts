import assert from "node:assert/strict";
import { test } from "node:test";

import { changesSince, edgeKey } from "../src/lib/changes.ts";
import type { DiffAsset, DiffEdge, LineageDiff } from "../src/lib/types.ts";

const asset = (name: string): DiffAsset => ({
  id: name, name, qualifiedName: name, type: "table", depth: 1, at: "2026-11-02T00:00:00Z",
});
const edge = (id: number, source: string, target: string): DiffEdge => ({
  edgeId: id, source, target, job: "etl", op: null, codeLocation: null, transformationType: null,
  activeFrom: "2026-10-01T00:00:00Z", activeUntil: null, at: "2026-11-02T00:00:00Z",
});
const diff = (direction: "upstream" | "downstream", parts: Partial<LineageDiff>): LineageDiff => ({
  rootAssetId: "1", root: "w.root", direction, maxDepth: 3, since: "", until: "",
  addedAssets: [], removedAssets: [], addedEdges: [], removedEdges: [], ...parts,
});

test("both sides' changes are one, a table or edge on both sides counted once", () => {
  const down = diff("downstream", {
    removedAssets: [asset("w.old"), asset("w.loop")],
    removedEdges: [edge(1, "w.root", "w.old"), edge(2, "w.root", "w.loop")],
    addedAssets: [asset("w.new")],
    addedEdges: [edge(3, "w.root", "w.new")],
  });
  const up = diff("upstream", {
    removedAssets: [asset("w.loop")],
    removedEdges: [edge(2, "w.root", "w.loop"), edge(4, "w.loop", "w.root")],
  });
  const changes = changesSince([down, up]);
  assert.deepEqual([...changes.goneTables].sort(), ["w.loop", "w.old"]);
  assert.equal(changes.removedEdges.length, 3);
  assert.ok(changes.goneEdges.has(edgeKey("w.loop", "w.root")));
  assert.ok(!changes.goneEdges.has(edgeKey("w.root", "w.new")));
  assert.deepEqual(changes.addedTables.map((a) => a.qualifiedName), ["w.new"]);
  assert.equal(changes.addedEdges.length, 1);
});
