// A named AWS profile that the shared files do not hold fails by name before any AWS call.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../../errors.js';
import { resolveAwsClientConfig } from './aws-client-config.js';

describe('resolveAwsClientConfig: profiles', () => {
  const saved = { ...process.env };
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-aws-profile-'));
    fs.writeFileSync(path.join(dir, 'config'), '[default]\nregion = eu-west-1\n[profile etl]\nregion = eu-west-2\n[sso-session corp]\nsso_region = eu-west-1\n');
    fs.writeFileSync(path.join(dir, 'credentials'), '[keys-only]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = example\n');
    process.env.AWS_CONFIG_FILE = path.join(dir, 'config');
    process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(dir, 'credentials');
    for (const name of ['AWS_PROFILE', 'AWS_REGION', 'AWS_DEFAULT_REGION']) delete process.env[name];
  });
  afterEach(() => {
    process.env = { ...saved };
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('names a missing --cloud-profile, the files it looked in and the profiles they hold', async () => {
    const error = await resolveAwsClientConfig({ profile: 'etl-prod', region: 'us-east-1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toBe(`the AWS profile "etl-prod" (--cloud-profile) is not in ${dir}/config or ${dir}/credentials`);
    expect((error as UserError).fix).toBe('use one of the profiles there (default, etl, keys-only), or create it with: aws configure --profile etl-prod');
  });

  it('says AWS_PROFILE when the profile comes from the environment', async () => {
    process.env.AWS_PROFILE = 'nope';
    await expect(resolveAwsClientConfig({ region: 'us-east-1' })).rejects.toThrow('the AWS profile "nope" (AWS_PROFILE) is not in');
  });

  it('accepts a profile of either file, and takes its region', async () => {
    await expect(resolveAwsClientConfig({ profile: 'keys-only', region: 'us-east-1' })).resolves.toMatchObject({ profile: 'keys-only', region: 'us-east-1' });
    await expect(resolveAwsClientConfig({ profile: 'etl' })).resolves.toMatchObject({ profile: 'etl', region: 'eu-west-2' });
  });
});
