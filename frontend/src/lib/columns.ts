/**
 * Column-level lineage across the tables the user expanded: each table's columns, the links
 * between them, and what a selected column reaches upstream and downstream, transitively.
 */

import type { AssetColumns, ColumnLink } from "./types.ts";

export interface ColumnRef {
  table: string;
  column: string;
}

export interface ColumnHighlight {
  selected: string | null;
  upstream: Set<string>;
  downstream: Set<string>;
}

export const NO_HIGHLIGHT: ColumnHighlight = {
  selected: null,
  upstream: new Set(),
  downstream: new Set(),
};

/** A key for a table's column: names may hold dots and quotes, so a control character joins. */
export function columnKey(table: string, column: string): string {
  return `${table}\u0001${column}`;
}

export function parseColumnKey(key: string): ColumnRef {
  const at = key.indexOf("\u0001");
  return { table: key.slice(0, at), column: key.slice(at + 1) };
}

export class ColumnIndex {
  readonly links: ColumnLink[] = [];
  private readonly seen = new Set<string>();
  private readonly tableColumns = new Map<string, Set<string>>();
  private readonly forward = new Map<string, string[]>();
  private readonly backward = new Map<string, string[]>();

  constructor(answers: Iterable<AssetColumns> = []) {
    for (const answer of answers) {
      for (const link of [...answer.incoming, ...answer.outgoing]) this.add(link);
    }
  }

  private add(link: ColumnLink): void {
    const source = columnKey(link.sourceTable, link.sourceColumn);
    const target = columnKey(link.targetTable, link.targetColumn);
    const key = `${source}\u0002${target}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.links.push(link);
    this.column(link.sourceTable, link.sourceColumn);
    this.column(link.targetTable, link.targetColumn);
    (this.forward.get(source) ?? this.forward.set(source, []).get(source)!).push(target);
    (this.backward.get(target) ?? this.backward.set(target, []).get(target)!).push(source);
  }

  private column(table: string, column: string): void {
    const set = this.tableColumns.get(table);
    if (set) set.add(column);
    else this.tableColumns.set(table, new Set([column]));
  }

  /** The columns of `table` that take part in a known link, by name. */
  columnsOf(table: string): string[] {
    return [...(this.tableColumns.get(table) ?? [])].sort((a, b) => a.localeCompare(b));
  }

  /** Everything `selected` is computed from, and everything computed from it. */
  highlight(selected: ColumnRef | null): ColumnHighlight {
    if (!selected) return NO_HIGHLIGHT;
    const start = columnKey(selected.table, selected.column);
    return {
      selected: start,
      upstream: reach(start, this.backward),
      downstream: reach(start, this.forward),
    };
  }
}

function reach(start: string, next: Map<string, string[]>): Set<string> {
  const seen = new Set<string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    for (const key of next.get(queue[i]!) ?? []) {
      if (key !== start && !seen.has(key)) {
        seen.add(key);
        queue.push(key);
      }
    }
  }
  return seen;
}
