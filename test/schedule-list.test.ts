// `handoff schedule list` through the CLI: fire times from the one schedule parser, and precise errors.
import { describe, expect, it } from 'vitest';
import { makeProject, makeTempDir, runCli } from './helpers/cli.js';

describe('schedule list', () => {
  it('prints each schedule with its next fire times, in UTC and local time', async () => {
    const { projectDir } = makeProject(`
tasks:
- name: a
  commands:
  - command: echo a
schedules:
- target_id: 1
  name: morning
  cron: "0 6 ? * MON-FRI *"
  timezone: America/New_York
- target_id: 2
  cron: "@daily"
  enabled: false
`);
    const r = await runCli(['schedule', 'list', '-p', projectDir, '--json']);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout);
    expect(list[0]).toMatchObject({ target_id: '1', awsExpression: 'cron(0 6 ? * MON-FRI *)', timezone: 'America/New_York' });
    expect(list[0].nextFireTimes).toHaveLength(5);
    for (const t of list[0].nextFireTimes) {
      const local = new Date(t).toLocaleString('en-US', { timeZone: 'America/New_York', hour: 'numeric', hour12: false, weekday: 'short' });
      expect(local).toMatch(/^(Mon|Tue|Wed|Thu|Fri),? 0?6$/);
    }
    expect(list[1]).toMatchObject({ enabled: false, nextFireTimes: [] });
    const text = await runCli(['schedule', 'list', '-p', projectDir]);
    expect(text.stdout).toContain('target_id 1 (morning)');
    expect(text.stdout).toMatch(/America\/New_York\)/);
  });

  it('previews a rate as the scheduler fires it: at once when deployed (the example starts now), then every interval', async () => {
    const { projectDir } = makeProject('tasks:\n- name: a\n  commands:\n  - command: echo a\nschedules:\n- target_id: 1\n  cron: rate(1 day)\n');
    const before = Date.now();
    const r = await runCli(['schedule', 'list', '-p', projectDir, '--json']);
    const after = Date.now();
    const times = (JSON.parse(r.stdout) as Array<{ nextFireTimes: string[] }>)[0].nextFireTimes.map((t) => Date.parse(t));
    // The first is the moment of the listing (a deploy now fires now), not a day later.
    expect(times[0]).toBeGreaterThanOrEqual(before);
    expect(times[0]).toBeLessThanOrEqual(after);
    expect(times[1] - times[0]).toBe(86_400_000);
    const text = await runCli(['schedule', 'list', '-p', projectDir]);
    expect(text.stdout).toContain('every 1 day from when it is deployed (at once, then every interval); if deployed now:');
  });

  it('rejects an invalid expression with the field at fault and its location, exit 2', async () => {
    const { projectDir } = makeProject('tasks:\n- name: a\n  commands:\n  - command: echo a\nschedules:\n- target_id: 1\n  cron: "0 6 * *"\n');
    const r = await runCli(['schedule', 'list', '-p', projectDir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/project\.yml:7:\d+: schedules\[0\]\.cron/);
    expect(r.stderr).toContain('6 fields');
  });

  it('says why a schedule never fires again: its only time falls in the hour a zone skips', async () => {
    const { projectDir } = makeProject('tasks:\n- name: a\n  commands:\n  - command: echo a\nschedules:\n- target_id: 1\n  cron: "30 2 29 3 ? 2099"\n  timezone: Europe/Berlin\n');
    const r = await runCli(['schedule', 'list', '-p', projectDir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('never fires again (its remaining times fall in the hour Europe/Berlin skips when its clocks go forward)');
  });

  it('refuses a cron whose years are over at its line, as it refuses 31 February (both never fire)', async () => {
    const { projectDir } = makeProject('tasks:\n- name: a\n  commands:\n  - command: echo a\nschedules:\n- target_id: 2\n  cron: "0 6 1 1 ? 2020"\n- target_id: 3\n  cron: "0 0 1 1 ? 1999-2021"\n');
    for (const args of [['config', 'validate'], ['schedule', 'list'], ['cloud', 'schedule', 'create']]) {
      const r = await runCli([...args, '-p', projectDir], { env: { HANDOFF_HOME: makeTempDir() } });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain('project.yml:7:9: schedules[0].cron: cron "0 6 1 1 ? 2020": never fires again: every time it matches is in the past');
      expect(r.stderr).toContain('project.yml:9:9: schedules[1].cron: cron "0 0 1 1 ? 1999-2021": never fires again');
    }
  });
});
