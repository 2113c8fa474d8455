// STS GetCallerIdentity: who the credentials belong to (the account id names the default bucket) — also a credentials check.
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { toClientInput, type AwsClientConfig } from './aws-client-config.js';
import { callAws } from './aws-errors.js';

export interface CallerIdentity {
  accountId: string;
  arn: string;
}

export async function getCallerIdentity(config: AwsClientConfig): Promise<CallerIdentity> {
  const client = new STSClient(toClientInput(config));
  try {
    const out = await callAws({ action: 'find out which AWS account the credentials belong to (sts:GetCallerIdentity)' }, () =>
      client.send(new GetCallerIdentityCommand({})),
    );
    return { accountId: out.Account ?? '', arn: out.Arn ?? '' };
  } finally {
    client.destroy();
  }
}
