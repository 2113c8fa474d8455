// The deploy's project sync (every cloud's `cloud deploy`): secrets checked before anything is written.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../errors.js';
import { createLocalProvider } from '../local/local-provider.js';
import type { Secret } from '../../secrets/local-secrets.js';
import { planProjectSync } from './sync-project.js';

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
  it('refuses an empty secret in the plan, before anything is written', async () => {
    const provider = createLocalProvider({ provider: 'local', stage: 'dev', resourceGroup: 'rg', task: 'job' });
    const input = { projectFile: path.join(projectDir, 'project.yml'), projectDir, allowAdvancedTier: false, bucketExists: false };
    const planned = planProjectSync(provider, { ...input, secrets: [secret('a', 'x'), secret('b', '')] });
    await expect(planned).rejects.toBeInstanceOf(UserError);
    await expect(planned).rejects.toThrow('secret "b" (dev_secrets.yml:b) is empty');
  });
});
