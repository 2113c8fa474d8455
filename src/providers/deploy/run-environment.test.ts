// The environment of a `cloud run` on every cloud: the stage, the run's envs, and the trigger its record shows.
import { describe, expect, it } from 'vitest';
import { createRunEnvironment } from './run-environment.js';

describe('createRunEnvironment', () => {
  it('sets HO_STAGE first, the envs, then HANDOFF_TRIGGER=cloud, which an env cannot change', () => {
    expect(createRunEnvironment('dev', { __VARS: 'a=1', HANDOFF_TRIGGER: 'schedule', HO_STAGE: 'dev' })).toEqual([
      { name: 'HO_STAGE', value: 'dev' },
      { name: '__VARS', value: 'a=1' },
      { name: 'HANDOFF_TRIGGER', value: 'cloud' },
    ]);
  });

  it('refuses an HO_STAGE of another stage', () => {
    expect(() => createRunEnvironment('dev', { HO_STAGE: 'prod' })).toThrow(/HO_STAGE=prod contradicts the stage of the deployed task \(dev\)/);
  });
});
