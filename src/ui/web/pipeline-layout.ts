// Lays out a task as a diagram (pure: task in, positioned shapes out): pipes left to right, forks as branches, foreach as a loop.
import type { Command, PipelineElement, Task } from '../../project/types.js';

export interface Point {
  x: number;
  y: number;
}

/** `pipe`: bytes flow through an OS pipe; `then`: runs after the previous one ends; `tee`: a copy of the stream. */
export type EdgeKind = 'pipe' | 'then' | 'tee';

export type Shape =
  | {
      kind: 'box';
      x: number;
      y: number;
      w: number;
      h: number;
      command: string;
      args?: string;
      venv?: string;
      inactive: boolean;
      tooltip: string;
      /** The innermost task frame around it (a fork branch, a foreach sub-task, a nested task); none at top level. */
      owner?: string;
    }
  | { kind: 'group'; x: number; y: number; w: number; h: number; label: string; note?: string; variant: 'task' | 'branch' | 'foreach'; inactive: boolean }
  | { kind: 'edge'; points: Point[]; edge: EdgeKind }
  | { kind: 'loop'; points: Point[]; label: string; labelAt: Point }
  | { kind: 'junction'; x: number; y: number };

export interface Diagram {
  w: number;
  h: number;
  shapes: Shape[];
}

interface Block extends Diagram {
  /** Where incoming edges end (a fork has one per branch). */
  inPorts: Point[];
  /** Where the outgoing pipe starts; null when nothing may follow (fork, foreach). */
  outPort: Point | null;
}

/** Sizes in SVG units (CSS pixels); text widths are estimated for the monospace and system fonts the CSS sets. */
export const LAYOUT = {
  monoChar: 7.3,
  sansChar: 7,
  lineHeight: 16,
  boxPadX: 12,
  boxPadY: 9,
  boxMinW: 92,
  boxMaxChars: 30,
  hGap: 44,
  vGap: 14,
  groupPad: 12,
  groupLabelH: 20,
  loopH: 26,
  margin: 6,
};

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function shiftPoint(p: Point, dx: number, dy: number): Point {
  return { x: p.x + dx, y: p.y + dy };
}

function shiftShape(shape: Shape, dx: number, dy: number): Shape {
  switch (shape.kind) {
    case 'edge':
      return { ...shape, points: shape.points.map((p) => shiftPoint(p, dx, dy)) };
    case 'loop':
      return { ...shape, points: shape.points.map((p) => shiftPoint(p, dx, dy)), labelAt: shiftPoint(shape.labelAt, dx, dy) };
    default:
      return { ...shape, x: shape.x + dx, y: shape.y + dy };
  }
}

function shiftBlock(block: Block, dx: number, dy: number): Block {
  return {
    ...block,
    shapes: block.shapes.map((s) => shiftShape(s, dx, dy)),
    inPorts: block.inPorts.map((p) => shiftPoint(p, dx, dy)),
    outPort: block.outPort ? shiftPoint(block.outPort, dx, dy) : null,
  };
}

function layoutCommand(command: Command): Block {
  const args = command.args?.trim() ? truncate(command.args.trim(), LAYOUT.boxMaxChars) : undefined;
  const venv = command.venv ? `venv ${command.venv}` : undefined;
  const title = truncate(command.command, LAYOUT.boxMaxChars);
  const lines = [title, args, venv].filter((l): l is string => l !== undefined);
  const w = Math.max(LAYOUT.boxMinW, Math.ceil(Math.max(...lines.map((l) => l.length)) * LAYOUT.monoChar + 2 * LAYOUT.boxPadX));
  const h = lines.length * LAYOUT.lineHeight + 2 * LAYOUT.boxPadY;
  const tooltip = [`${command.command}${command.args ? ` ${command.args}` : ''}`, command.venv ? `venv: ${command.venv}` : '', command.timeout ? `timeout: ${command.timeout} s` : '', command.active ? '' : 'inactive: skipped']
    .filter(Boolean)
    .join('\n');
  return {
    w,
    h,
    shapes: [{ kind: 'box', x: 0, y: 0, w, h, command: title, args, venv, inactive: !command.active, tooltip }],
    inPorts: [{ x: 0, y: h / 2 }],
    outPort: { x: w, y: h / 2 },
  };
}

/** Elements side by side, vertically centred, each joined to the next by edges of one kind. */
function layoutRow(blocks: Block[], edge: EdgeKind): Block {
  const h = Math.max(0, ...blocks.map((b) => b.h));
  const shapes: Shape[] = [];
  const placed: Block[] = [];
  let x = 0;
  for (const block of blocks) {
    placed.push(shiftBlock(block, x, (h - block.h) / 2));
    x += block.w + LAYOUT.hGap;
  }
  const w = Math.max(0, x - LAYOUT.hGap);
  for (let i = 1; i < placed.length; i++) {
    const from = placed[i - 1].outPort;
    if (!from) continue;
    const targets = placed[i].inPorts;
    if (targets.length === 1 && Math.abs(targets[0].y - from.y) < 0.5) {
      shapes.push({ kind: 'edge', edge, points: [from, targets[0]] });
      continue;
    }
    // Fan out (fork): one stream splits at a junction into orthogonal branches.
    const splitX = from.x + LAYOUT.hGap / 2;
    for (const to of targets) {
      shapes.push({ kind: 'edge', edge: targets.length > 1 ? 'tee' : edge, points: [from, { x: splitX, y: from.y }, { x: splitX, y: to.y }, to] });
    }
    if (targets.length > 1) shapes.push({ kind: 'junction', x: splitX, y: from.y });
  }
  for (const block of placed) shapes.push(...block.shapes);
  return { w, h, shapes, inPorts: placed[0]?.inPorts ?? [{ x: 0, y: h / 2 }], outPort: placed[placed.length - 1]?.outPort ?? null };
}

/** Blocks one under another; `then` draws an arrow down between them (run in order), `none` does not (run at once). */
function layoutColumn(blocks: Block[], connect: 'then' | 'none'): Block {
  const w = Math.max(0, ...blocks.map((b) => b.w));
  const shapes: Shape[] = [];
  const inPorts: Point[] = [];
  let y = 0;
  let previousBottom: number | undefined;
  for (const block of blocks) {
    const placed = shiftBlock(block, 0, y);
    if (connect === 'then' && previousBottom !== undefined) {
      const x = LAYOUT.groupPad + 8;
      shapes.push({ kind: 'edge', edge: 'then', points: [{ x, y: previousBottom }, { x, y }] });
    }
    shapes.push(...placed.shapes);
    inPorts.push(...placed.inPorts);
    previousBottom = y + block.h;
    y += block.h + LAYOUT.vGap;
  }
  const h = Math.max(0, y - LAYOUT.vGap);
  return { w, h, shapes, inPorts, outPort: null };
}

/** A labelled frame around a block; edges enter at its left middle. */
function wrapGroup(inner: Block, label: string, variant: 'task' | 'branch' | 'foreach', options: { note?: string; inactive?: boolean; extraBottom?: number } = {}): Block {
  const labelText = options.note ? `${label}  ${options.note}` : label;
  const w = Math.max(inner.w + 2 * LAYOUT.groupPad, Math.ceil(labelText.length * LAYOUT.sansChar) + 2 * LAYOUT.groupPad);
  const h = LAYOUT.groupLabelH + inner.h + 2 * LAYOUT.groupPad + (options.extraBottom ?? 0);
  const content = shiftBlock(inner, LAYOUT.groupPad, LAYOUT.groupLabelH + LAYOUT.groupPad);
  if (variant !== 'foreach') content.shapes = content.shapes.map((s) => (s.kind === 'box' && s.owner === undefined ? { ...s, owner: label } : s));
  const frame: Shape = { kind: 'group', x: 0, y: 0, w, h, label, note: options.note, variant, inactive: options.inactive ?? false };
  return { w, h, shapes: [frame, ...content.shapes], inPorts: [{ x: 0, y: h / 2 }], outPort: { x: w, y: h / 2 } };
}

function describeTaskNote(task: Task): string | undefined {
  const notes = [task.active ? '' : 'inactive', task.timeout ? `timeout ${task.timeout}s` : '', task.retries ? `retries ${task.retries}` : ''].filter(Boolean);
  return notes.length ? notes.join(' · ') : undefined;
}

function layoutTaskGroup(task: Task, variant: 'task' | 'branch'): Block {
  return wrapGroup(layoutBody(task), task.name, variant, { note: describeTaskNote(task), inactive: !task.active });
}

function layoutForeach(element: Extract<PipelineElement, { kind: 'foreach' }>): Block {
  const inner = layoutColumn(element.tasks.map((t) => layoutTaskGroup(t, 'task')), 'then');
  const note = element.parallel > 1 ? `up to ${element.parallel} lines at once` : 'one line at a time';
  const group = wrapGroup(inner, 'foreach line', 'foreach', { note, extraBottom: LAYOUT.loopH });
  // The loop: from the end of the sub-tasks back round to their start, for the next line.
  const bottom = group.h - LAYOUT.groupPad / 2 - 4;
  const top = group.h - LAYOUT.loopH - LAYOUT.groupPad + 4;
  const right = group.w - LAYOUT.groupPad - 4;
  const left = LAYOUT.groupPad + 8;
  group.shapes.push({
    kind: 'loop',
    points: [
      { x: right, y: top },
      { x: right, y: bottom },
      { x: left, y: bottom },
      { x: left, y: top },
    ],
    label: 'next line',
    labelAt: { x: (left + right) / 2, y: bottom - 4 },
  });
  return { ...group, outPort: null };
}

function layoutFork(element: Extract<PipelineElement, { kind: 'fork' }>): Block {
  return { ...layoutColumn(element.tasks.map((t) => layoutTaskGroup(t, 'branch')), 'none'), outPort: null };
}

function layoutElement(element: PipelineElement): Block {
  if (element.kind === 'command') return layoutCommand(element.command);
  return element.kind === 'foreach' ? layoutForeach(element) : layoutFork(element);
}

function layoutBody(task: Task): Block {
  switch (task.body.kind) {
    case 'commands':
      return layoutRow(task.body.commands.map(layoutCommand), 'then');
    case 'pipeline':
      return layoutRow(task.body.elements.map(layoutElement), 'pipe');
    case 'tasks':
      return layoutColumn(task.body.tasks.map((t) => layoutTaskGroup(t, 'task')), 'then');
  }
}

/** The diagram of one top-level task's body, with a margin, in its own coordinates. */
export function layoutTaskDiagram(task: Task): Diagram {
  const body = shiftBlock(layoutBody(task), LAYOUT.margin, LAYOUT.margin);
  return { w: body.w + 2 * LAYOUT.margin, h: body.h + 2 * LAYOUT.margin, shapes: body.shapes };
}
