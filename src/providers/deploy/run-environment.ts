// The environment every cloud run starts with: HO_STAGE of the deployed stage, then the run's envs.
import { UserError } from '../../errors.js';

/** The container environment of a run: HO_STAGE of the deployed stage, then the run's envs (which may not change the stage). */
export function createRunEnvironment(stage: string, envs: Record<string, string>): { name: string; value: string }[] {
  const environment = [{ name: 'HO_STAGE', value: stage }];
  for (const [name, value] of Object.entries(envs)) {
    if (name === 'HO_STAGE') {
      if (value !== stage) throw new UserError(`HO_STAGE=${value} contradicts the stage of the deployed task (${stage})`, { fix: `run with -s ${value}, or drop HO_STAGE from the envs` });
      continue;
    }
    environment.push({ name, value });
  }
  return environment;
}
