// Tests of the local provider's schedule listing: a deployed rate's next fires count from its deploy time.
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Schedule } from '../../project/types.js';
import type { DeployTarget, StoreNames } from '../provider.js';
import { createLocalSchedules, listLocalScheduleStatus } from './local-schedules.js';

const schedule = (cron: string): Schedule => ({ target_id: '1', cron, envs: [], enabled: true, overlap: 'skip', catch_up: false, path: 'schedules[0]' });
const target = { resourceGroup: 'rg', task: 't', stage: 'dev' } as unknown as DeployTarget;
const names = { resourceGroup: 'dev-rg', task: 't' } as unknown as StoreNames;

describe('listLocalScheduleStatus', () => {
  it("lists a deployed rate's next fires from its deploy time, as the scheduler fires it, and a cron's from now", () => {
    const home = mkdtempSync(join(tmpdir(), 'handoff-home-'));
    const deployedAt = new Date('2026-12-04T22:16:49.543Z');
    createLocalSchedules(home, target, names, [schedule('rate(1 minute)')], deployedAt);
    const later = new Date('2026-12-04T22:29:13.000Z');
    expect(listLocalScheduleStatus(home, target, names, [schedule('rate(1 minute)')], later)[0]).toMatchObject({
      status: 'scheduled',
      next: ['2026-12-04T22:29:49.543Z', '2026-12-04T22:30:49.543Z', '2026-12-04T22:31:49.543Z'],
    });
    // Edited to a cron: the cron's own times from now.
    expect(listLocalScheduleStatus(home, target, names, [schedule('0/15 * * * ? *')], later)[0]).toMatchObject({ status: 'edited', next: ['2026-12-04T22:30:00.000Z', '2026-12-04T22:45:00.000Z', '2026-12-04T23:00:00.000Z'] });
  });
});
