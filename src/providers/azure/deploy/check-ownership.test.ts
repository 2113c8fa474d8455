// Whose an Azure resource is: tags compared exactly, the stage when both sides know it, and the store container's mark.
import { describe, expect, it } from 'vitest';
import { createAzureNames } from '../names.js';
import { findContainerConflict, findOwnershipConflict, readOwner } from './check-ownership.js';

const names = (resourceGroup: string, stage = 'dev') =>
  createAzureNames({ resourceGroup, task: 'greet', stage, subscriptionId: '0b1f6471-1bf0-4dda-aec3-cb9272f09590', azureResourceGroup: 'rg', location: 'westeurope' });

describe('findOwnershipConflict', () => {
  const mine = { resourceGroup: 'dev-Etl', task: 'greet', stage: 'dev' };
  it('refuses tags that differ only in case, naming the owner', () => {
    const conflict = findOwnershipConflict('managed identity x', mine, readOwner({ 'handoff-resource-group': 'dev-etl', 'handoff-task': 'greet' }));
    expect(conflict?.message).toContain('the managed identity x belongs to task greet of resource group dev-etl, not to this project\'s task greet of resource group dev-Etl (stage dev): Azure compares resource names without case');
    expect(conflict?.exitCode).toBe(2);
    expect(findOwnershipConflict('x', mine, readOwner({ 'handoff-resource-group': 'dev-Etl', 'handoff-task': 'Greet' }))?.message).toContain('belongs to task Greet');
  });
  it('refuses the job of another stage whose tags are the same (prod + dev-etl against dev + etl)', () => {
    const conflict = findOwnershipConflict('Container Apps job j', { resourceGroup: 'dev-etl', task: 'greet', stage: 'prod' }, readOwner({ 'handoff-resource-group': 'dev-etl', 'handoff-task': 'greet' }, 'dev'));
    expect(conflict?.message).toContain('(stage dev with resource group etl and stage prod with dev-etl give the same names');
  });
  it('accepts its own, untagged resources, and a resource group\'s shared ones for any of its tasks', () => {
    expect(findOwnershipConflict('x', mine, readOwner({ 'handoff-resource-group': 'dev-Etl', 'handoff-task': 'greet' }, 'dev'))).toBeUndefined();
    expect(findOwnershipConflict('x', mine, readOwner({ 'handoff-managed': 'true' }))).toBeUndefined();
    expect(findOwnershipConflict('x', mine, undefined)).toBeUndefined();
    expect(findOwnershipConflict('workspace', { resourceGroup: 'dev-Etl' }, readOwner({ 'handoff-resource-group': 'dev-Etl', 'handoff-task': 'other' }))).toBeUndefined();
    expect(findOwnershipConflict('workspace', { resourceGroup: 'dev-Etl' }, readOwner({ 'handoff-resource-group': 'dev-etl', 'handoff-task': 'other' }))?.message).toContain('belongs to resource group dev-etl, not');
  });
});

describe('the default Blob container\'s owner mark', () => {
  it('is stage/resource group, exact, and only on the container handoff names', () => {
    expect(names('Etl').containerOwner).toBe('dev/Etl');
    expect(names('Etl').blobContainer).toBe(names('etl').blobContainer);
    expect(names('dev-etl', 'prod').blobContainer).toBe(names('etl').blobContainer);
    expect(createAzureNames({ resourceGroup: 'etl', task: 'greet', stage: 'dev', subscriptionId: 's', azureResourceGroup: 'rg', location: 'westeurope', bucket: 'mine' }).containerOwner).toBeUndefined();
  });
  it('refuses another project\'s mark, and judges no mark', () => {
    expect(findContainerConflict(names('Etl'), { handoffowner: 'dev/etl' })?.message).toMatch(/holds the store of stage dev, resource group etl, not of this project's stage dev, resource group Etl/);
    expect(findContainerConflict(names('dev-etl', 'prod'), { handoffowner: 'dev/etl' })?.message).toContain('not of this project\'s stage prod, resource group dev-etl');
    expect(findContainerConflict(names('etl'), { handoffowner: 'dev/etl' })).toBeUndefined();
    expect(findContainerConflict(names('etl'), {})).toBeUndefined();
    expect(findContainerConflict(names('etl'), undefined)).toBeUndefined();
  });
});
