// The deploy's project sync (every cloud's `cloud deploy`): stale task-level secrets planned, printed and removed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../errors.js';
import { createLocalProvider } from '../local/local-provider.js';
import type { Secret } from '../../secrets/local-secrets.js';
import { applyProjectSync, describeProjectSync, isProjectSyncEmpty, planProjectSync } from './sync-project.js';

let home = '';
let projectDir = '';
const savedHome = process.env.HANDOFF_HOME;

beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-sync-'));
  process.env.HANDOFF_HOME = path.join(home, 'home');
  projectDir = path.join(home, 'project');
  fs.mkdirSync(path.join(projectDir, 'files'), { recursive: true });
  fs.writeFileSync(path.join(projectDir, 'project.yml'), 'version: 0.3\n');
});

afterEach(() => {
  if (savedHome === undefined) delete process.env.HANDOFF_HOME;
  else process.env.HANDOFF_HOME = savedHome;
  fs.rmSync(home, { recursive: true, force: true });
});

const secret = (key: string, value: string, more: Partial<Secret> = {}): Secret => ({ key, value, level: 'task', push: true, source: `dev_secrets.yml:${key}`, ...more });

describe('planProjectSync and applyProjectSync: secrets', () => {
  it('plans removing task-level secrets the file dropped, made push: false or moved to the group, and removes them after the writes', async () => {
    const provider = createLocalProvider({ provider: 'local', stage: 'dev', resourceGroup: 'rg', task: 'job' });
    const { names } = provider;
    await provider.bucket.create(() => undefined);
    for (const key of ['kept', 'dropped', 'made_local', 'moved']) await provider.parameters.put(names.taskParameter(key), `old-${key}`, 'Standard');
    const input = { projectFile: path.join(projectDir, 'project.yml'), projectDir, allowAdvancedTier: false, bucketExists: true };
    const secrets = [secret('kept', 'old-kept'), secret('made_local', 'new', { push: false }), secret('moved', 'new-group', { level: 'resource group' })];

    const plan = await planProjectSync(provider, { ...input, secrets });
    expect(describeProjectSync(plan).secrets).toEqual({
      write: ['moved (resource group level)'],
      delete: ['dropped (task level, not in the secrets file)', 'made_local (task level, push: false)', 'moved (task level, now resource group level)'],
      unchanged: 1,
    });
    const summary = await applyProjectSync(provider, plan);
    expect(summary.secrets.deleted).toEqual(['dropped', 'made_local', 'moved']);
    expect((await provider.parameters.listByPath(names.ssmTaskPath)).map((p) => p.name)).toEqual([names.taskParameter('kept')]);
    expect(await provider.parameters.listByPath(names.ssmResourceGroupPath)).toEqual([{ name: names.resourceGroupParameter('moved'), value: 'new-group' }]);

    // In step now: nothing left to do; and a deploy without a secrets file removes nothing.
    const again = await planProjectSync(provider, { ...input, secrets });
    expect(again.staleSecrets).toEqual([]);
    expect((await planProjectSync(provider, { ...input, secrets: [] })).staleSecrets).toEqual([]);
    expect(isProjectSyncEmpty(again)).toBe(true);
  });

  it('refuses an empty secret in the plan, before anything is written', async () => {
    const provider = createLocalProvider({ provider: 'local', stage: 'dev', resourceGroup: 'rg', task: 'job' });
    const input = { projectFile: path.join(projectDir, 'project.yml'), projectDir, allowAdvancedTier: false, bucketExists: false };
    const planned = planProjectSync(provider, { ...input, secrets: [secret('a', 'x'), secret('b', '')] });
    await expect(planned).rejects.toBeInstanceOf(UserError);
    await expect(planned).rejects.toThrow('secret "b" (dev_secrets.yml:b) is empty');
  });
});
