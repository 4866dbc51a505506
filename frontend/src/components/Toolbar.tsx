import { useEffect, useState } from "react";

import type { LiveStatus } from "../hooks/useLiveEvents.ts";
import type { Direction } from "../lib/types.ts";
import { clampDepth, MAX_DEPTH, MIN_DEPTH, parseDay, type ViewState } from "../lib/urlState.ts";

const DIRECTIONS: { value: Direction; label: string }[] = [
  { value: "upstream", label: "Upstream" },
  { value: "full", label: "Both" },
  { value: "downstream", label: "Downstream" },
];

const LIVE_LABELS: Record<LiveStatus, string> = {
  off: "Live updates off",
  connecting: "Connecting…",
  live: "Live",
  retrying: "Reconnecting…",
};

export function Toolbar({
  view,
  onChange,
  live,
}: {
  view: ViewState;
  onChange: (next: ViewState) => void;
  live: LiveStatus;
}) {
  const [depthText, setDepthText] = useState(String(view.depth));
  useEffect(() => setDepthText(String(view.depth)), [view.depth]);
  const setDepth = (depth: number) => onChange({ ...view, depth: clampDepth(depth) });

  return (
    <div className="toolbar" role="toolbar" aria-label="Graph controls">
      <div className="segmented" role="group" aria-label="Direction">
        {DIRECTIONS.map((direction) => (
          <button
            key={direction.value}
            type="button"
            aria-pressed={view.direction === direction.value}
            data-direction={direction.value}
            onClick={() => onChange({ ...view, direction: direction.value })}
          >
            {direction.label}
          </button>
        ))}
      </div>
      <div className="depth">
        <label htmlFor="depth-input">Depth</label>
        <button
          type="button"
          aria-label="One level less"
          disabled={view.depth <= MIN_DEPTH}
          onClick={() => setDepth(view.depth - 1)}
        >
          −
        </button>
        <input
          id="depth-input"
          type="number"
          inputMode="numeric"
          min={MIN_DEPTH}
          max={MAX_DEPTH}
          value={depthText}
          onChange={(event) => {
            setDepthText(event.target.value);
            const value = Number(event.target.value);
            if (event.target.value !== "" && Number.isFinite(value)) setDepth(value);
          }}
          onBlur={() => setDepthText(String(view.depth))}
        />
        <button
          type="button"
          aria-label="One level more"
          disabled={view.depth >= MAX_DEPTH}
          onClick={() => setDepth(view.depth + 1)}
        >
          +
        </button>
      </div>
      <button
        type="button"
        className="toggle"
        aria-pressed={view.columns}
        data-toggle="columns"
        title="Expand every table to its columns"
        onClick={() => onChange({ ...view, columns: !view.columns })}
      >
        Columns
      </button>
      <button
        type="button"
        className="toggle toggle-impact"
        aria-pressed={view.impact}
        data-toggle="impact"
        title="What breaks if I change this? Colours the downstream by depth"
        onClick={() => onChange({ ...view, impact: !view.impact })}
      >
        What breaks?
      </button>
      <div className="as-of">
        <label htmlFor="as-of-input" title="The lineage as it was at the end of a day (UTC), and what changed since">
          As of
        </label>
        <input
          id="as-of-input"
          type="date"
          value={view.asOf ?? ""}
          max={new Date().toISOString().slice(0, 10)}
          onChange={(event) => onChange({ ...view, asOf: parseDay(event.target.value) })}
        />
        {view.asOf && (
          <button type="button" aria-label="Back to now" title="Back to now" onClick={() => onChange({ ...view, asOf: null })}>
            now
          </button>
        )}
      </div>
      <span className={`live live-${live}`} role="status" data-live={live}>
        <span className="live__dot" aria-hidden="true" />
        {LIVE_LABELS[live]}
      </span>
    </div>
  );
}
