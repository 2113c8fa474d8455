// "Sign out everywhere" through the team server's HTTP API when the sessions file cannot be written at first (its lock
// held by a server of another container): the 503 says how many sessions ended on this server only, and the retry,
// whose write carries those ends to the other servers, says it ended them (not "0 sessions ended"); a second server on
// the same HANDOFF_HOME refuses the account's sessions after it.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from './helpers/cli.js';
import { readAuditFile, signIn, startTeamUi, stopUis, writeTestAccounts, type TeamUiProcess } from './helpers/ui-process.js';

const PASSWORDS = { vic: 'vic viewer horse battery', ada: 'ada admin horse battery' };

describe('a sign-out everywhere retried after a 503', () => {
  let root: string;
  let first: TeamUiProcess;
  let second: TeamUiProcess;
  beforeAll(async () => {
    root = makeTempDir('handoff-team-signout-retry-');
    fs.mkdirSync(path.join(root, 'orders'));
    fs.writeFileSync(path.join(root, 'orders', 'project.yml'), 'tasks:\n  - name: extract\n    commands:\n      - command: "true"\n');
    await writeTestAccounts(path.join(root, 'users.json'), [
      { name: 'vic', role: 'viewer', password: PASSWORDS.vic },
      { name: 'ada', role: 'admin', password: PASSWORDS.ada },
    ]);
    fs.writeFileSync(path.join(root, 'ui.yml'), 'listen: 127.0.0.1:0\nusers: users.json\naudit_log: audit.jsonl\nprojects:\n  - {project: orders, workspace: ws/orders, provider: none}\n');
    // Two servers on one HANDOFF_HOME (a rolling restart): they share the sessions file.
    const env = { HANDOFF_HOME: path.join(root, 'home') };
    first = await startTeamUi(['--config', path.join(root, 'ui.yml')], env);
    second = await startTeamUi(['--config', path.join(root, 'ui.yml')], env);
  });
  afterAll(() => stopUis());

  it('says on the retry how many sessions it ended (those the 503 ended on this server only), and the other server refuses them then', async () => {
    const vic1 = await signIn(first, 'vic', PASSWORDS.vic);
    const vic2 = await signIn(second, 'vic', PASSWORDS.vic);
    const ada = await signIn(first, 'ada', PASSWORDS.ada);
    // Each server sees both of vic's sessions (the file is shared).
    expect((await vic1.call('/api/projects')).status).toBe(200);
    expect((await signIn(second, 'ada', PASSWORDS.ada)).user).toBe('ada');

    const folder = path.join(root, 'home', 'ui-serve-sessions');
    const sessionsFile = path.join(folder, fs.readdirSync(folder).find((f) => /^[0-9a-f]{16}\.json$/.test(f))!);
    const lock = `${sessionsFile}.lock`;
    fs.writeFileSync(lock, JSON.stringify({ pid: 1, host: 'other-container|boot|pid:[1]' }), { mode: 0o600 });
    let refused: Response;
    try {
      refused = await ada.call('/api/admin/users/vic/signout', { method: 'POST', json: {} });
    } finally {
      fs.rmSync(lock, { force: true });
    }
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { message: string }).message).toContain('2 sessions ended on this server only');
    // Not written then (the other server went on accepting vic); a later write of this server (its requests' activity,
    // written within 5 s) may carry the ends before the retry does: the retry says them either way.

    const retried = await ada.call('/api/admin/users/vic/signout', { method: 'POST', json: {} });
    expect(retried.status).toBe(200);
    expect(await retried.json()).toMatchObject({ message: 'Signed vic out: 2 sessions ended' });
    // Written now: the other server refuses vic's sessions too.
    expect((await vic2.call('/api/projects')).status).toBe(401);
    expect((await vic1.call('/api/projects')).status).toBe(401);

    // Once said, not said again: a third sign-out ends nothing.
    const again = await ada.call('/api/admin/users/vic/signout', { method: 'POST', json: {} });
    expect(await again.json()).toMatchObject({ message: 'Signed vic out: 0 sessions ended' });
    const audit = readAuditFile(path.join(root, 'audit.jsonl')).filter((e) => e.action === 'user_signout');
    expect(audit.map((e) => `${e.outcome} ${e.status ?? ''} ${e.detail?.startsWith('The sign-out') ? '(why)' : e.detail}`)).toEqual(['failed 503 (why)', 'ok 200 2 sessions ended', 'ok 200 0 sessions ended']);
  }, 120_000);
});
