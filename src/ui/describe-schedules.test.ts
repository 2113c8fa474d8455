// Unit tests of the Schedules page's data: next fire times per schedule, and the local scheduler's view of them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseProject } from '../project/parse-project.js';
import { writeLocalSchedule } from '../schedule/schedule-registry.js';
import { schedulerPaths } from '../schedule/scheduler-service.js';
import { addLocalSchedulerState, describeSchedules } from './describe-schedules.js';

const { project } = parseProject(
  `tasks:
- name: t
  commands:
  - command: "true"
deploy:
  cloud_provider: local
  resource_group: shop
  task: orders
schedules:
- target_id: 1
  name: nightly
  cron: "30 2 * * ? *"
  timezone: Europe/Berlin
- target_id: 2
  cron: rate(6 hours)
  enabled: false
`,
  'project.yml',
  '/tmp',
);

describe('describeSchedules', () => {
  it('lists the next fire times in UTC with the wall-clock time of the schedule, and none for a disabled one', () => {
    const now = new Date('2026-03-28T12:00:00Z');
    const [nightly, disabled] = describeSchedules(project, now, 3);
    // 02:30 does not exist in Berlin on 29 March (clocks jump from 02:00 to 03:00), so that day is skipped; after it
    // 02:30 is 00:30Z.
    expect(nightly.next).toEqual(['2026-03-30T00:30:00.000Z', '2026-03-31T00:30:00.000Z', '2026-04-01T00:30:00.000Z']);
    expect(nightly.nextText[0]).toBe('2026-03-30T00:30:00Z (2026-03-30 02:30 +02:00 Europe/Berlin)');
    expect(nightly).toMatchObject({ kind: 'cron', awsExpression: 'cron(30 2 * * ? *)', timezone: 'Europe/Berlin', enabled: true });
    expect(disabled).toMatchObject({ enabled: false, kind: 'rate', next: [] });
  });
});

describe('addLocalSchedulerState', () => {
  it('shows which schedules are deployed to the local scheduler, their last fire, and that the scheduler is not running', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-home-'));
    writeLocalSchedule(home, {
      id: 'dev-shop/orders/1',
      resourceGroup: 'dev-shop',
      bareResourceGroup: 'shop',
      task: 'orders',
      stage: 'dev',
      targetId: '1',
      expression: '30 2 * * ? *',
      timezone: 'Europe/Berlin',
      enabled: true,
      overlap: 'skip',
      catchUp: false,
      envs: [],
      deployedAt: '2026-03-01T00:00:00.000Z',
    });
    const fires = schedulerPaths(home).fires;
    fs.mkdirSync(path.dirname(fires), { recursive: true });
    fs.writeFileSync(fires, `${JSON.stringify({ scheduleId: 'dev-shop/orders/1', scheduledAt: '2026-03-27T01:30:00.000Z', at: '2026-03-27T01:30:00.100Z', outcome: 'fired', pid: 42 })}\n`);
    const views = describeSchedules(project, new Date('2026-03-28T12:00:00Z'));
    const state = addLocalSchedulerState(project, 'dev', views, { HANDOFF_HOME: home });
    expect(state.scheduler).toEqual({ running: false, home });
    expect(state.schedules[0]).toMatchObject({ deployedLocally: true, lastFire: { outcome: 'fired', scheduledAt: '2026-03-27T01:30:00.000Z' } });
    expect(state.schedules[1].deployedLocally).toBeUndefined();
    // Another stage's schedules are not this page's.
    expect(addLocalSchedulerState(project, 'prod', views, { HANDOFF_HOME: home }).schedules[0].deployedLocally).toBeUndefined();
  });
});

describe('the last fire of a schedule among busy ones', () => {
  it('is shown from the scheduler\'s state though fires.jsonl\'s last 500 records are all of other schedules; a newer record there wins', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-home-'));
    writeLocalSchedule(home, { id: 'dev-shop/orders/1', resourceGroup: 'dev-shop', bareResourceGroup: 'shop', task: 'orders', stage: 'dev', targetId: '1', expression: '30 2 * * ? *', timezone: 'Europe/Berlin', enabled: true, overlap: 'skip', catchUp: false, envs: [], deployedAt: '2026-03-01T00:00:00.000Z' });
    const { fires, state } = schedulerPaths(home);
    fs.mkdirSync(path.dirname(fires), { recursive: true });
    const daily = { scheduleId: 'dev-shop/orders/1', scheduledAt: '2026-03-27T01:30:00.000Z', at: '2026-03-27T01:30:00.100Z', outcome: 'skipped', reason: 'the previous run still goes on' };
    // Its fire, then 200 hourly schedules for three hours: 600 records after it.
    const busy = Array.from({ length: 600 }, (_, i) => JSON.stringify({ scheduleId: `dev-shop/other${i % 200}/1`, scheduledAt: '2026-03-27T02:00:00.000Z', at: `2026-03-27T0${2 + Math.floor(i / 200)}:00:00.100Z`, outcome: 'fired' }));
    fs.writeFileSync(fires, `${[JSON.stringify(daily), ...busy].join('\n')}\n`);
    fs.writeFileSync(state, JSON.stringify({ lastFire: { 'dev-shop/orders/1': daily.scheduledAt }, checkedAt: '2026-03-27T04:00:00.000Z', lastRecord: { 'dev-shop/orders/1': daily } }));
    const views = describeSchedules(project, new Date('2026-03-28T12:00:00Z'));
    expect(addLocalSchedulerState(project, 'dev', views, { HANDOFF_HOME: home }).schedules[0].lastFire).toEqual({ scheduledAt: daily.scheduledAt, at: daily.at, outcome: 'skipped', reason: daily.reason });
    // A record written after the state was saved (the scheduler saves it just after) is the newer one.
    fs.appendFileSync(fires, `${JSON.stringify({ scheduleId: 'dev-shop/orders/1', scheduledAt: '2026-03-28T01:30:00.000Z', at: '2026-03-28T01:30:00.100Z', outcome: 'fired', pid: 7 })}\n`);
    expect(addLocalSchedulerState(project, 'dev', views, { HANDOFF_HOME: home }).schedules[0].lastFire).toMatchObject({ scheduledAt: '2026-03-28T01:30:00.000Z', outcome: 'fired' });
  });
});

describe('rate schedules on the Schedules page', () => {
  const { project: hourly } = parseProject(
    `tasks:
- name: t
  commands:
  - command: "true"
deploy:
  cloud_provider: local
  resource_group: shop
  task: orders
schedules:
- target_id: 1
  cron: rate(1 hour)
`,
    'project.yml',
    '/tmp',
  );

  it('lists no made-up times for a rate not deployed, and the times the local scheduler fires for a deployed one', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-home-'));
    const now = new Date('2026-12-06T03:22:50.955Z');
    // Not deployed: it fires from when it is, so it has no fire times ("now + 1 h" moved with every look).
    const [undeployed] = describeSchedules(hourly, now);
    expect(undeployed).toMatchObject({ kind: 'rate', enabled: true, next: [], nextText: [] });
    expect(addLocalSchedulerState(hourly, 'dev', [undeployed], { HANDOFF_HOME: home }, now).schedules[0].next).toEqual([]);
    writeLocalSchedule(home, {
      id: 'dev-shop/orders/1',
      resourceGroup: 'dev-shop',
      bareResourceGroup: 'shop',
      task: 'orders',
      stage: 'dev',
      targetId: '1',
      expression: 'rate(1 hour)',
      enabled: true,
      overlap: 'skip',
      catchUp: false,
      envs: [],
      deployedAt: '2026-12-06T03:20:26.992Z',
    });
    // Deployed at 03:20:26.992: it fires then and every hour after, as `cloud schedule list` and `scheduler status` say.
    const [deployed] = addLocalSchedulerState(hourly, 'dev', describeSchedules(hourly, now), { HANDOFF_HOME: home }, now, 3).schedules;
    expect(deployed.next).toEqual(['2026-12-06T04:20:26.992Z', '2026-12-06T05:20:26.992Z', '2026-12-06T06:20:26.992Z']);
    expect(deployed.nextText[0]).toBe('2026-12-06T04:20:26Z');
    // A minute later, the same times.
    expect(addLocalSchedulerState(hourly, 'dev', describeSchedules(hourly, new Date(now.getTime() + 60_000)), { HANDOFF_HOME: home }, new Date(now.getTime() + 60_000), 3).schedules[0].next).toEqual(deployed.next);
  });
});
