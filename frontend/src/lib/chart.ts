/** The row-count history of a table as the points of a small SVG line chart. */

import type { TableProfile } from "./types.ts";

export interface ChartPoint {
  x: number;
  y: number;
  rowCount: number;
  at: string;
}

export interface Chart {
  points: ChartPoint[];
  min: number;
  max: number;
  first: string | null;
  last: string | null;
}

/** Profiles come newest first; the chart runs oldest to newest, left to right. */
export function rowCountChart(
  profiles: TableProfile[],
  width: number,
  height: number,
  padding = 6,
): Chart {
  const dated = profiles
    .filter((profile) => profile.profiledAt)
    .map((profile) => ({ at: profile.profiledAt!, time: Date.parse(profile.profiledAt!), rows: profile.rowCount }))
    .filter((item) => Number.isFinite(item.time))
    .sort((a, b) => a.time - b.time);
  if (dated.length === 0) return { points: [], min: 0, max: 0, first: null, last: null };
  const min = Math.min(...dated.map((item) => item.rows));
  const max = Math.max(...dated.map((item) => item.rows));
  const t0 = dated[0]!.time;
  const t1 = dated[dated.length - 1]!.time;
  const innerWidth = width - 2 * padding;
  const innerHeight = height - 2 * padding;
  const points = dated.map((item, index) => {
    const share = t1 > t0 ? (item.time - t0) / (t1 - t0) : dated.length > 1 ? index / (dated.length - 1) : 0.5;
    const level = max > min ? (item.rows - min) / (max - min) : 0.5;
    return {
      x: round(padding + share * innerWidth),
      y: round(padding + (1 - level) * innerHeight),
      rowCount: item.rows,
      at: item.at,
    };
  });
  return { points, min, max, first: dated[0]!.at, last: dated[dated.length - 1]!.at };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
