// planDeploy: create, unchanged (JSON-equal regardless of key order), update with a resource diff, and blocked stacks.
import { describe, expect, it } from 'vitest';
import { createDeployNames } from '../names.js';
import { createTaskDesired } from './desired-stacks.js';
import { diffPaths, planDeploy, type DeployedStack, type DesiredStack } from './plan-deploy.js';

const names = createDeployNames({ resourceGroup: 'etl', task: 'wordcount', stage: 'dev', accountId: '123456789012', region: 'us-east-1' });

function task(version: string, cpu?: number): DesiredStack {
  return createTaskDesired(names, { cloud_provider: 'aws', ...(cpu ? { cpu } : {}) }, { imageUri: names.ecrImageUri(version) });
}

function deployedFrom(stack: DesiredStack, overrides: Partial<DeployedStack> = {}): Map<string, DeployedStack | undefined> {
  return new Map([[stack.name, { status: 'CREATE_COMPLETE', templateBody: JSON.stringify(stack.template), tags: stack.tags, ...overrides }]]);
}

/** The same JSON value with every object's keys in reverse order, as a differently formatted GetTemplate answer would be. */
function reorder(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reorder);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reorder(v)]));
  return value;
}

describe('planDeploy', () => {
  it('creates a stack that does not exist (or was deleted), listing every resource as an addition', () => {
    const desired = task('0.1');
    for (const deployed of [new Map(), new Map([[desired.name, { status: 'DELETE_COMPLETE', tags: {} }]])]) {
      const [step] = planDeploy([desired], deployed).steps;
      expect(step!.action).toBe('create');
      expect(step!.resources.map((r) => r.action)).toEqual(Object.keys(desired.template.Resources).map(() => 'Add'));
      expect(step!.resources.map((r) => r.logicalId)).toContain('TaskDefinition');
    }
  });

  it('leaves a stack alone when the deployed template is the same JSON value, whatever its key order and spacing', () => {
    const desired = task('0.1');
    const body = JSON.stringify(reorder(desired.template), null, 3);
    expect(body).not.toBe(JSON.stringify(desired.template));
    const [step] = planDeploy([desired], deployedFrom(desired, { templateBody: body, tags: reorder(desired.tags) as Record<string, string> })).steps;
    expect(step!.action).toBe('unchanged');
    expect(step!.resources).toEqual([]);
  });

  it('updates a stack whose template differs, naming the resources and properties that change', () => {
    const [step] = planDeploy([task('0.2', 1024)], deployedFrom(task('0.1'))).steps;
    expect(step!.action).toBe('update');
    const definition = step!.resources.find((r) => r.logicalId === 'TaskDefinition')!;
    expect(definition.action).toBe('Modify');
    expect(definition.paths).toEqual(expect.arrayContaining(['Properties.Cpu', 'Properties.Memory', 'Properties.ContainerDefinitions[0].Image']));
    // Resources that did not change are not listed.
    expect(step!.resources.map((r) => r.logicalId)).not.toContain('LogGroup');
  });

  it('updates when only the tags differ, and says so', () => {
    const desired = task('0.1');
    const [step] = planDeploy([desired], deployedFrom(desired, { tags: { 'handoff:resource-group': 'other' } })).steps;
    expect(step!.action).toBe('update');
    expect(step!.tagsChanged).toBe(true);
  });

  it('lists resources the new template drops as removals', () => {
    const desired = task('0.1');
    const old = structuredClone(desired.template);
    old.Resources.Extra = { Type: 'AWS::SNS::Topic', Properties: {} };
    const [step] = planDeploy([desired], deployedFrom(desired, { templateBody: JSON.stringify(old) })).steps;
    expect(step!.resources).toEqual([{ action: 'Remove', logicalId: 'Extra', resourceType: 'AWS::SNS::Topic', paths: [] }]);
  });

  it('blocks a stack after a failed create, or while CloudFormation is busy with it, with the fix', () => {
    const desired = task('0.1');
    const rolledBack = planDeploy([desired], deployedFrom(desired, { status: 'ROLLBACK_COMPLETE' })).steps[0]!;
    expect(rolledBack.action).toBe('blocked');
    expect(rolledBack.blocked!.reason).toContain('ROLLBACK_COMPLETE');
    expect(rolledBack.blocked!.fix).toContain('handoff cloud task delete');
    const busy = planDeploy([desired], deployedFrom(desired, { status: 'UPDATE_IN_PROGRESS' })).steps[0]!;
    expect(busy.action).toBe('blocked');
    expect(busy.blocked!.reason).toContain('busy');
  });

  it('counts an unreadable deployed template as different', () => {
    const desired = task('0.1');
    expect(planDeploy([desired], deployedFrom(desired, { templateBody: 'Resources: {}' })).steps[0]!.action).toBe('update');
  });
});

describe('diffPaths', () => {
  it('returns the deepest differing paths, and the list itself when its length changes', () => {
    expect(diffPaths({ a: { b: 1, c: [1, 2] } }, { a: { b: 2, c: [1, 3] } }, '')).toEqual(['a.b', 'a.c[1]']);
    expect(diffPaths({ list: [1] }, { list: [1, 2] }, '')).toEqual(['list']);
    expect(diffPaths({ same: true }, { same: true }, '')).toEqual([]);
  });
});
