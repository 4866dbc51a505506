/** What the page shows, as kept in its URL: `/?asset=NAME&direction=downstream&depth=3`. */

import type { Direction } from "./types.ts";

export interface ViewState {
  asset: string | null;
  direction: Direction;
  depth: number;
  /** Every table of the graph expanded to its columns. */
  columns: boolean;
  /** Impact highlighting of the root's downstream. */
  impact: boolean;
  /** The lineage as it was on this day (YYYY-MM-DD, the end of it in UTC), and what changed
   * since; null for now. */
  asOf: string | null;
}

export const MIN_DEPTH = 1;
export const MAX_DEPTH = 100;
export const DEFAULT_VIEW: ViewState = {
  asset: null,
  direction: "full",
  depth: 3,
  columns: false,
  impact: false,
  asOf: null,
};

const DAY = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/** A day as the date input gives it, or null for anything else (a deep link typed by hand). */
export function parseDay(value: string | null | undefined): string | null {
  const day = value?.trim() ?? "";
  if (!DAY.test(day)) return null;
  const parsed = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(day) ? day : null;
}

/** The instant a day's lineage is read at: its last moment, in UTC. */
export function endOfDay(day: string): string {
  return `${day}T23:59:59.999Z`;
}

const DIRECTIONS: readonly Direction[] = ["upstream", "downstream", "full"];

export function clampDepth(value: number): number {
  if (!Number.isFinite(value)) return DEFAULT_VIEW.depth;
  return Math.min(MAX_DEPTH, Math.max(MIN_DEPTH, Math.round(value)));
}

function flag(value: string | null): boolean {
  return value === "1" || value === "true";
}

export function parseViewState(search: string): ViewState {
  const params = new URLSearchParams(search);
  const asset = params.get("asset")?.trim() || null;
  const direction = params.get("direction") as Direction | null;
  const depth = params.get("depth");
  return {
    asset,
    direction: direction && DIRECTIONS.includes(direction) ? direction : DEFAULT_VIEW.direction,
    depth: depth === null || depth === "" ? DEFAULT_VIEW.depth : clampDepth(Number(depth)),
    columns: flag(params.get("columns")),
    impact: flag(params.get("impact")),
    asOf: parseDay(params.get("as_of")),
  };
}

/** The query string of a state (with its `?`), or "" for the start page. */
export function serializeViewState(state: ViewState): string {
  if (!state.asset) return "";
  const params = new URLSearchParams();
  params.set("asset", state.asset);
  params.set("direction", state.direction);
  params.set("depth", String(state.depth));
  if (state.columns) params.set("columns", "1");
  if (state.impact) params.set("impact", "1");
  if (state.asOf) params.set("as_of", state.asOf);
  return `?${params.toString()}`;
}

export function sameView(a: ViewState, b: ViewState): boolean {
  return serializeViewState(a) === serializeViewState(b);
}

/** True when two states differ in their depth only: a run of depth steps is one history entry. */
export function onlyDepthChanged(a: ViewState, b: ViewState): boolean {
  return a.depth !== b.depth && sameView({ ...a, depth: b.depth }, b);
}
