// The README's tour of the store and of the local lifecycle, run as written: its command lines are read out of
// README.md and run by bash with `handoff` on PATH, so a tour that stops working as typed fails here.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliPath, makeTempDir, repoRoot } from './helpers/cli.js';

const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');

/** The first fenced block of `fence` (```sh, ```text) after the heading `heading`; `nth` 1 for the second, … */
function blockAfter(heading: string, fence: string, nth = 0): string[] {
  let start = readme.indexOf(`\n${heading}\n`);
  expect(start, `README.md has no heading "${heading}"`).toBeGreaterThan(-1);
  let end = start;
  for (let i = 0; i <= nth; i++) {
    start = readme.indexOf(`\n${fence}\n`, end);
    end = readme.indexOf('\n```\n', start + 1);
  }
  return readme.slice(start + fence.length + 2, end).split('\n');
}

// `handoff` as the README types it: the built CLI of this checkout.
const binDir = makeTempDir('handoff-tour-bin-');
fs.writeFileSync(path.join(binDir, 'handoff'), `#!/bin/sh\nexec "${process.execPath}" "${cliPath}" "$@"\n`, { mode: 0o755 });
const home = makeTempDir('handoff-tour-home-');
const env = { ...process.env, PATH: `${binDir}:${process.env.PATH}`, HANDOFF_HOME: home, HANDOFF_GRACE_SECONDS: '1' };

function run(line: string): { code: number | null; out: string } {
  const result = spawnSync('bash', ['-c', line], { cwd: repoRoot, env, encoding: 'utf8', timeout: 240_000 });
  return { code: result.status, out: `${result.stdout}${result.stderr}` };
}

afterAll(() => {
  run('handoff scheduler stop --stop-runs');
});

describe('the README tour, as typed', () => {
  it('"project.yml": the tour\'s project runs with the secrets file shown beside it (the files of examples/exchange-rates)', () => {
    const projectDir = makeTempDir('handoff-tour-project-');
    fs.cpSync(path.join(repoRoot, 'examples', 'exchange-rates', 'files'), path.join(projectDir, 'files'), { recursive: true });
    fs.writeFileSync(path.join(projectDir, 'project.yml'), `${blockAfter('### project.yml', '```yaml').join('\n')}\n`);
    // Before: no secrets file was shown, and the run stopped at exit 2 on API_TOKEN.
    const secrets = blockAfter('### project.yml', '```yaml', 1).join('\n');
    expect(secrets).toContain('- key: API_TOKEN');
    fs.mkdirSync(path.join(projectDir, '.secrets'));
    fs.writeFileSync(path.join(projectDir, '.secrets', 'dev_secrets.yml'), `${secrets}\n`);
    const workspace = makeTempDir('handoff-tour-ws-');
    for (const line of [`handoff workspace install -p ${projectDir} -w ${workspace}`, `handoff run local -p ${projectDir} -w ${workspace}`]) {
      const result = run(line);
      expect(result.code, `${line}\n${result.out}`).toBe(0);
    }
    expect(fs.readFileSync(path.join(workspace, 'artifacts', 'exchange_rate.csv'), 'utf8').trim().split('\n')).toHaveLength(61);
  }, 300_000);

  it('"Store and cloud runs": bucket, project push, secrets print and a run from the store that pushes its artifacts', () => {
    const workspace = makeTempDir('handoff-tour-ws-');
    const lines = blockAfter('### Store and cloud runs', '```sh').filter((l) => l.startsWith('handoff '));
    expect(lines.length).toBeGreaterThanOrEqual(4);
    for (const line of lines) {
      const result = run(line.replaceAll('/tmp/ws-store', workspace));
      expect(result.code, `${line}\n${result.out}`).toBe(0);
      if (line.includes(' -a ')) expect(result.out).toMatch(/Pushed 1 run record and \d+ artifacts to .*secrets-stages\/artifacts\/last, archived them to /);
      if (line.startsWith('handoff secrets print')) expect(result.out).not.toMatch(/value: (?!"\*\*\*")/);
    }
  }, 300_000);

  it('"Try the whole lifecycle locally": deploy to this machine, schedule, run now and look at the job', () => {
    const lines = blockAfter('### Try the whole lifecycle locally', '```text')
      .filter((l) => l.startsWith('$ handoff '))
      .map((l) => l.slice(2));
    expect(lines.map((l) => l.split(/\s+/).slice(1, 3).join(' '))).toEqual(
      expect.arrayContaining(['cloud bucket', 'project push', 'cloud schedule', 'scheduler start', 'cloud run', 'cloud job', 'scheduler stop']),
    );
    for (const line of lines) {
      const result = run(line);
      expect(result.code, `${line}\n${result.out}`).toBe(0);
      if (line.startsWith('handoff cloud run')) expect(result.out).toMatch(/Job \S+ succeeded with exit code 0/);
      if (line.startsWith('handoff cloud job status')) expect(result.out).toMatch(/status: succeeded/);
      if (line.startsWith('handoff cloud schedule list')) expect(result.out).toMatch(/status: scheduled/);
    }
  }, 300_000);
});
