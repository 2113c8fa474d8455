// Tests for reserved variables and the secrets file name per stage.
import { describe, it, expect } from 'vitest';
import { createReservedVars, secretsFileName } from './stage-vars.js';

const NOW = new Date('2024-03-01T23:30:00Z');

describe('createReservedVars', () => {
  it('leaves every stage affix empty for prod', () => {
    const v = createReservedVars('prod', NOW, {});
    expect([v._stage, v._stage_, v['_stage-'], v.__stage, v.__stage_]).toEqual(['', '', '', '', '']);
  });

  it('gives s, s_, s-, _s, _s_ for another stage', () => {
    const v = createReservedVars('dev', NOW, {});
    expect([v._stage, v._stage_, v['_stage-'], v.__stage, v.__stage_]).toEqual(['dev', 'dev_', 'dev-', '_dev', '_dev_']);
  });

  it("gives today, yesterday and tomorrow as the process's local dates, across a month end in a leap year", () => {
    // Local noon: the same date in every time zone the tests may run in.
    const v = createReservedVars('dev', new Date(2024, 2, 1, 12), {});
    expect([v._yesterday, v._today, v._tomorrow]).toEqual(['2024-02-29', '2024-03-01', '2024-03-02']);
    expect(createReservedVars('dev', new Date(2023, 11, 31, 0, 0), {})._tomorrow).toBe('2024-01-01');
    // Late in the local day: still that day, whatever the UTC date is by then.
    expect(createReservedVars('dev', new Date(2024, 5, 30, 23, 59), {})._today).toBe('2024-06-30');
  });

  it('adds run id, task and state file only when given', () => {
    expect(createReservedVars('dev', NOW, {})).not.toHaveProperty('_run_id');
    const v = createReservedVars('dev', NOW, { runId: 'r1', task: 'fetch', stateFile: '/w/artifacts/state.json' });
    expect([v._run_id, v._task, v._state_file]).toEqual(['r1', 'fetch', '/w/artifacts/state.json']);
  });
});

describe('secretsFileName', () => {
  it('is secrets.yml for prod and <stage>_secrets.yml otherwise', () => {
    expect(secretsFileName('prod')).toBe('secrets.yml');
    expect(secretsFileName('dev')).toBe('dev_secrets.yml');
  });
});
