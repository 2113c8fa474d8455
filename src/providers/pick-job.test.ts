// pickJob: one run per id or unique start, and the refusals every provider shares.
import { describe, expect, it } from 'vitest';
import { AmbiguousJobError, pickJob, UnknownJobError } from './pick-job.js';

const jobs = ['abc-1', 'abc-2', 'abd-3', 'abc'].map((id) => ({ id }));
const words = { task: 'dev-rg/t', where: '(Cloud Run job j)' };

describe('pickJob', () => {
  it('takes an exact id before a start that other ids share, and a unique start', () => {
    expect(pickJob(jobs, 'abc', words).id).toBe('abc');
    expect(pickJob(jobs, 'abd', words).id).toBe('abd-3');
  });

  it('names the runs an ambiguous start matches and how to pick one', () => {
    const error = (() => {
      try {
        pickJob(jobs, 'ab', words);
      } catch (e) {
        return e;
      }
    })() as AmbiguousJobError;
    expect(error).toBeInstanceOf(AmbiguousJobError);
    expect(error.message).toBe('"ab" matches 4 runs of dev-rg/t (abc-1, abc-2, abd-3, abc)');
    expect(error.fix).toBe('give more of the id, enough to name one run: e.g. -v id=abc-1');
    expect(error.exitCode).toBe(2);
  });

  it('shows at most five of many, and says an unknown id with where it looked', () => {
    const many = Array.from({ length: 7 }, (_, i) => ({ id: `job-${i}` }));
    expect(() => pickJob(many, 'job', { task: 'rg/t', noun: 'job' })).toThrow('"job" matches 7 jobs of rg/t (job-0, job-1, job-2, job-3, job-4, …)');
    expect(() => pickJob(jobs, 'zz', words)).toThrow(UnknownJobError);
    expect(() => pickJob(jobs, 'zz', words)).toThrow('no run "zz" of dev-rg/t (Cloud Run job j)');
  });

  it('uses the provider\'s own match (Google Cloud: the random end of an execution id)', () => {
    const executions = [{ id: 'handoff-dev-rg-t-x1y2z' }, { id: 'handoff-dev-rg-t-a1b2c' }];
    expect(pickJob(executions, 'a1b2c', words, (j) => j.id.endsWith('-a1b2c')).id).toBe('handoff-dev-rg-t-a1b2c');
  });

  it('refuses an empty id, which every id starts with, instead of taking the only run', () => {
    expect(() => pickJob([{ id: 'only-run' }], '', words)).toThrow('the job id is empty');
    expect(() => pickJob([{ id: 'only-run' }], ' ', words, () => true)).toThrow('the job id is empty');
  });
});
