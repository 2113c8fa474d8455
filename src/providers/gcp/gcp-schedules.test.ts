// Tests of the gcp schedules: the listing's next fires are those of the unix cron Cloud Scheduler really holds; a
// description Cloud Scheduler would refuse is refused before anything is written.
import { describe, expect, it } from 'vitest';
import { UserError } from '../../errors.js';
import type { Deploy, Schedule } from '../../project/types.js';
import { createGcpScheduleLifecycle } from './gcp-schedules.js';
import { createGcpNames } from './names.js';
import { createScheduleSpec, toSchedulerJob } from './resources/scheduler-job.js';
import type { CloudRunApi } from './sdk/cloud-run.js';
import type { CloudSchedulerApi } from './sdk/cloud-scheduler.js';

const schedule = (target_id: string, cron: string, extra: Partial<Schedule> = {}): Schedule => ({ target_id, cron, envs: [], enabled: true, overlap: 'skip', catch_up: false, path: 'schedules[0]', ...extra });
const names = createGcpNames({ resourceGroup: 'it', task: 'words', stage: 'dev', project: 'acme-data', region: 'europe-west1' });
const deploy = {} as Deploy;

describe('gcp schedule list', () => {
  it('lists a rate at the times of the unix cron it is deployed as, in its zone, not at now + n intervals', async () => {
    const declared = [schedule('daily', 'rate(1 day)', { timezone: 'Asia/Kolkata' }), schedule('every2h', 'rate(2 hours)', { timezone: 'Asia/Kolkata' }), schedule('utc', 'rate(1 day)')];
    const jobs = declared.map((s) => toSchedulerJob(createScheduleSpec(names, deploy, s), names.containerName));
    const scheduler = { listJobs: async () => jobs.map((j) => ({ ...j, state: 'ENABLED' })) } as unknown as CloudSchedulerApi;
    const lifecycle = createGcpScheduleLifecycle({ names, deploy, openScheduler: async () => scheduler, openRun: async () => ({}) as CloudRunApi });
    const listing = await lifecycle.list(declared);
    expect(listing.map((l) => l.status)).toEqual(['scheduled', 'scheduled', 'scheduled']);
    // Midnight in Kolkata (UTC+5:30) is 18:30 UTC; every two hours there is :30 past even UTC hours; midnight UTC.
    expect(listing[0]!.next).toHaveLength(3);
    for (const next of listing[0]!.next) expect(next).toMatch(/T18:30:00\.000Z$/);
    for (const next of listing[1]!.next) expect(next).toMatch(/T([01][02468]|2[02]):30:00\.000Z$/);
    for (const next of listing[2]!.next) expect(next).toMatch(/T00:00:00\.000Z$/);
  });
});

describe('gcp schedule description', () => {
  it('is refused over 500 characters (Cloud Scheduler\'s limit), located at the key, and taken at 500', () => {
    const long = schedule('1', '0 6 * * ? *', { description: 'é'.repeat(501), path: 'schedules[0]' });
    let error: unknown;
    try {
      createScheduleSpec(names, deploy, long);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toBe("schedule 1's description is 501 characters; Cloud Scheduler takes at most 500");
    expect((error as UserError).diagnostics[0]).toMatchObject({ path: 'schedules[0].description' });
    expect(createScheduleSpec(names, deploy, { ...long, description: 'é'.repeat(500) }).description).toHaveLength(500);
  });
});
