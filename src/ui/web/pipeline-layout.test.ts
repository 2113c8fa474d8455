// Unit tests of the pipeline diagram layout on real example projects: shapes per construct, nothing overlaps, all inside.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadProject } from '../../project/load-project.js';
import { parseProject } from '../../project/parse-project.js';
import type { Task } from '../../project/types.js';
import { layoutTaskDiagram, type Diagram, type Shape } from './pipeline-layout.js';

const examples = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'examples');

async function taskOf(example: string, name: string): Promise<Task> {
  const { project } = await loadProject(path.join(examples, example));
  return project.tasks.find((t) => t.name === name)!;
}

function shapes<K extends Shape['kind']>(diagram: Diagram, kind: K): Array<Extract<Shape, { kind: K }>> {
  return diagram.shapes.filter((s): s is Extract<Shape, { kind: K }> => s.kind === kind);
}

function overlaps(a: { x: number; y: number; w: number; h: number }, b: typeof a): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/** Boxes never overlap, and every shape lies inside the diagram. */
function expectTidy(diagram: Diagram): void {
  const boxes = shapes(diagram, 'box');
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) expect(overlaps(boxes[i], boxes[j]), `${boxes[i].command} / ${boxes[j].command}`).toBe(false);
  for (const s of diagram.shapes) {
    const points = s.kind === 'edge' || s.kind === 'loop' ? s.points : s.kind === 'junction' ? [{ x: s.x, y: s.y }] : [{ x: s.x, y: s.y }, { x: s.x + s.w, y: s.y + s.h }];
    for (const p of points) {
      expect(p.x).toBeGreaterThanOrEqual(0);
      expect(p.y).toBeGreaterThanOrEqual(0);
      expect(p.x).toBeLessThanOrEqual(diagram.w);
      expect(p.y).toBeLessThanOrEqual(diagram.h);
    }
  }
}

describe('layoutTaskDiagram', () => {
  it('draws a pipeline as boxes left to right joined by pipe edges', async () => {
    const diagram = layoutTaskDiagram(await taskOf('exchange-rates', 'fetch_exchange_rates'));
    const boxes = shapes(diagram, 'box');
    expect(boxes.map((b) => [b.command, b.venv])).toEqual([
      ['tap-rates', 'venv tap'],
      ['target-csv', 'venv target'],
    ]);
    expect(boxes[1].x).toBeGreaterThan(boxes[0].x + boxes[0].w);
    const edges = shapes(diagram, 'edge');
    expect(edges).toHaveLength(1);
    expect(edges[0].edge).toBe('pipe');
    expect(edges[0].points[0].x).toBe(boxes[0].x + boxes[0].w);
    expect(edges[0].points.at(-1)!.x).toBe(boxes[1].x);
    expectTidy(diagram);
  });

  it('draws a fork as branches fed by tee edges from one junction', async () => {
    const diagram = layoutTaskDiagram(await taskOf('fork', 'orders_report'));
    const branches = shapes(diagram, 'group').filter((g) => g.variant === 'branch');
    expect(branches.map((g) => g.label)).toEqual(['count_orders', 'orders_per_customer']);
    expect(shapes(diagram, 'edge').filter((e) => e.edge === 'tee')).toHaveLength(2);
    expect(shapes(diagram, 'junction')).toHaveLength(1);
    expect(shapes(diagram, 'box').filter((b) => b.owner === 'orders_per_customer').map((b) => b.command)).toEqual(['cut', 'sort', 'uniq', 'sort']);
    // Branches sit one under the other, to the right of the producer.
    expect(branches[1].y).toBeGreaterThanOrEqual(branches[0].y + branches[0].h);
    expectTidy(diagram);
  });

  it('draws a foreach as a frame with a loop back, sub-tasks in order, and its parallelism', async () => {
    const sequential = layoutTaskDiagram(await taskOf('foreach', 'cities'));
    const frame = shapes(sequential, 'group').find((g) => g.variant === 'foreach')!;
    expect(frame.note).toBe('one line at a time');
    expect(shapes(sequential, 'loop')).toHaveLength(1);
    expect(shapes(sequential, 'group').filter((g) => g.variant === 'task').map((g) => g.label)).toEqual(['write_city', 'measure_city']);
    // write_city's two commands run one after the other; measure_city follows write_city.
    expect(shapes(sequential, 'edge').filter((e) => e.edge === 'then')).toHaveLength(2);
    expectTidy(sequential);
    const parallel = layoutTaskDiagram(await taskOf('foreach', 'cities_parallel'));
    expect(shapes(parallel, 'group').find((g) => g.variant === 'foreach')!.note).toBe('up to 4 lines at once');
    expectTidy(parallel);
  });

  it('draws nested tasks as frames in order, marks inactive ones, and truncates long command lines', () => {
    const { project } = parseProject(
      `tasks:
- name: outer
  tasks:
  - name: first
    commands:
    - command: echo
      args: ${'a'.repeat(80)}
  - name: second
    active: false
    timeout: 30
    commands:
    - command: "true"
      active: false
`,
      'project.yml',
      '/tmp',
    );
    const diagram = layoutTaskDiagram(project.tasks[0]);
    const groups = shapes(diagram, 'group');
    expect(groups.map((g) => [g.label, g.inactive, g.note])).toEqual([
      ['first', false, undefined],
      ['second', true, 'inactive · timeout 30s'],
    ]);
    const [echo, idle] = shapes(diagram, 'box');
    expect(echo.args!.length).toBeLessThanOrEqual(30);
    expect(echo.args!.endsWith('…')).toBe(true);
    expect(echo.tooltip).toContain('a'.repeat(80));
    expect(idle.inactive).toBe(true);
    expect(shapes(diagram, 'edge').filter((e) => e.edge === 'then')).toHaveLength(1);
    expectTidy(diagram);
  });
});
