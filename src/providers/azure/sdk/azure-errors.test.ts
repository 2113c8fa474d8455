// toAzureError: a missing Blob container is a StoreMissingError that knows whether the command only read.
import { describe, expect, it } from 'vitest';
import { sayStoreMissing, StoreMissingError } from '../../store/store-missing.js';
import { toAzureError } from './azure-errors.js';

const containerNotFound = Object.assign(new Error('The specified container does not exist.'), { name: 'RestError', statusCode: 404, code: 'ContainerNotFound' });

describe('toAzureError of ContainerNotFound', () => {
  it('tells a read that nothing is deployed for the stage, and a write to create the container for that stage', () => {
    const where = { projectDir: 'proj', stage: 'prod', resourceGroup: 'beta', task: 'ingest' };
    const read = toAzureError(containerNotFound, 'list ingest/runs/ in devstoreaccount1/handoff-beta');
    expect(read).toBeInstanceOf(StoreMissingError);
    expect(sayStoreMissing(read as StoreMissingError, where, true).fix).toBe('nothing is deployed for stage prod of beta/ingest yet: deploy it with `handoff cloud deploy -p proj -s prod`, or check -s/-p if it is deployed elsewhere');
    const write = toAzureError(containerNotFound, 'write ingest/project.yml to devstoreaccount1/handoff-beta') as StoreMissingError;
    expect(sayStoreMissing(write, where, true).fix).toBe('create it: handoff cloud bucket create -p proj -s prod (or handoff cloud deploy -p proj -s prod)');
    expect(sayStoreMissing(write, { ...where, stage: 'dev' }, true).exitCode).toBe(2);
  });
});
