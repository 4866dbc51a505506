import { rowCountChart } from "../lib/chart.ts";
import { formatCount, formatDateTime } from "../lib/format.ts";
import type { TableProfile } from "../lib/types.ts";

const WIDTH = 320;
const HEIGHT = 90;

/** Row count over the profile history: a line with a dot per profile. */
export function RowCountChart({ profiles }: { profiles: TableProfile[] }) {
  const chart = rowCountChart(profiles, WIDTH, HEIGHT);
  if (chart.points.length === 0) return <p className="muted">No profile yet.</p>;
  const line = chart.points.map((point) => `${point.x},${point.y}`).join(" ");
  return (
    <figure className="row-chart">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        width={WIDTH}
        height={HEIGHT}
        role="img"
        aria-label={`Row count over ${chart.points.length} profiles, from ${formatCount(chart.min)} to ${formatCount(chart.max)}`}
        data-testid="row-count-chart"
      >
        <line x1={0} y1={HEIGHT - 0.5} x2={WIDTH} y2={HEIGHT - 0.5} className="row-chart__axis" />
        {chart.points.length > 1 && <polyline points={line} className="row-chart__line" />}
        {chart.points.map((point) => (
          <circle key={point.at} cx={point.x} cy={point.y} r={3} className="row-chart__dot" data-y={point.y}>
            <title>
              {formatDateTime(point.at)}: {formatCount(point.rowCount)} rows
            </title>
          </circle>
        ))}
      </svg>
      <figcaption className="row-chart__caption">
        <span>
          {formatDateTime(chart.first)} → {formatDateTime(chart.last)}
        </span>
        <span>
          rows {formatCount(chart.min)}–{formatCount(chart.max)}
        </span>
      </figcaption>
    </figure>
  );
}
