// The runs chart (SVG, drawn by hand): one bar per run for its duration, coloured by status, and a line of record counts.
import type { RunPoint } from '../api-types.js';
import { svg } from './create-element.js';
import { formatCount, formatDuration, formatShortDate, formatTime } from './format-values.js';

const WIDTH = 960;
const HEIGHT = 240;
const PAD = { left: 64, right: 64, top: 16, bottom: 34 };

/** The smallest 1, 2, 2.5 or 5 × 10ⁿ at or above `max`, so axis ticks fall on round numbers. */
export function niceCeiling(max: number): number {
  if (!(max > 0)) return 1;
  const exponent = Math.floor(Math.log10(max));
  for (const step of [1, 2, 2.5, 5, 10]) {
    const value = step * 10 ** exponent;
    if (value >= max) return value;
  }
  return 10 ** (exponent + 1);
}

/** Round tick values for durations: whole seconds, minutes or hours rather than 1.7 s steps. */
function durationCeiling(maxMs: number): number {
  const units = [1, 1000, 60_000, 3_600_000];
  const unit = [...units].reverse().find((u) => maxMs >= 2 * u) ?? 1;
  return niceCeiling(maxMs / unit) * unit;
}

export function drawRunsChart(points: RunPoint[], onPick: (runId: string) => void): SVGSVGElement {
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const maxDuration = durationCeiling(Math.max(0, ...points.map((p) => p.durationMs ?? 0)));
  const withRecords = points.filter((p) => p.records !== null);
  const maxRecords = niceCeiling(Math.max(0, ...withRecords.map((p) => p.records ?? 0)));
  const slot = plotW / Math.max(points.length, 1);
  const barW = Math.max(2, Math.min(26, slot * 0.68));
  const xOf = (i: number): number => PAD.left + slot * i + slot / 2;
  const yDuration = (ms: number): number => PAD.top + plotH - (ms / maxDuration) * plotH;
  const yRecords = (n: number): number => PAD.top + plotH - (n / maxRecords) * plotH;

  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const grid = ticks.map((t) => {
    const y = PAD.top + plotH - t * plotH;
    return svg(
      'g',
      { class: 'chart-grid' },
      svg('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y, y2: y }),
      svg('text', { x: PAD.left - 8, y: y + 4, 'text-anchor': 'end', class: 'chart-axis chart-axis-duration' }, formatDuration(t * maxDuration)),
      withRecords.length ? svg('text', { x: WIDTH - PAD.right + 8, y: y + 4, 'text-anchor': 'start', class: 'chart-axis chart-axis-records' }, formatCount(Math.round(t * maxRecords))) : null,
    );
  });

  const labelEvery = Math.max(1, Math.ceil(points.length / 8));
  const xLabels = points.map((p, i) =>
    i % labelEvery === 0 || i === points.length - 1 ? svg('text', { x: xOf(i), y: HEIGHT - 12, 'text-anchor': 'middle', class: 'chart-axis' }, formatShortDate(p.startedAt)) : null,
  );

  const bars = points.map((p, i) => {
    const ms = p.durationMs ?? 0;
    const y = yDuration(ms);
    const tip = `${p.runId}\n${p.status} · ${formatTime(p.startedAt)}\nduration ${formatDuration(p.durationMs)}${p.records !== null ? `\nrecords ${formatCount(p.records)}` : ''}`;
    // Each bar is a link a keyboard reaches (Tab) and opens (Enter), named for screen readers as its tooltip reads.
    return svg(
      'g',
      {
        class: 'chart-bar',
        'data-run-id': p.runId,
        role: 'link',
        tabindex: 0,
        'aria-label': `Run ${p.runId}: ${p.status}, ${formatTime(p.startedAt)}, duration ${formatDuration(p.durationMs)}${p.records !== null ? `, ${formatCount(p.records)} records` : ''}`,
        onclick: () => onPick(p.runId),
        onkeydown: (event: Event) => {
          const key = (event as KeyboardEvent).key;
          if (key !== 'Enter' && key !== ' ') return;
          event.preventDefault();
          onPick(p.runId);
        },
      },
      svg('title', {}, tip),
      // A full-height invisible target: short runs are still easy to point at.
      svg('rect', { x: xOf(i) - slot / 2, y: PAD.top, width: slot, height: plotH, class: 'chart-hit' }),
      svg('rect', { x: xOf(i) - barW / 2, y: Math.min(y, PAD.top + plotH - 2), width: barW, height: Math.max(2, PAD.top + plotH - y), rx: 2, class: `bar status-fill-${p.status}` }),
    );
  });

  const recordPoints = points.map((p, i) => (p.records !== null ? { x: xOf(i), y: yRecords(p.records) } : null)).filter((p): p is { x: number; y: number } => p !== null);
  const recordLine = recordPoints.length
    ? svg(
        'g',
        { class: 'chart-records' },
        svg('polyline', { points: recordPoints.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ') }),
        recordPoints.map((p) => svg('circle', { cx: p.x, cy: p.y, r: 3 })),
      )
    : null;

  return svg(
    'svg',
    // A group, not an img: an img hides its bars (the links) from assistive technology.
    { class: 'runs-chart', viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'group', 'aria-label': 'run durations and record counts over time' },
    grid,
    svg('text', { x: 12, y: PAD.top + plotH / 2, class: 'chart-axis-title', transform: `rotate(-90 12 ${PAD.top + plotH / 2})`, 'text-anchor': 'middle' }, 'duration'),
    withRecords.length ? svg('text', { x: WIDTH - 10, y: PAD.top + plotH / 2, class: 'chart-axis-title', transform: `rotate(90 ${WIDTH - 10} ${PAD.top + plotH / 2})`, 'text-anchor': 'middle' }, 'records') : null,
    bars,
    recordLine,
    xLabels,
  );
}
