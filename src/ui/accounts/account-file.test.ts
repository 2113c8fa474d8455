import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AccountBook, accountChanges, readAccounts, writeAccounts, type Account } from './account-file.js';

function tempFile(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-accounts-')), 'users.json');
}

const alice: Account = { name: 'alice', role: 'admin', password: 'scrypt$1024$8$1$c2FsdHNhbHQ=$' + Buffer.alloc(32).toString('base64'), created: 't', changed: 't' };

describe('the accounts file', () => {
  it('is written whole with mode 0600 and read back; a missing file is no accounts', () => {
    const file = tempFile();
    expect(readAccounts(file)).toEqual([]);
    writeAccounts(file, [alice]);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(readAccounts(file)).toEqual([alice]);
  });

  it('refuses a file that is not one, naming what is wrong', () => {
    const file = tempFile();
    for (const [text, says] of [
      ['not json', 'not valid JSON'],
      ['{"users": []}', 'not a handoff accounts file'],
      ['{"handoffUiAccounts": 1, "users": [{"name": "a b", "role": "admin", "password": null}]}', 'no valid name'],
      ['{"handoffUiAccounts": 1, "users": [{"name": "a", "role": "root", "password": null}]}', 'has the role "root"'],
      ['{"handoffUiAccounts": 1, "users": [{"name": "a", "role": "admin", "password": null}, {"name": "A", "role": "viewer", "password": null}]}', 'listed twice'],
    ]) {
      fs.writeFileSync(file, text);
      expect(() => readAccounts(file), text).toThrow(says);
    }
  });

  it('keeps one admin at least, refuses a second account of a name, and names missing accounts', () => {
    let users = accountChanges.add([], { name: 'alice', role: 'admin', passwordHash: null });
    expect(() => accountChanges.add(users, { name: 'ALICE', role: 'viewer', passwordHash: null })).toThrow('already an account');
    expect(() => accountChanges.add(users, { name: '-bad', role: 'viewer', passwordHash: null })).toThrow('not an account name');
    expect(() => accountChanges.remove(users, 'alice')).toThrow('last admin');
    expect(() => accountChanges.setRole(users, 'alice', 'viewer')).toThrow('last admin');
    expect(() => accountChanges.remove(users, 'bob')).toThrow('no account "bob"');
    users = accountChanges.add(users, { name: 'bob@example.com', role: 'admin', passwordHash: null });
    users = accountChanges.setRole(users, 'alice', 'viewer');
    expect(users.map((u) => [u.name, u.role])).toEqual([
      ['alice', 'viewer'],
      ['bob@example.com', 'admin'],
    ]);
  });

  it('AccountBook reads the file again when another process changed it', () => {
    const file = tempFile();
    const book = new AccountBook(file);
    expect(book.list()).toEqual([]);
    writeAccounts(file, [alice]);
    expect(book.find('ALICE')?.name).toBe('alice');
    // A broken file keeps the last good list (a running server goes on) and says so.
    fs.writeFileSync(file, '{broken');
    const problems: unknown[] = [];
    expect(book.list((e) => problems.push(e))).toEqual([alice]);
    expect(problems).toHaveLength(1);
  });
});
