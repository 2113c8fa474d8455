// Tests of planning and applying resources one by one: create, update (with the paths that differ), unchanged.
import { describe, expect, it } from 'vitest';
import type { DeployEvent } from '../deployment.js';
import { applyResourceSteps, describePlannedStep, planResourceSteps, type ResourceStep } from './resource-plan.js';

/** A resource kept in a map, as a cloud would keep it. */
function makeStep(store: Map<string, unknown>, name: string, desired: unknown): ResourceStep {
  return {
    kind: 'task',
    what: 'thing',
    name,
    desired,
    read: async () => store.get(name),
    create: async () => void store.set(name, desired),
    update: async () => void store.set(name, desired),
  };
}

describe('planResourceSteps and applyResourceSteps', () => {
  it('creates what is missing, updates what differs (naming the paths), leaves the rest, and a second run changes nothing', async () => {
    const store = new Map<string, unknown>([
      ['same', { b: 1, a: [1, 2] }],
      ['changed', { image: 'x:1', limits: { cpu: '1', memory: '512Mi' } }],
    ]);
    const steps = [makeStep(store, 'new', { n: 1 }), makeStep(store, 'same', { a: [1, 2], b: 1 }), makeStep(store, 'changed', { image: 'x:2', limits: { cpu: '1', memory: '1024Mi' } })];
    const planned = await planResourceSteps(steps);
    expect(planned.map(describePlannedStep)).toEqual([
      { resource: 'new', what: 'thing', kind: 'task', action: 'create' },
      { resource: 'same', what: 'thing', kind: 'task', action: 'unchanged' },
      { resource: 'changed', what: 'thing', kind: 'task', action: 'update', changes: ['image', 'limits.memory'] },
    ]);
    const events: DeployEvent[] = [];
    const results = await applyResourceSteps(planned, (e) => events.push(e));
    expect(results.map((r) => r.action)).toEqual(['created', 'unchanged', 'updated']);
    expect(events.filter((e) => e.type === 'step-start').map((e) => (e as { name: string }).name)).toEqual(['new', 'changed']);
    expect((await planResourceSteps(steps)).map((p) => p.action)).toEqual(['unchanged', 'unchanged', 'unchanged']);
  });
});
