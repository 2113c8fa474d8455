// Draws a task's laid-out diagram as SVG: command boxes, pipe arrows, fork branches, foreach loops, nested task frames.
import type { Task } from '../../project/types.js';
import { svg } from './create-element.js';
import { LAYOUT, layoutTaskDiagram, type Point, type Shape } from './pipeline-layout.js';

let diagramCount = 0;

function pathOf(points: Point[]): string {
  return points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)} ${p.y.toFixed(1)}`).join(' ');
}

function drawShape(shape: Shape, markerId: (kind: string) => string): SVGElement {
  switch (shape.kind) {
    case 'box': {
      const lines: Array<[string, string]> = [[shape.command, 'box-command']];
      if (shape.args) lines.push([shape.args, 'box-args']);
      if (shape.venv) lines.push([shape.venv, 'box-venv']);
      return svg(
        'g',
        { class: `box${shape.inactive ? ' inactive' : ''}`, 'data-command': shape.command, 'data-owner': shape.owner },
        svg('title', {}, shape.tooltip),
        svg('rect', { x: shape.x, y: shape.y, width: shape.w, height: shape.h, rx: 7 }),
        lines.map(([text, cls], i) =>
          svg('text', { x: shape.x + LAYOUT.boxPadX, y: shape.y + LAYOUT.boxPadY + LAYOUT.lineHeight * (i + 1) - 4, class: cls }, text),
        ),
      );
    }
    case 'group':
      return svg(
        'g',
        { class: `group group-${shape.variant}${shape.inactive ? ' inactive' : ''}`, 'data-group': shape.label },
        svg('rect', { x: shape.x, y: shape.y, width: shape.w, height: shape.h, rx: 10 }),
        svg(
          'text',
          { x: shape.x + LAYOUT.groupPad, y: shape.y + 17, class: 'group-label' },
          shape.variant === 'foreach' ? '↻ ' : '',
          shape.label,
          shape.note ? svg('tspan', { class: 'group-note', dx: 8 }, shape.note) : null,
        ),
      );
    case 'edge':
      return svg('path', { d: pathOf(shape.points), class: `edge edge-${shape.edge}`, 'marker-end': `url(#${markerId(shape.edge)})` });
    case 'loop':
      return svg(
        'g',
        { class: 'loop' },
        svg('path', { d: pathOf(shape.points), 'marker-end': `url(#${markerId('loop')})` }),
        svg('text', { x: shape.labelAt.x, y: shape.labelAt.y, 'text-anchor': 'middle' }, shape.label),
      );
    case 'junction':
      return svg('circle', { cx: shape.x, cy: shape.y, r: 3.5, class: 'junction' });
  }
}

/** One SVG per task; its markers get ids of their own so several diagrams can share a page. */
export function drawPipelineGraph(task: Task): SVGSVGElement {
  const diagram = layoutTaskDiagram(task);
  const n = ++diagramCount;
  const markerId = (kind: string): string => `arrow-${kind}-${n}`;
  const marker = (kind: string) =>
    svg(
      'marker',
      { id: markerId(kind), viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse', class: `marker-${kind}` },
      svg('path', { d: 'M0 0 L10 5 L0 10 z' }),
    );
  return svg(
    'svg',
    {
      class: 'pipeline-graph',
      width: Math.ceil(diagram.w),
      height: Math.ceil(diagram.h),
      viewBox: `0 0 ${Math.ceil(diagram.w)} ${Math.ceil(diagram.h)}`,
      role: 'img',
      'aria-label': `diagram of task ${task.name}`,
      'data-task': task.name,
    },
    svg('defs', {}, ['pipe', 'then', 'tee', 'loop'].map(marker)),
    diagram.shapes.map((shape) => drawShape(shape, markerId)),
  );
}
