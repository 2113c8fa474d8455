// Ownership of stacks and schedule groups by their handoff tags: another task's, group's or stage's is refused, untagged ones are not judged.
import { describe, expect, it } from 'vitest';
import { findOwnershipConflict, readOwner, readTemplateStage } from './check-ownership.js';

describe('findOwnershipConflict', () => {
  const mine = { resourceGroup: 'dev-etl-daily', task: 'sync', stage: 'dev' };

  it('accepts the task\'s own tags (deploy.tags beside them do not matter) and untagged resources', () => {
    expect(findOwnershipConflict('the stack s', mine, readOwner({ 'handoff:resource-group': 'dev-etl-daily', 'handoff:task': 'sync', owner: 'x' }))).toBeUndefined();
    expect(findOwnershipConflict('the stack s', mine, readOwner({ 'handoff:resource-group': 'dev-etl-daily', 'handoff:stage': 'dev', 'handoff:task': 'sync' }))).toBeUndefined();
    expect(findOwnershipConflict('the stack s', mine, readOwner({}))).toBeUndefined();
  });

  it('refuses another task\'s, and a resource group\'s shared stack, naming the owner', () => {
    const other = findOwnershipConflict('the stack s', mine, readOwner({ 'handoff:resource-group': 'dev-etl', 'handoff:task': 'daily-sync' }));
    expect(other?.message).toContain('belongs to task daily-sync of resource group dev-etl');
    expect(other?.exitCode).toBe(2);
    expect(findOwnershipConflict('the stack s', mine, readOwner({ 'handoff:resource-group': 'dev-etl-daily' }))?.message).toContain('belongs to resource group dev-etl-daily (its shared stacks)');
    expect(findOwnershipConflict('the stack s', { resourceGroup: 'dev-etl-daily' }, readOwner({ 'handoff:resource-group': 'dev-etl-daily', 'handoff:task': 'sync' }))?.fix).toContain('rename deploy.resource_group');
  });

  it('refuses the same staged name of another stage (prod + dev-etl against dev + etl), by tag or by the HO_STAGE of an older stack', () => {
    const prod = { resourceGroup: 'dev-etl', task: 'words', stage: 'prod' };
    const tagged = findOwnershipConflict('the stack handoff-dev-etl-words', prod, readOwner({ 'handoff:resource-group': 'dev-etl', 'handoff:stage': 'dev', 'handoff:task': 'words' }));
    expect(tagged?.message).toContain('the stack handoff-dev-etl-words belongs to stage dev + resource group etl (task words), not to this project\'s stage prod + resource group dev-etl (task words)');
    expect(tagged?.exitCode).toBe(2);
    const older = findOwnershipConflict('the stack s', prod, readOwner({ 'handoff:resource-group': 'dev-etl', 'handoff:task': 'words' }, 'dev'));
    expect(older?.message).toContain('belongs to stage dev + resource group etl');
    // The resource group's shared stacks: compared by their stage tag (stage dev-etl + x against stage dev + etl-x).
    expect(findOwnershipConflict('the stack r', { resourceGroup: 'dev-etl-x', stage: 'dev-etl' }, readOwner({ 'handoff:resource-group': 'dev-etl-x', 'handoff:stage': 'dev' }))?.message).toContain('belongs to stage dev + resource group etl-x, not to this project\'s stage dev-etl + resource group x');
  });

  it('reads the stage of a task stack\'s template from its task definition\'s HO_STAGE', () => {
    const template = { Resources: { TaskDefinition: { Type: 'AWS::ECS::TaskDefinition', Properties: { ContainerDefinitions: [{ Environment: [{ Name: 'X', Value: '1' }, { Name: 'HO_STAGE', Value: 'dev' }] }] } } } };
    expect(readTemplateStage(JSON.stringify(template))).toBe('dev');
    expect(readTemplateStage('Resources: {}')).toBeUndefined();
    expect(readTemplateStage(undefined)).toBeUndefined();
  });
});
