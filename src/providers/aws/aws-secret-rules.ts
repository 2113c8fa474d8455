// What SSM Parameter Store refuses of a secrets file (keys, ARN length, sizes), known before any AWS call or credentials.
import type { DeployTarget, SecretStoreRules } from '../provider.js';
import { createSsmParameterNames } from './names.js';

/** Every account id is 12 digits, so which one does not change the length of an ARN. */
const STAND_IN_ACCOUNT_ID = '000000000000';
/**
 * Without deploy.region or AWS_REGION (a profile's region is read only with the SDK), one of the shortest region names:
 * an ARN too long there is too long in every region, and a key refused here is refused at push wherever it goes.
 */
const SHORTEST_REGION = 'us-east-1';

/** SSM's rules for the task's secrets: the names a push would write (checked as it checks them) and SSM's tiers. */
export function createAwsSecretRules(target: Pick<DeployTarget, 'resourceGroup' | 'task' | 'stage' | 'deploy'>, env: NodeJS.ProcessEnv = process.env): SecretStoreRules {
  const region = target.deploy?.region?.trim() || env.AWS_REGION || env.AWS_DEFAULT_REGION || SHORTEST_REGION;
  const names = createSsmParameterNames({ resourceGroup: target.resourceGroup, task: target.task, stage: target.stage, region, accountId: STAND_IN_ACCOUNT_ID });
  // chooseTier absent: SSM's Standard and Advanced tiers, as the AWS provider's own store.
  return { names, describe: (name) => `ssm:${name} (${region})` };
}
