// The environment every cloud run starts with: HO_STAGE of the deployed stage, the run's envs, and how it was started.
import { UserError } from '../../errors.js';

/**
 * What the run's record says started it (`triggerFromEnv` of src/runs reads it; the local provider sets it too): set
 * last, so an env of the same name cannot make a schedule's run look like a person's.
 */
export const TRIGGER_ENV = 'HANDOFF_TRIGGER';

/** The container environment of a `cloud run`: HO_STAGE of the deployed stage, then the run's envs (which may not change the stage), then the trigger. */
export function createRunEnvironment(stage: string, envs: Record<string, string>): { name: string; value: string }[] {
  const environment = [{ name: 'HO_STAGE', value: stage }];
  for (const [name, value] of Object.entries(envs)) {
    if (name === 'HO_STAGE') {
      if (value !== stage) throw new UserError(`HO_STAGE=${value} contradicts the stage of the deployed task (${stage})`, { fix: `run with -s ${value}, or drop HO_STAGE from the envs` });
      continue;
    }
    if (name === TRIGGER_ENV) continue;
    environment.push({ name, value });
  }
  environment.push({ name: TRIGGER_ENV, value: 'cloud' });
  return environment;
}
