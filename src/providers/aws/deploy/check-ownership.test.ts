// Ownership of stacks and schedule groups by their handoff tags: another task's or group's is refused, untagged ones are not judged.
import { describe, expect, it } from 'vitest';
import { findOwnershipConflict } from './check-ownership.js';

describe('findOwnershipConflict', () => {
  const mine = { resourceGroup: 'dev-etl-daily', task: 'sync' };

  it('accepts the task\'s own tags (deploy.tags beside them do not matter) and untagged resources', () => {
    expect(findOwnershipConflict('the stack s', mine, { 'handoff:resource-group': 'dev-etl-daily', 'handoff:task': 'sync', owner: 'x' })).toBeUndefined();
    expect(findOwnershipConflict('the stack s', mine, {})).toBeUndefined();
  });

  it('refuses another task\'s, and a resource group\'s shared stack, naming the owner', () => {
    const other = findOwnershipConflict('the stack s', mine, { 'handoff:resource-group': 'dev-etl', 'handoff:task': 'daily-sync' });
    expect(other?.message).toContain('belongs to task daily-sync of resource group dev-etl');
    expect(other?.exitCode).toBe(2);
    expect(findOwnershipConflict('the stack s', mine, { 'handoff:resource-group': 'dev-etl-daily' })?.message).toContain('belongs to resource group dev-etl-daily (its shared stacks)');
    expect(findOwnershipConflict('the stack s', { resourceGroup: 'dev-etl-daily' }, { 'handoff:resource-group': 'dev-etl-daily', 'handoff:task': 'sync' })?.fix).toContain('rename deploy.resource_group');
  });
});
