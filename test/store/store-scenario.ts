// Shared by the store tests: a project with secrets at both levels, a template, state carried between runs, and __VARS.
import fs from 'node:fs';
import path from 'node:path';
import { makeProject, runCli, type CliResult } from '../helpers/cli.js';

export const TOKEN = 'tok-abcdef-123456';
export const DB_PASSWORD = 'pw-rg-level-98765';
export const JINJA_SECRET = 'left {{ braces }} right';
export const LOCAL_ONLY = 'local-only-value-555';
export const RESOURCE_GROUP = 'store-test';
export const TASK = 'pipeline';

const PROJECT_YML = `version: 0.3
description: store test project
envs:
  - key: API_TOKEN
tasks:
  - name: work
    commands:
      - command: sh
        args: files/work.sh
      - command: echo
        args: '"start={{ start }} label={{ label }}" > artifacts/vars.txt'
      - command: files/hello.sh
        args: '> artifacts/hello.txt'
deploy:
  cloud_provider: local
  resource_group: ${RESOURCE_GROUP}
  task: ${TASK}
`;

// Counts runs through artifacts/state.json, so a second run proves it saw the first run's state; leaks the token on
// stderr on purpose (it must come out masked).
const WORK_SH = `if [ -f artifacts/state.json ]; then prev=$(sed 's/[^0-9]//g' artifacts/state.json); else prev=0; fi
echo "{\\"runs\\": $((prev + 1))}" > artifacts/state.json
echo "debug token=$API_TOKEN" >&2
cp files/config.ini artifacts/config_seen.ini
`;

const CONFIG_INI = `password={{ db_password }}
jinja={{ jinja_secret }}
stage={{ _stage }}
`;

const SECRETS_YML = `- key: API_TOKEN
  value: ${TOKEN}
- key: db_password
  value: ${DB_PASSWORD}
  level: resource group
- key: jinja_secret
  value: "${JINJA_SECRET}"
- key: local_only
  value: ${LOCAL_ONLY}
  push: false
`;

export function makeStoreProject(extraSecrets = ''): { projectDir: string; workspaceDir: string; root: string } {
  const made = makeProject(PROJECT_YML, {
    'files/work.sh': WORK_SH,
    'files/config.ini': CONFIG_INI,
    '.secrets/dev_secrets.yml': SECRETS_YML + extraSecrets,
    'files/hello.sh': '#!/bin/sh\necho hello from an executable\n',
  });
  // Run as a program, not through sh: its mode must survive the trip through the store.
  fs.chmodSync(path.join(made.projectDir, 'files', 'hello.sh'), 0o755);
  return { ...made, root: path.dirname(made.projectDir) };
}

/** Runs the CLI with an environment (HANDOFF_HOME, moto's endpoint, …) and no inherited AWS settings. */
export function runWith(env: Record<string, string>, args: string[]): Promise<CliResult> {
  const clean: Record<string, string | undefined> = { AWS_PROFILE: undefined, AWS_DEFAULT_PROFILE: undefined, __VARS: undefined };
  return runCli(args, { env: { ...clean, ...env } as NodeJS.ProcessEnv });
}

export function readJsonFiles(dir: string): string {
  if (!fs.existsSync(dir)) return '';
  return fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.json'))
    .map((n) => fs.readFileSync(path.join(dir, n), 'utf8'))
    .join('\n');
}

export function expectNoSecretIn(text: string): void {
  for (const value of [TOKEN, DB_PASSWORD, JINJA_SECRET, LOCAL_ONLY]) {
    if (text.includes(value)) throw new Error(`secret value ${value.slice(0, 4)}… found in output`);
  }
}
