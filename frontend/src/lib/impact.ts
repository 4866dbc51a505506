/** Impact highlighting: a colour per downstream depth, and the legend's counts per depth. */

import type { ImpactAnalysis } from "./types.ts";

/** From the nearest (depth 1, the most directly broken) to the farthest; depth 6+ share one. */
export const IMPACT_COLOURS = ["#c62828", "#e65100", "#f9a825", "#7cb342", "#00897b", "#5c6bc0"];

export function impactColour(depth: number): string {
  return IMPACT_COLOURS[Math.min(Math.max(depth, 1), IMPACT_COLOURS.length) - 1]!;
}

export interface DepthCount {
  depth: number;
  count: number;
  colour: string;
}

export function countsByDepth(impact: ImpactAnalysis): DepthCount[] {
  return Object.entries(impact.countsByDepth)
    .map(([depth, count]) => ({ depth: Number(depth), count }))
    .filter((item) => Number.isFinite(item.depth) && item.count > 0)
    .sort((a, b) => a.depth - b.depth)
    .map((item) => ({ ...item, colour: impactColour(item.depth) }));
}

/** The impact depth of each downstream asset, by id: the page's, else the graph's. */
export function impactDepths(impact: ImpactAnalysis): Map<string, number> {
  return new Map(impact.downstreamAssets.map((node) => [node.id, node.depth]));
}
