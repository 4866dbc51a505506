import assert from "node:assert/strict";
import { test } from "node:test";

import { ColumnIndex, columnKey } from "../src/lib/columns.ts";
import type { AssetColumns, ColumnLink } from "../src/lib/types.ts";

function link(source: string, target: string): ColumnLink {
  const [sourceTable, sourceColumn] = source.split(":") as [string, string];
  const [targetTable, targetColumn] = target.split(":") as [string, string];
  return { sourceTable, sourceColumn, targetTable, targetColumn, transformation: null, job: null, op: null, codeLocation: null, edgeId: null };
}

const answers: AssetColumns[] = [
  { asset: "raw", incoming: [], outgoing: [link("raw:id", "stg:id"), link("raw:amt", "stg:amount")] },
  {
    asset: "stg",
    incoming: [link("raw:id", "stg:id"), link("raw:amt", "stg:amount")],
    outgoing: [link("stg:id", "mart:order_id"), link("stg:amount", "mart:total"), link("stg:id", "mart:total")],
  },
];

test("columns of a table come from its links, sorted", () => {
  const index = new ColumnIndex(answers);
  assert.deepEqual(index.columnsOf("stg"), ["amount", "id"]);
  assert.deepEqual(index.columnsOf("mart"), ["order_id", "total"]);
  assert.equal(index.links.length, 5); // the links both tables report are kept once
});

test("a selected column reaches its sources and its consumers, transitively, not its siblings", () => {
  const highlight = new ColumnIndex(answers).highlight({ table: "stg", column: "amount" });
  assert.equal(highlight.selected, columnKey("stg", "amount"));
  assert.deepEqual([...highlight.upstream], [columnKey("raw", "amt")]);
  assert.deepEqual([...highlight.downstream], [columnKey("mart", "total")]);
  const fromRaw = new ColumnIndex(answers).highlight({ table: "raw", column: "id" });
  assert.deepEqual(
    [...fromRaw.downstream].sort(),
    [columnKey("mart", "order_id"), columnKey("mart", "total"), columnKey("stg", "id")].sort(),
  );
});

test("cycles end", () => {
  const cyclic: AssetColumns[] = [{ asset: "a", incoming: [link("b:x", "a:x")], outgoing: [link("a:x", "b:x")] }];
  const highlight = new ColumnIndex(cyclic).highlight({ table: "a", column: "x" });
  assert.deepEqual([...highlight.downstream], [columnKey("b", "x")]);
  assert.deepEqual([...highlight.upstream], [columnKey("b", "x")]);
});
