// A secret PyYAML types (`yes`, `0123`, `1.0`, a date) is seen the same by `run local` and by a run from the store.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, runCli, type CliResult } from '../helpers/cli.js';
import { startMotoServer, type MotoServer } from '../helpers/moto-server.js';
import { expectStoreRunAsLocal, PRINTED, stdoutOf } from './typed-secrets-scenario.js';

describe('typed secrets: a run from the local store sees what run local sees', () => {
  it('renders and exports True, 83, 1.0 from the store as run local does; a store pushed before with the written text keeps it', async () => {
    const env = { HANDOFF_HOME: makeTempDir('handoff-home-') };
    const cli = (args: string[]): Promise<CliResult> => runCli(args, { env });
    const projectDir = await expectStoreRunAsLocal(cli, 'local', 'local-typed');

    // A store pushed by an earlier handoff holds the written text (`yes`): read as it is, text stays text.
    const stored = path.join(env.HANDOFF_HOME, 'parameters', 'handoff', 'dev-typed', 'local-typed', 'FLAG');
    expect(fs.readFileSync(stored, 'utf8')).toBe('True');
    fs.writeFileSync(stored, 'yes');
    const workspaceDir = makeTempDir('typed-old-ws-');
    const old = await cli(['run', '-p', projectDir, '-w', workspaceDir]);
    expect(old.code, old.stderr).toBe(0);
    expect(stdoutOf(workspaceDir).split('\n')[0]).toBe(PRINTED.replace('FLAG=True', 'FLAG=yes'));
  });
});

describe('typed secrets: a run from AWS (moto: SSM and S3) sees what run local sees', () => {
  let moto: MotoServer;
  let env: Record<string, string>;
  beforeAll(async () => {
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
    moto = await startMotoServer();
    env = { ...moto.env, HANDOFF_HOME: makeTempDir('handoff-home-') };
  });
  afterAll(async () => {
    await moto?.stop();
  });

  it('stores the printed text in SSM, and the run from the store prints it in templates and the environment', async () => {
    const cli = (args: string[]): Promise<CliResult> =>
      runCli(args, { env: { ...env, AWS_PROFILE: undefined, __VARS: undefined } as NodeJS.ProcessEnv, timeoutMs: 180_000 });
    await expectStoreRunAsLocal(cli, 'aws', 'aws-typed');
  });
});
