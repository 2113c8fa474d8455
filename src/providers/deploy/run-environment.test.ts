// The environment of a `cloud run` on every cloud: the stage, the run's envs, and the trigger its record shows.
import { describe, expect, it } from 'vitest';
import { createRunEnvironment, readOverrides } from './run-environment.js';

describe('createRunEnvironment', () => {
  it('sets HO_STAGE first, the envs, then HANDOFF_TRIGGER=cloud, which an env cannot change', () => {
    expect(createRunEnvironment('dev', { __VARS: 'a=1', HANDOFF_TRIGGER: 'schedule', HO_STAGE: 'dev' })).toEqual([
      { name: 'HO_STAGE', value: 'dev' },
      { name: '__VARS', value: 'a=1' },
      { name: 'HANDOFF_TRIGGER', value: 'cloud' },
    ]);
  });

  it('names the envs handoff does not set itself in HANDOFF_ENV_OVERRIDES, which an env cannot change', () => {
    expect(createRunEnvironment('dev', { __VARS: '', GREETING: 'bonjour', HANDOFF_ENV_OVERRIDES: 'PATH', API_TOKEN: 't' })).toEqual([
      { name: 'HO_STAGE', value: 'dev' },
      { name: '__VARS', value: '' },
      { name: 'GREETING', value: 'bonjour' },
      { name: 'API_TOKEN', value: 't' },
      { name: 'HANDOFF_ENV_OVERRIDES', value: 'GREETING,API_TOKEN' },
      { name: 'HANDOFF_TRIGGER', value: 'cloud' },
    ]);
  });

  it('readOverrides takes the named keys only, and of those only the ones the environment has', () => {
    expect(readOverrides({ HANDOFF_ENV_OVERRIDES: 'GREETING,,API_TOKEN,GONE', GREETING: 'bonjour', API_TOKEN: '', PATH: '/bin' })).toEqual({ GREETING: 'bonjour', API_TOKEN: '' });
    expect(readOverrides({ GREETING: 'bonjour' })).toEqual({});
  });

  it('refuses an HO_STAGE of another stage', () => {
    expect(() => createRunEnvironment('dev', { HO_STAGE: 'prod' })).toThrow(/HO_STAGE=prod contradicts the stage of the deployed task \(dev\)/);
  });
});
