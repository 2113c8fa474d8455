// Google Cloud credentials that are missing or malformed: every command exits 2 with the fix, never a Node.js crash
// (review "the same commands across providers", 2026-12-06, finding 1: the gax clients rethrew the failure unhandled).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { makeProject, makeTempDir, runCli } from '../helpers/cli.js';
import { startGcpEmulator, type GcpEmulator } from './emulator/gcp-emulator.js';

const projectYml = `tasks:
  - name: count
    commands:
      - command: "true"
deploy:
  cloud_provider: gcp
  gcp_project: acme-data
  region: europe-west1
  resource_group: creds
  task: words
  image_version: "0.3"
`;

let emulator: GcpEmulator;
let dir: string;

beforeAll(async () => {
  emulator = await startGcpEmulator({ containers: 'process' });
  dir = makeProject(projectYml).projectDir;
});

afterAll(async () => {
  await emulator?.stop();
});

/** Credentials files a user can end up with: gone, or not what the library can use. */
function credentialCases(): Record<string, string | undefined> {
  const files = makeTempDir();
  const write = (name: string, content: object): string => {
    const file = path.join(files, name);
    fs.writeFileSync(file, JSON.stringify(content));
    return file;
  };
  return {
    unset: undefined,
    missing: path.join(files, 'nonexistent.json'),
    'authorized_user without client_id': write('user.json', { type: 'authorized_user', client_secret: 's', refresh_token: 'r' }),
    'service account key that is not PEM': write('sa.json', {
      type: 'service_account',
      client_email: 'x@acme-data.iam.gserviceaccount.com',
      private_key: 'not a key',
      token_uri: `${emulator.url}/token`,
    }),
  };
}

describe('unusable Google Cloud credentials', () => {
  it('every command that calls a Google API exits 2 with the fix, no stack trace, nothing called', async () => {
    const commands = [
      ['cloud', 'job', 'status'],
      ['cloud', 'logs'],
      ['secrets', 'print'],
      // Cloud Storage: the library would send the request without credentials and report the answer instead.
      ['runs', 'list'],
    ];
    for (const [name, file] of Object.entries(credentialCases())) {
      for (const command of commands) {
        const before = emulator.requests.filter((r) => r.path !== '/v1/token').length;
        const env = { ...emulator.env, GOOGLE_APPLICATION_CREDENTIALS: file, GOOGLE_CLOUD_PROJECT: undefined, __VARS: undefined } as NodeJS.ProcessEnv;
        // Without the variable the library would look in gcloud's folder and on the metadata server: neither exists here.
        const result = await runCli([...command, '-p', dir], { env, timeoutMs: 60_000 });
        const what = `${command.join(' ')} with credentials ${name}`;
        expect(result.code, `${what}\n${result.stderr}`).toBe(2);
        expect(result.stderr, what).toContain('no usable Google Cloud credentials');
        expect(result.stderr, what).toContain('fix: log in with `gcloud auth application-default login`');
        expect(result.stderr, what).not.toMatch(/Node\.js v|This is a bug|\n\s+at /);
        expect(emulator.requests.filter((r) => r.path !== '/v1/token').length, what).toBe(before);
      }
    }
  }, 240_000);
});
