// Integration tests of run records, per-run logs, Singer state capture and the `runs` commands.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliPath, makeProject, makeTempDir, newMarker, processesWithMarker, runCli, sleep, waitFor } from './helpers/cli.js';

/** A fake Singer tap: SCHEMA, RECORDs, STATE messages on stdout and METRIC lines on stderr, shipped in files/. */
const TAP = `#!/bin/sh
echo '{"type": "SCHEMA", "stream": "users", "schema": {}, "key_properties": ["id"]}'
i=1
while [ $i -le $1 ]; do echo "{\\"type\\": \\"RECORD\\", \\"stream\\": \\"users\\", \\"record\\": {\\"id\\": $i}}"; i=$((i+1)); done
echo "{\\"type\\": \\"STATE\\", \\"value\\": {\\"bookmarks\\": {\\"users\\": {\\"id\\": $1}}}}"
echo "INFO METRIC: {\\"type\\": \\"counter\\", \\"metric\\": \\"record_count\\", \\"value\\": $1, \\"tags\\": {\\"endpoint\\": \\"users\\"}}" >&2
`;
/** A fake Singer target: counts records, echoes the last state value; fails when told to. */
const TARGET = `#!/bin/sh
last=""
while IFS= read -r line; do
  case "$line" in *'"STATE"'*) last=$(echo "$line" | sed 's/.*"value": //; s/}$//') ;; esac
done
[ "$1" = fail ] && { echo "target broke" >&2; exit 3; }
echo "$last"
`;

function singerProject(records: number, targetArg = '', secret = 'sekret-value-4711') {
  return makeProject(
    `
envs:
- key: API_TOKEN
tasks:
- name: sync
  pipeline:
  - command: sh files/tap.sh ${records}
  - command: sh files/target.sh ${targetArg}
`,
    { 'files/tap.sh': TAP, 'files/target.sh': TARGET, '.secrets/dev_secrets.yml': `- key: API_TOKEN\n  value: ${secret}\n` },
  );
}

const runLocal = (projectDir: string, workspaceDir: string, extra: string[] = []) => runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir, ...extra]);

function onlyRecord(workspaceDir: string, index = -1): Record<string, any> {
  const files = fs.readdirSync(path.join(workspaceDir, 'runs')).filter((f) => f.endsWith('.json')).sort();
  return JSON.parse(fs.readFileSync(path.join(workspaceDir, 'runs', files.at(index)!), 'utf8'));
}

describe('run records', () => {
  it('records tasks, processes, per-stream Singer counts and saves the last STATE when the run succeeds', async () => {
    const { projectDir, workspaceDir } = singerProject(5);
    const r = await runLocal(projectDir, workspaceDir);
    expect(r.code).toBe(0);
    const record = onlyRecord(workspaceDir);
    expect(record.status).toBe('succeeded');
    expect(record.trigger).toBe('manual');
    expect(record.stage).toBe('dev');
    expect(record.records).toEqual({ users: 5 });
    expect(record.tasks[0].processes.map((p: any) => p.exitCode)).toEqual([0, 0]);
    expect(record.tasks[0].stdoutBytes).toBeGreaterThan(0);
    expect(record.state).toMatchObject({ saved: true, task: 'sync', value: { bookmarks: { users: { id: 5 } } } });
    expect(JSON.parse(fs.readFileSync(path.join(workspaceDir, 'artifacts', 'state.json'), 'utf8'))).toEqual({ bookmarks: { users: { id: 5 } } });
    expect(r.stderr).toContain('records: users 5');
    // The run's own console log ends as the terminal did: the state line and the outcome.
    const consoleLog = fs.readFileSync(path.join(workspaceDir, 'runs', record.runId, 'console.log'), 'utf8').trim().split('\n');
    expect(consoleLog.at(-2)).toContain('Singer state of task sync saved to artifacts/state.json');
    expect(consoleLog.at(-1)).toMatch(/Run \S+ succeeded in [\d.]+ s; records: users 5$/);
  });

  it('keeps the previous state.json byte for byte when the target fails, and says so', async () => {
    const { projectDir, workspaceDir } = singerProject(3);
    expect((await runLocal(projectDir, workspaceDir)).code).toBe(0);
    const before = fs.readFileSync(path.join(workspaceDir, 'artifacts', 'state.json'));
    fs.writeFileSync(path.join(projectDir, 'project.yml'), fs.readFileSync(path.join(projectDir, 'project.yml'), 'utf8').replace('files/tap.sh 3', 'files/tap.sh 9').replace('target.sh ', 'target.sh fail'));
    const r = await runLocal(projectDir, workspaceDir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Singer state not saved');
    expect(fs.readFileSync(path.join(workspaceDir, 'artifacts', 'state.json'))).toEqual(before);
    const record = onlyRecord(workspaceDir);
    expect(record.status).toBe('failed');
    expect(record.state.saved).toBe(false);
    expect(record.tasks[0].processes[1]).toMatchObject({ exitCode: 3, failure: 'exit_code', stderrTail: ['target broke'] });
    expect(record.reason).toContain('exited with code 3');
  });

  it('restores a recorded state with `runs state <id> --restore`', async () => {
    const { projectDir, workspaceDir } = singerProject(2);
    await runLocal(projectDir, workspaceDir);
    const first = onlyRecord(workspaceDir).runId;
    fs.writeFileSync(path.join(projectDir, 'project.yml'), fs.readFileSync(path.join(projectDir, 'project.yml'), 'utf8').replace('tap.sh 2', 'tap.sh 7'));
    await runLocal(projectDir, workspaceDir);
    const stateFile = path.join(workspaceDir, 'artifacts', 'state.json');
    expect(JSON.parse(fs.readFileSync(stateFile, 'utf8')).bookmarks.users.id).toBe(7);
    const r = await runCli(['runs', 'state', first, '--restore', '-w', workspaceDir]);
    expect(r.code).toBe(0);
    expect(JSON.parse(fs.readFileSync(stateFile, 'utf8')).bookmarks.users.id).toBe(2);
    // --json: what was restored, from which run, into which file (before: nothing on stdout, a sentence on stderr).
    const json = await runCli(['runs', 'state', 'latest', '--restore', '-w', workspaceDir, '--json']);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ restored: onlyRecord(workspaceDir).runId, file: path.resolve(stateFile), state: { bookmarks: { users: { id: 7 } } } });
    expect(JSON.parse(fs.readFileSync(stateFile, 'utf8')).bookmarks.users.id).toBe(7);
  });

  it('masks a secret in the recorded state, as a key too, and refuses to restore a state it masked', async () => {
    const secret = 'strm-secret-77';
    const { projectDir, workspaceDir } = makeProject(
      `
envs:
- key: PW
tasks:
- name: t
  pipeline:
  - command: sh files/emit.sh
  - command: cat
`,
      {
        '.secrets/dev_secrets.yml': `- key: PW\n  value: ${secret}\n`,
        'files/emit.sh': 'echo "{\\"type\\": \\"STATE\\", \\"value\\": {\\"bookmarks\\": {\\"$PW\\": 1}, \\"token\\": \\"$PW\\"}}"\n',
      },
    );
    await runLocal(projectDir, workspaceDir);
    const stateFile = path.join(workspaceDir, 'artifacts', 'state.json');
    // The bookmark itself keeps the real values; the record (and what runs show/state print) never has them.
    expect(JSON.parse(fs.readFileSync(stateFile, 'utf8'))).toEqual({ bookmarks: { [secret]: 1 }, token: secret });
    const record = onlyRecord(workspaceDir);
    expect(record.state).toMatchObject({ saved: true, masked: true, value: { bookmarks: { '***': 1 }, token: '***' } });
    for (const name of fs.readdirSync(path.join(workspaceDir, 'runs'))) {
      if (name.endsWith('.json')) expect(fs.readFileSync(path.join(workspaceDir, 'runs', name), 'utf8')).not.toContain(secret);
    }
    const shown = await runCli(['runs', 'state', 'latest', '-w', workspaceDir]);
    expect(shown.stdout).not.toContain(secret);
    const restore = await runCli(['runs', 'state', 'latest', '--restore', '-w', workspaceDir]);
    expect(restore.code).toBe(2);
    expect(restore.stderr).toContain('holds secret values, which its record keeps masked');
    expect(JSON.parse(fs.readFileSync(stateFile, 'utf8')).token).toBe(secret);
  });

  it('never writes a secret value into records, run logs or artifacts logs', async () => {
    const secret = 'sekret-value-4711';
    const { projectDir, workspaceDir } = makeProject(
      `
envs:
- key: API_TOKEN
tasks:
- name: leak
  commands:
  - command: echo "token is $API_TOKEN" >&2; echo "{{ API_TOKEN }}" >&2; exit 4
`,
      { '.secrets/dev_secrets.yml': `- key: API_TOKEN\n  value: ${secret}\n` },
    );
    const r = await runLocal(projectDir, workspaceDir, ['--json']);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).not.toContain(secret);
    expect(r.stderr).toContain('token is ***');
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else files.push(p);
      }
    };
    walk(path.join(workspaceDir, 'runs'));
    walk(path.join(workspaceDir, 'artifacts'));
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const f of files) expect(fs.readFileSync(f, 'utf8'), f).not.toContain(secret);
    expect(JSON.stringify(onlyRecord(workspaceDir))).toContain('***');
  });

  it('prune --keep 0 during a run says that it kept the running run', async () => {
    const marker = newMarker();
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: long
  commands:
  - command: sleep 300
`);
    const child = spawn(process.execPath, [cliPath, 'run', 'local', '-p', projectDir, '-w', workspaceDir], {
      env: { ...process.env, HANDOFF_TEST_MARKER: marker },
      stdio: 'ignore',
    });
    try {
      await waitFor(() => fs.existsSync(path.join(workspaceDir, 'runs')) && processesWithMarker(marker).length >= 3);
      const runId = onlyRecord(workspaceDir).runId;
      const r = await runCli(['runs', 'prune', '--keep', '0', '-w', workspaceDir, '-y']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe(`Removed 0 runs, kept the newest 0 and 1 running run (${runId}), which is never removed while it runs\n`);
      expect(onlyRecord(workspaceDir).status).toBe('running');
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });

  it('marks a run whose handoff was SIGKILLed as interrupted on the next command', async () => {
    const marker = newMarker();
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: long
  commands:
  - command: sleep 300
`);
    const child = spawn(process.execPath, [cliPath, 'run', 'local', '-p', projectDir, '-w', workspaceDir], {
      env: { ...process.env, HANDOFF_TEST_MARKER: marker },
      stdio: 'ignore',
    });
    await waitFor(() => fs.existsSync(path.join(workspaceDir, 'runs')) && processesWithMarker(marker).length >= 3);
    expect(onlyRecord(workspaceDir).status).toBe('running');
    // The record names the running command and its launcher, so a later handoff could end them.
    await waitFor(() => (onlyRecord(workspaceDir).live ?? []).length === 1);
    expect(onlyRecord(workspaceDir).live[0]).toMatchObject({ task: 'long', process: 'sleep', launcher: { pid: expect.any(Number) } });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    // handoff could not clean up after SIGKILL; its launcher did (SIGTERM when handoff's end of its socket closed).
    await waitFor(() => processesWithMarker(marker).length === 0, 5000);
    const r = await runCli(['runs', 'list', '-w', workspaceDir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/interrupted/);
    const record = onlyRecord(workspaceDir);
    expect(record.status).toBe('interrupted');
    expect(record.reason).toContain('stopped without finishing');
  });
});

/** files/tap.sh piped into files/target.sh, each test shipping its own scripts. */
const SCRIPTS_PIPELINE = 'tasks:\n- name: sync\n  pipeline:\n  - command: sh files/tap.sh\n  - command: sh files/target.sh\n';

describe('Singer state and counts of any shape', () => {
  it('saves the state a target echoes whatever its shape, and a run without state says so in its summary and record', async () => {
    const { projectDir, workspaceDir } = makeProject(SCRIPTS_PIPELINE, {
        'files/tap.sh': `echo '{"type": "RECORD", "stream": "s", "record": {}}'\n`,
        // A state of its own shape: no bookmarks, and no METRIC line anywhere.
        'files/target.sh': `cat >/dev/null\necho '{"start_date": "2024-02-01"}'\n`,
    });
    const r = await runLocal(projectDir, workspaceDir);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(workspaceDir, 'artifacts', 'state.json'), 'utf8'))).toEqual({ start_date: '2024-02-01' });
    expect(onlyRecord(workspaceDir).state).toMatchObject({ saved: true, task: 'sync', value: { start_date: '2024-02-01' } });
    expect(r.stderr).toContain('Singer state of task sync saved to artifacts/state.json');

    fs.writeFileSync(path.join(projectDir, 'project.yml'), 'tasks:\n- name: count\n  pipeline:\n  - command: sh files/tap.sh\n  - command: wc -l\n');
    const none = await runLocal(projectDir, workspaceDir);
    expect(none.code).toBe(0);
    expect(none.stderr).toContain("INFO - No Singer state saved: no task's last command emitted a Singer STATE");
    expect(onlyRecord(workspaceDir).state).toEqual({ saved: false, reason: expect.stringContaining('artifacts/state.json was left as it was') });
    // The previous run's state is untouched.
    expect(JSON.parse(fs.readFileSync(path.join(workspaceDir, 'artifacts', 'state.json'), 'utf8'))).toEqual({ start_date: '2024-02-01' });
  });

  it('counts METRIC lines that name no stream (tags: {}) as the run total, never as a stream called "default"', async () => {
    const metric = (n: number, tags: string): string => `echo 'INFO METRIC: {"type": "counter", "metric": "record_count", "value": ${n}, "tags": ${tags}}' >&2\n`;
    const { projectDir, workspaceDir } = makeProject(SCRIPTS_PIPELINE, {
        // pipelinewise taps log their counts with empty tags; both processes count the same 500 records.
        'files/tap.sh': `${metric(500, '{}')}${metric(3, '{"stream": "users"}')}`,
        'files/target.sh': `cat\n${metric(500, '{}')}`,
    });
    const r = await runLocal(projectDir, workspaceDir);
    expect(r.code, r.stderr).toBe(0);
    const record = onlyRecord(workspaceDir);
    expect(record.records).toEqual({ users: 3 });
    expect(record.untaggedRecords).toBe(500);
    expect(JSON.stringify(record)).not.toContain('"default"');
    expect(record.tasks[0]).toMatchObject({ records: { users: 3 }, untaggedRecords: 500 });
    expect(record.tasks[0].processes[0]).toMatchObject({ records: { users: 3 }, untaggedRecords: 500 });
    expect(record.tasks[0].processes[1]).toMatchObject({ untaggedRecords: 500 });
    expect(r.stderr).toMatch(/Run \S+ succeeded in [\d.]+ s; records: users 3, 500 without a stream name/);
    const show = await runCli(['runs', 'show', 'latest', '-w', workspaceDir]);
    expect(show.stdout).toContain('records: users 3, 500 without a stream name (503 in all)');
    expect(show.stdout).toMatch(/process \d+ sh files\/tap.sh: exit 0, .*, records: users 3, 500 without a stream name/);
    const list = await runCli(['runs', 'list', '-w', workspaceDir]);
    expect(list.stdout.split('\n')[1]).toMatch(/\s503\s/);
  });
});

describe('runs commands', () => {
  it('lists, shows and prints the logs of runs; prunes old ones', async () => {
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: hello
  commands:
  - command: echo hello; echo note >&2
`);
    for (let i = 0; i < 3; i++) expect((await runLocal(projectDir, workspaceDir)).code).toBe(0);
    const list = await runCli(['runs', 'list', '-w', workspaceDir]);
    expect(list.stdout.split('\n')[0]).toMatch(/^RUN ID\s+STATUS\s+TRIGGER\s+STARTED \(UTC\)\s+DURATION\s+RECORDS\s+TASKS$/);
    expect(list.stdout.trim().split('\n')).toHaveLength(4);
    const json = JSON.parse((await runCli(['runs', 'list', '-w', workspaceDir, '--json'])).stdout);
    expect(json).toHaveLength(3);
    expect(json[0].runId > json[1].runId).toBe(true);

    const show = await runCli(['runs', 'show', 'latest', '-w', workspaceDir]);
    expect(show.stdout).toContain(`run ${json[0].runId}: succeeded`);
    expect(show.stdout).toContain('task hello: succeeded');

    const logs = await runCli(['runs', 'logs', json[2].runId.slice(0, 22), '-w', workspaceDir]);
    expect(logs.stdout).toContain('Job started at');
    expect(logs.stdout).toContain('[hello] echo: note');

    const pruned = await runCli(['runs', 'prune', '--keep', '1', '-w', workspaceDir, '--json']);
    expect(pruned.code, pruned.stderr).toBe(0);
    // --json: the runs removed, newest first, and how many are left (before: nothing on stdout).
    expect(JSON.parse(pruned.stdout)).toEqual({ removed: [json[1].runId, json[2].runId], kept: 1, unreadable: [] });
    expect(JSON.parse((await runCli(['runs', 'list', '-w', workspaceDir, '--json'])).stdout).map((r: any) => r.runId)).toEqual([json[0].runId]);
    expect(fs.existsSync(path.join(workspaceDir, 'runs', json[2].runId))).toBe(false);
  });

  it('leaves out a record cut short or not a whole record, says so, and still lists and shows the others', async () => {
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: hello
  commands:
  - command: echo hello
`);
    for (let i = 0; i < 2; i++) expect((await runLocal(projectDir, workspaceDir)).code).toBe(0);
    const good = JSON.parse((await runCli(['runs', 'list', '-w', workspaceDir, '--json'])).stdout).map((r: { runId: string }) => r.runId);
    const runsDir = path.join(workspaceDir, 'runs');
    // Newer than both: a record of the wrong shape, and the newest one cut short (a disk that filled up).
    fs.writeFileSync(path.join(runsDir, '29991231T000000.000Z-aaaa.json'), '{"runId":"29991231T000000.000Z-aaaa","status":"succeeded"}');
    fs.writeFileSync(path.join(runsDir, '29991231T000001.000Z-bbbb.json'), '{"schema": 1, "runId": "29991231T0000');

    const list = await runCli(['runs', 'list', '-w', workspaceDir]);
    expect(list.code).toBe(0);
    expect(list.stdout.trim().split('\n')).toHaveLength(3);
    expect(list.stderr).toContain('the record of run 29991231T000000.000Z-aaaa cannot be read');
    expect(list.stderr).toContain('the record of run 29991231T000001.000Z-bbbb cannot be read');
    const limited = await runCli(['runs', 'list', '-w', workspaceDir, '--limit', '1', '--json']);
    expect(JSON.parse(limited.stdout).map((r: { runId: string }) => r.runId)).toEqual([good[0]]);
    const show = await runCli(['runs', 'show', 'latest', '-w', workspaceDir]);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain(`run ${good[0]}: succeeded`);
    const bad = await runCli(['runs', 'show', '29991231T000000', '-w', workspaceDir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('the record of run 29991231T000000.000Z-aaaa cannot be read');
  });

  it('prune --keep N keeps the newest N records that can be read, leaves unreadable ones and names them', async () => {
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: hello
  commands:
  - command: echo hello
`);
    for (let i = 0; i < 3; i++) expect((await runLocal(projectDir, workspaceDir)).code).toBe(0);
    const good = JSON.parse((await runCli(['runs', 'list', '-w', workspaceDir, '--json'])).stdout).map((r: { runId: string }) => r.runId);
    const runsDir = path.join(workspaceDir, 'runs');
    // Newer than every good run: a record cut short (a crash, a copy cut short), and an empty one.
    const cut = path.join(runsDir, '29991231T000001.000Z-bbbb.json');
    fs.writeFileSync(cut, fs.readFileSync(path.join(runsDir, `${good[0]}.json`)).subarray(0, 200));
    const empty = path.join(runsDir, '29991231T000000.000Z-aaaa.json');
    fs.writeFileSync(empty, '');

    const pruned = await runCli(['runs', 'prune', '--keep', '1', '-w', workspaceDir]);
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(pruned.stderr).toContain(`the record of run 29991231T000001.000Z-bbbb cannot be read (${cut}); prune left it as it is`);
    expect(pruned.stderr).toContain(`the record of run 29991231T000000.000Z-aaaa cannot be read (${empty}); prune left it as it is`);
    expect(pruned.stderr).toContain('Removed 2 runs, kept the newest 1 and left 2 records that cannot be read\n');
    expect(JSON.parse((await runCli(['runs', 'list', '-w', workspaceDir, '--json'])).stdout).map((r: { runId: string }) => r.runId)).toEqual([good[0]]);
    expect(fs.existsSync(cut) && fs.existsSync(empty)).toBe(true);

    const again = await runCli(['runs', 'prune', '--keep', '1', '-w', workspaceDir, '--json']);
    expect(JSON.parse(again.stdout)).toEqual({ removed: [], kept: 1, unreadable: [cut, empty] });
  });

  it('reads only the records it prints: a record far back in history that cannot be opened does not hold up list, show or logs; list gives the newest 20 unless --limit', async () => {
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: hello
  commands:
  - command: echo hello
`);
    for (let i = 0; i < 2; i++) expect((await runLocal(projectDir, workspaceDir)).code).toBe(0);
    // The first look at a workspace reads its whole history, once (records written before the index of running runs).
    const good = JSON.parse((await runCli(['runs', 'list', '-w', workspaceDir, '--json'])).stdout).map((r: { runId: string }) => r.runId);
    const runsDir = path.join(workspaceDir, 'runs');
    const template = JSON.parse(fs.readFileSync(path.join(runsDir, `${good[0]}.json`), 'utf8'));
    // A year-old history of 25 runs, and older still a record that blocks whoever opens it (a FIFO: reading it waits
    // for a writer forever), as a record on a stalled network disk would.
    for (let i = 0; i < 25; i++) {
      const runId = `2021${String(Math.floor(i / 28) + 1).padStart(2, '0')}${String((i % 28) + 1).padStart(2, '0')}T000000.000Z-${String(i).padStart(4, '0')}`;
      fs.writeFileSync(path.join(runsDir, `${runId}.json`), JSON.stringify({ ...template, runId }));
    }
    execFileSync('mkfifo', [path.join(runsDir, '20200101T000000.000Z-fifo.json')]);

    const show = await runCli(['runs', 'show', 'latest', '-w', workspaceDir], { timeoutMs: 20_000 });
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain(`run ${good[0]}: succeeded`);
    const logs = await runCli(['runs', 'logs', 'latest', '-w', workspaceDir], { timeoutMs: 20_000 });
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toContain('Job ended at');
    const limited = await runCli(['runs', 'list', '-w', workspaceDir, '--limit', '3', '--json'], { timeoutMs: 20_000 });
    expect(limited.code, limited.stderr).toBe(0);
    expect(JSON.parse(limited.stdout)).toHaveLength(3);
    // Without --limit: the newest 20, as from the store, and how many older records there are (FIFO included).
    const list = await runCli(['runs', 'list', '-w', workspaceDir], { timeoutMs: 20_000 });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout.trim().split('\n')).toHaveLength(21);
    expect(list.stderr).toContain('listed the newest 20 runs; 8 older records not listed (--limit 28 lists them all)');
    const more = await runCli(['runs', 'list', '-w', workspaceDir, '--limit', '27', '--json'], { timeoutMs: 20_000 });
    expect(JSON.parse(more.stdout)).toHaveLength(27);
    expect(more.stderr).not.toContain('not listed');
  });

  it('follows the log of a running run until it ends', async () => {
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: slow
  commands:
  - command: echo first >&2; sleep 1; echo second >&2
`);
    const run = runLocal(projectDir, workspaceDir);
    await waitFor(() => fs.existsSync(path.join(workspaceDir, 'runs')) && fs.readdirSync(path.join(workspaceDir, 'runs')).some((f) => f.endsWith('.json')));
    const follow = await runCli(['runs', 'logs', 'latest', '--follow', '-w', workspaceDir]);
    await run;
    expect(follow.code).toBe(0);
    expect(follow.stdout).toContain('first');
    expect(follow.stdout).toContain('second');
    expect(follow.stdout).toContain('Job ended at');
  });

  it('masks a followed log with a key rotated while it is followed (a file: in a subfolder of .secrets/, rewritten in place)', async () => {
    const [oldKey, newKey] = ['old-rotated-key-5512', 'new-rotated-key-8830'];
    const { projectDir, workspaceDir } = makeProject(
      `
tasks:
- name: slow
  commands:
  - command: echo first >&2; while [ ! -f artifacts/go ]; do sleep 0.05; done; echo printed ${newKey} >&2
`,
      { '.secrets/keys/sa.txt': oldKey, '.secrets/dev_secrets.yml': '- key: sa\n  file: keys/sa.txt\n' },
    );
    const run = runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir]);
    await waitFor(() => fs.existsSync(path.join(workspaceDir, 'runs')) && fs.readdirSync(path.join(workspaceDir, 'runs')).some((f) => f.endsWith('.json')));
    let seen = '';
    const follow = runCli(['runs', 'logs', 'latest', '--follow', '-p', projectDir, '-w', workspaceDir], { onSpawn: (child) => child.stdout?.on('data', (d: Buffer) => (seen += d.toString())) });
    // The follow has read the secrets (and printed the first line) before the key is rotated.
    await waitFor(() => seen.includes('first'));
    fs.writeFileSync(path.join(projectDir, '.secrets', 'keys', 'sa.txt'), newKey);
    await sleep(600);
    fs.writeFileSync(path.join(workspaceDir, 'artifacts', 'go'), '');
    const [ran, followed] = await Promise.all([run, follow]);
    expect(ran.code, ran.stderr).toBe(0);
    expect(followed.code, followed.stderr).toBe(0);
    expect(followed.stdout).toContain('printed ***');
    expect(followed.stdout).not.toContain(newKey);
  });

  it('prints the console log at the level of -l, as the console showed it, keeping every level in the file; --json gives one object per line', async () => {
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: hello
  commands:
  - command: echo note >&2; echo hello
`);
    expect((await runLocal(projectDir, workspaceDir)).code).toBe(0);
    const record = onlyRecord(workspaceDir);
    const consoleLog = path.join(workspaceDir, record.logs.console);
    // A message of two lines (its second line has no header) and a warning, as a run may log them.
    fs.appendFileSync(consoleLog, '[2026-11-23 02:39:45]    DEBUG - first line of a debug message\nits second line\n[2026-11-23 02:39:46]  WARNING - careful\n');
    const file = fs.readFileSync(consoleLog, 'utf8');
    expect(file).toMatch(/DEBUG - Process \d+ started: echo note/);

    // The default, -l info: what the console showed (before: every DEBUG line of the file).
    const info = await runCli(['runs', 'logs', 'latest', '-w', workspaceDir]);
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toContain('INFO - Job started at');
    expect(info.stdout).toContain('[hello] echo: note');
    expect(info.stdout).not.toContain('DEBUG');
    expect(info.stdout).not.toContain('its second line');
    expect(info.stdout).toMatch(/WARNING - careful\n$/);
    // -l debug: the file as it is; -l warning: the warning only.
    expect((await runCli(['runs', 'logs', 'latest', '-w', workspaceDir, '-l', 'DEBUG'])).stdout).toBe(file);
    expect((await runCli(['runs', 'logs', 'latest', '-w', workspaceDir, '-l', 'warning'])).stdout).toBe('[2026-11-23 02:39:46]  WARNING - careful\n');

    // --json: one object per line, as `cloud logs --json`; a line without a header keeps the time and level of its own.
    const json = await runCli(['runs', 'logs', 'latest', '-w', workspaceDir, '--json', '-l', 'debug']);
    expect(json.code, json.stderr).toBe(0);
    const lines = json.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { time: string; run: string; level: string; message: string });
    expect(lines).toHaveLength(file.trimEnd().split('\n').length);
    expect(lines[0]).toMatchObject({ run: record.runId, time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/) });
    expect(lines.slice(-3)).toEqual([
      { time: '2026-11-23T02:39:45.000Z', run: record.runId, level: 'debug', message: 'first line of a debug message' },
      { time: '2026-11-23T02:39:45.000Z', run: record.runId, level: 'debug', message: 'its second line' },
      { time: '2026-11-23T02:39:46.000Z', run: record.runId, level: 'warning', message: 'careful' },
    ]);
    expect(lines.some((l) => l.level === 'info' && l.message.startsWith('Job started at'))).toBe(true);
    const infoJson = (await runCli(['runs', 'logs', 'latest', '-w', workspaceDir, '--json'])).stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { level: string });
    expect(new Set(infoJson.map((l) => l.level))).toEqual(new Set(['info', 'warning']));
  });

  it('prints a console log of several MiB whole, in order, and says so when the log cannot be read (never a silent exit 0)', async () => {
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: hello
  commands:
  - command: echo hello
`);
    expect((await runLocal(projectDir, workspaceDir)).code).toBe(0);
    const record = JSON.parse((await runCli(['runs', 'show', 'latest', '-w', workspaceDir, '--json'])).stdout) as { logs: { console: string } };
    const consoleLog = path.join(workspaceDir, record.logs.console);
    // Bigger than the 1 MiB chunk `runs logs` copies at a time, with a line that crosses each chunk's end.
    const line = (i: number): string => `line ${String(i).padStart(7, '0')} of a chatty task's console log, 60 bytes\n`;
    fs.appendFileSync(consoleLog, Array.from({ length: 60_000 }, (_, i) => line(i)).join(''));
    const whole = await runCli(['runs', 'logs', 'latest', '-w', workspaceDir, '-l', 'debug']);
    expect(whole.code).toBe(0);
    expect(whole.stdout).toBe(fs.readFileSync(consoleLog, 'utf8'));
    // At the default -l info, the same without the DEBUG lines: the appended lines continue the INFO line before them.
    const info = await runCli(['runs', 'logs', 'latest', '-w', workspaceDir]);
    expect(info.code).toBe(0);
    expect(info.stdout).toBe(fs.readFileSync(consoleLog, 'utf8').replace(/^\[[^\]]*\] +DEBUG - .*\n/gm, ''));
    expect(info.stdout.length).toBeGreaterThan(3 * 1024 * 1024);
    // A log that exists but cannot be read (here: a folder in its place) is an error with exit code 1.
    fs.rmSync(consoleLog);
    fs.mkdirSync(consoleLog);
    const broken = await runCli(['runs', 'logs', 'latest', '-w', workspaceDir]);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toBe('');
    expect(broken.stderr).toContain('cannot read the console log of run');
    expect(broken.stderr).toContain('EISDIR');
  });

  it('gives a clear error for an unknown run id', async () => {
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: hello
  commands:
  - command: echo hello
`);
    await runLocal(projectDir, workspaceDir);
    const r = await runCli(['runs', 'show', 'nope', '-w', workspaceDir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no run "nope"');
    expect(r.stderr).not.toContain('    at ');
  });

  it('refuses a workspace that does not exist (a mistyped -w) instead of listing no runs, and makes no folder', async () => {
    const missing = path.join(makeTempDir(), 'no-such-ws');
    for (const args of [['runs', 'list'], ['runs', 'show', 'latest'], ['runs', 'logs', 'latest'], ['runs', 'state', 'latest'], ['runs', 'prune', '--keep', '1']]) {
      const r = await runCli([...args, '-w', missing]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(`the workspace ${missing} does not exist`);
      expect(r.stdout).not.toContain('No runs recorded');
    }
    expect(fs.existsSync(missing)).toBe(false);
  });
});

/** A pipeline task running files/<name>.sh into `cat`. */
const emitState = (name: string): string => `- name: ${name}\n  pipeline:\n  - command: sh files/${name}.sh\n  - command: cat\n`;
/** A script printing one Singer STATE message with the given value (JSON text). */
const stateScript = (value: string): string => `printf '%s\\n' '{"type": "STATE", "value": ${value}}'\n`;

describe("Singer state: only the last command of a pipeline counts (SPEC §5)", () => {
  it('a commands: task or a foreach line that prints a JSON object never replaces the bookmark', async () => {
    const { projectDir, workspaceDir } = makeProject(
      `
tasks:
- name: sync
  pipeline:
  - command: sh files/tap.sh 3
  - command: sh files/target.sh
- name: loop
  pipeline:
  - command: printf 'a\\nb\\n'
  - foreach:
    - name: load
      pipeline:
      - command: sh files/load.sh {{ _line }}
- name: report
  commands:
  - command: sh files/report.sh
`,
      {
        'files/tap.sh': TAP,
        'files/target.sh': TARGET,
        'files/load.sh': `printf '{"table": "%s", "loaded": true}\\n' "$1"\n`,
        'files/report.sh': `echo '{"rows_loaded": 5, "status": "ok"}'\n`,
      },
    );
    const r = await runLocal(projectDir, workspaceDir);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(workspaceDir, 'artifacts', 'state.json'), 'utf8'))).toEqual({ bookmarks: { users: { id: 3 } } });
    expect(r.stderr).toContain('Singer state of task sync saved to artifacts/state.json');
    expect(r.stderr).not.toContain('WARNING');
    const record = onlyRecord(workspaceDir);
    expect(record.state).toEqual({ saved: true, task: 'sync', value: { bookmarks: { users: { id: 3 } } } });
    expect(record.tasks.find((t: any) => t.name === 'report').emittedState).toBeUndefined();
  });

  it('two pipelines that emit states: the one that finished last is saved, and a warning names the one dropped', async () => {
    const { projectDir, workspaceDir } = makeProject(`tasks:\n${emitState('users')}${emitState('orders')}`, {
      'files/users.sh': stateScript('{"bookmarks": {"users": 5}}'),
      'files/orders.sh': stateScript('{"bookmarks": {"orders": 9}}'),
    });
    const r = await runLocal(projectDir, workspaceDir);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(workspaceDir, 'artifacts', 'state.json'), 'utf8'))).toEqual({ bookmarks: { orders: 9 } });
    const warning = r.stderr.split('\n').find((l) => l.includes('WARNING') && l.includes('Singer state'));
    expect(warning).toContain('tasks orders and users emitted a Singer state');
    expect(warning).toContain('task orders (which finished last) was saved');
    expect(warning).toContain('dropped: users');
    // Never the states themselves (they can hold secrets the masker does not know).
    expect(warning).not.toContain('{');
    const record = onlyRecord(workspaceDir);
    expect(record.state).toMatchObject({ saved: true, task: 'orders', dropped: ['users'] });
    expect(warning?.endsWith(`WARNING - ${record.state.warning}`)).toBe(true);
    const consoleLog = fs.readFileSync(path.join(workspaceDir, 'runs', record.runId, 'console.log'), 'utf8');
    expect(consoleLog).toContain('dropped: users');
  });

  it('fork children that both emit a state: the child that finished last is saved, with a warning naming the other', async () => {
    const { projectDir, workspaceDir } = makeProject(
      `
tasks:
- name: sync
  pipeline:
  - command: sh files/tap.sh 4
  - fork:
    - name: tgt_a
      pipeline:
      - command: sh files/target.sh
    - name: tgt_b
      pipeline:
      - command: sh files/summary.sh
`,
      { 'files/tap.sh': TAP, 'files/target.sh': TARGET, 'files/summary.sh': `cat >/dev/null\nsleep 0.5\necho '{"other": 1}'\n` },
    );
    const r = await runLocal(projectDir, workspaceDir);
    expect(r.code, r.stderr).toBe(0);
    expect(onlyRecord(workspaceDir).state).toMatchObject({ saved: true, task: 'tgt_b', dropped: ['tgt_a'] });
    expect(r.stderr).toMatch(/WARNING - .*task tgt_b \(which finished last\) was saved.*dropped: tgt_a/);
  });

  it('a state line larger than handoff reads is refused with a warning, and the old state.json is kept', async () => {
    const { projectDir, workspaceDir } = makeProject(SCRIPTS_PIPELINE, {
      'files/tap.sh': `echo '{"type": "RECORD", "stream": "s", "record": {}}'\n`,
      'files/target.sh': `cat >/dev/null\necho '{"bookmarks": {"a": 1}}'\n`,
    });
    expect((await runLocal(projectDir, workspaceDir)).code).toBe(0);
    const stateFile = path.join(workspaceDir, 'artifacts', 'state.json');
    const before = fs.readFileSync(stateFile);
    fs.writeFileSync(path.join(projectDir, 'files', 'target.sh'), `cat >/dev/null\nprintf '{"bookmarks": {"a": "'\nhead -c 5000000 /dev/zero | tr '\\\\0' x\nprintf '"}}\\n'\n`);
    const r = await runLocal(projectDir, workspaceDir);
    expect(r.code, r.stderr).toBe(0);
    expect(fs.statSync(path.join(workspaceDir, 'artifacts', 'sync_stdout.log')).size).toBeGreaterThan(5_000_000);
    expect(r.stderr).toMatch(/WARNING - Singer state not saved: the last line of task sync's stdout is over 4 MiB/);
    expect(r.stderr).not.toContain('no task\'s last command emitted');
    expect(fs.readFileSync(stateFile)).toEqual(before);
    expect(onlyRecord(workspaceDir).state).toMatchObject({ saved: false, task: 'sync', reason: expect.stringContaining('artifacts/state.json was left as it was') });
  });

  it('a state that is not UTF-8 is refused with a warning, and the old state.json is kept', async () => {
    const { projectDir, workspaceDir } = makeProject(SCRIPTS_PIPELINE, {
      'files/tap.sh': `echo '{"type": "RECORD", "stream": "s", "record": {}}'\n`,
      'files/target.sh': `cat >/dev/null\necho '{"bookmarks": {"a": 1}}'\n`,
    });
    expect((await runLocal(projectDir, workspaceDir)).code).toBe(0);
    const stateFile = path.join(workspaceDir, 'artifacts', 'state.json');
    const before = fs.readFileSync(stateFile);
    // "café" in Latin-1: the byte 0xE9 alone is no UTF-8.
    fs.writeFileSync(path.join(projectDir, 'files', 'target.sh'), `cat >/dev/null\nprintf '{"bookmarks": {"a": "caf\\351"}}\\n'\n`);
    const r = await runLocal(projectDir, workspaceDir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/WARNING - Singer state not saved: the state task sync emitted is not UTF-8/);
    expect(fs.readFileSync(stateFile)).toEqual(before);
    expect(onlyRecord(workspaceDir).state).toMatchObject({ saved: false, task: 'sync', reason: expect.stringContaining('not UTF-8') });
  });
});
