import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openAuditLog } from './audit-log.js';

function tempLog(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-audit-')), 'audit.jsonl');
}

describe('the audit log', () => {
  it('appends one JSON line per entry (mode 0600) and reads them newest first, filtered', () => {
    const log = openAuditLog(tempLog());
    log.append({ user: 'alice', role: 'admin', action: 'login', outcome: 'ok', from: '10.0.0.1', time: '2026-01-01T10:00:00.000Z' });
    log.append({ user: 'vic', role: 'viewer', action: 'run_start', outcome: 'denied', from: '10.0.0.2', project: 'orders', status: 403, time: '2026-01-02T10:00:00.000Z' });
    log.append({ user: 'bob', action: 'login_failed', outcome: 'failed', from: '10.0.0.3', detail: 'wrong password', time: '2026-01-03T10:00:00.000Z' });
    expect(fs.statSync(log.file).mode & 0o777).toBe(0o600);
    const lines = fs.readFileSync(log.file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[1])).toMatchObject({ user: 'vic', action: 'run_start', outcome: 'denied', project: 'orders', status: 403 });

    expect(log.read({ limit: 10 }).entries.map((e) => e.user)).toEqual(['bob', 'vic', 'alice']);
    expect(log.read({ limit: 10, user: 'VIC' }).entries.map((e) => e.action)).toEqual(['run_start']);
    expect(log.read({ limit: 10, action: 'login' }).entries.map((e) => e.user)).toEqual(['alice']);
    expect(log.read({ limit: 10, outcome: 'ok' }).entries).toHaveLength(1);
    expect(log.read({ limit: 10, text: 'WRONG pass' }).entries.map((e) => e.user)).toEqual(['bob']);
    expect(log.read({ limit: 10, since: '2026-01-02T00:00:00.000Z', until: '2026-01-02T23:59:59.999Z' }).entries.map((e) => e.user)).toEqual(['vic']);
    expect(log.read({ limit: 10, project: 'orders' }).entries).toHaveLength(1);
  });

  it('pages back through a log larger than its read chunks without losing or repeating an entry', () => {
    const log = openAuditLog(tempLog());
    const count = 3000;
    for (let i = 0; i < count; i++) log.append({ user: `user-${i}`, action: i % 3 === 0 ? 'run_start' : 'login', outcome: 'ok', from: '127.0.0.1', detail: 'x'.repeat(i % 97) });
    expect(fs.statSync(log.file).size).toBeGreaterThan(3 * 64 * 1024);
    const seen: string[] = [];
    let before: number | undefined;
    for (;;) {
      const page = log.read({ limit: 170, before });
      seen.push(...page.entries.map((e) => e.user!));
      if (page.next === undefined) break;
      before = page.next;
    }
    expect(seen).toEqual(Array.from({ length: count }, (_, i) => `user-${count - 1 - i}`));
    // The same with a filter that matches a third of the lines.
    const filtered: string[] = [];
    before = undefined;
    for (;;) {
      const page = log.read({ limit: 77, before, action: 'run_start' });
      filtered.push(...page.entries.map((e) => e.user!));
      if (page.next === undefined) break;
      before = page.next;
    }
    expect(filtered).toHaveLength(count / 3);
    expect(filtered[0]).toBe('user-2997');
    expect(filtered.at(-1)).toBe('user-0');
  });

  it('keeps each entry on one line whatever a client sends, and skips a line that is not JSON', () => {
    const log = openAuditLog(tempLog());
    log.append({ user: 'mallory\n{"user":"admin","action":"login"}', action: 'login_failed', outcome: 'failed', from: '1.2.3.4', detail: 'y'.repeat(5000) });
    fs.appendFileSync(log.file, 'garbage that is not json\n');
    log.append({ user: 'alice', action: 'login', outcome: 'ok', from: '1.2.3.4' });
    expect(fs.readFileSync(log.file, 'utf8').trim().split('\n')).toHaveLength(3);
    const entries = log.read({ limit: 10 }).entries;
    expect(entries.map((e) => e.action)).toEqual(['login', 'login_failed']);
    expect(entries[1].user).not.toContain('\n');
    expect(entries[1].detail!.length).toBeLessThan(400);
  });

  it('refuses at start a log it cannot write', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-audit-'));
    fs.writeFileSync(path.join(dir, 'file'), '');
    expect(() => openAuditLog(path.join(dir, 'file', 'audit.jsonl'))).toThrow('cannot write the audit log');
  });
});
