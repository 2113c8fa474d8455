// The team server's accounts file: names, roles and scrypt password hashes as JSON, written atomically with mode 0600,
// read again whenever it changes (so `handoff ui user …` takes effect on a running server at once).
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../../errors.js';
import { writeFileAtomicSync } from '../../providers/local/write-file-atomic.js';
import type { AccountView, Role } from '../api-types.js';
import { isRole } from './roles.js';
import { isoTime } from '../../iso-time.js';

export interface Account {
  name: string;
  role: Role;
  /** scrypt hash (password-hash.ts); null for an account that signs in through the reverse proxy only. */
  password: string | null;
  created: string;
  changed: string;
}

interface AccountFileContent {
  /** Format version, and a marker that tells this file from any other JSON. */
  handoffUiAccounts: 1;
  users: Account[];
}

/** Letters, digits and `._@+-`: e-mail addresses (what single sign-on proxies send) fit. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/;

export function checkAccountName(name: string): string | undefined {
  if (NAME.test(name)) return undefined;
  return `"${name}" is not an account name: use 1 to 128 letters, digits and . _ @ + - (starting with a letter or digit)`;
}

function corrupt(file: string, what: string): UserError {
  return new UserError(`the accounts file ${file} cannot be used: ${what}`, {
    fix: 'restore it from a backup, or move it away and add the accounts again with `handoff ui user add`',
  });
}

/** Reads and checks the file; a missing file is no accounts. */
export function readAccounts(file: string): Account[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new UserError(`cannot read the accounts file ${file}: ${(error as Error).message}`, { fix: 'check the path and its permissions' });
  }
  let content: AccountFileContent;
  try {
    content = JSON.parse(text) as AccountFileContent;
  } catch {
    throw corrupt(file, 'it is not valid JSON');
  }
  if (content?.handoffUiAccounts !== 1 || !Array.isArray(content.users)) throw corrupt(file, 'it is not a handoff accounts file (no "handoffUiAccounts": 1 and "users" list)');
  const seen = new Set<string>();
  content.users.forEach((user, i) => {
    const at = `users[${i}]`;
    if (typeof user?.name !== 'string' || checkAccountName(user.name)) throw corrupt(file, `${at} has no valid name`);
    if (seen.has(user.name.toLowerCase())) throw corrupt(file, `the account "${user.name}" is listed twice`);
    seen.add(user.name.toLowerCase());
    if (!isRole(user.role)) throw corrupt(file, `${at} (${user.name}) has the role ${JSON.stringify(user.role)}; expected viewer, operator or admin`);
    if (user.password !== null && typeof user.password !== 'string') throw corrupt(file, `${at} (${user.name}) has no password hash`);
  });
  return content.users;
}

/** Writes the whole file atomically with mode 0600 (the hashes are not secrets, but no one else needs them). */
export function writeAccounts(file: string, users: Account[]): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const content: AccountFileContent = { handoffUiAccounts: 1, users };
  writeFileAtomicSync(file, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
}

export function findAccount(users: Account[], name: string): Account | undefined {
  const lower = name.toLowerCase();
  return users.find((u) => u.name.toLowerCase() === lower);
}

export function toAccountView(account: Account): AccountView {
  return { name: account.name, role: account.role, password: account.password !== null, created: account.created, changed: account.changed };
}

/** The accounts of a file, read again only when the file's size or modification time changed. */
export class AccountBook {
  private cached: { signature: string; users: Account[] } | undefined;

  constructor(readonly file: string) {}

  private signature(): string {
    try {
      const stat = fs.statSync(this.file);
      return `${stat.mtimeMs}:${stat.size}:${stat.ino}`;
    } catch {
      return 'missing';
    }
  }

  /** The accounts now. A file that became unreadable keeps the last good list, and `onProblem` is told. */
  list(onProblem?: (error: unknown) => void): Account[] {
    const signature = this.signature();
    if (this.cached?.signature === signature) return this.cached.users;
    try {
      this.cached = { signature, users: readAccounts(this.file) };
    } catch (error) {
      onProblem?.(error);
      if (!this.cached) throw error;
    }
    return this.cached.users;
  }

  find(name: string): Account | undefined {
    return findAccount(this.list(), name);
  }

  /** Reads, changes and writes the file (the change function throws a UserError to refuse). */
  update(change: (users: Account[]) => Account[]): Account[] {
    const users = change(readAccounts(this.file));
    writeAccounts(this.file, users);
    this.cached = undefined;
    return users;
  }
}

/**
 * Changes of accounts, shared by `handoff ui user …` and the admin page. Each returns the new list or throws a
 * UserError; the last admin cannot be removed or demoted, so the server never ends up without one.
 */
export const accountChanges = {
  add(users: Account[], input: { name: string; role: Role; passwordHash: string | null }, now = new Date()): Account[] {
    const problem = checkAccountName(input.name);
    if (problem) throw new UserError(problem, { fix: 'e.g. `handoff ui user add alice --role operator`' });
    if (findAccount(users, input.name)) throw new UserError(`there is already an account "${input.name}"`, { fix: 'choose another name, or change it with `handoff ui user passwd` / `role`' });
    const time = isoTime(now);
    return [...users, { name: input.name, role: input.role, password: input.passwordHash, created: time, changed: time }];
  },
  remove(users: Account[], name: string): Account[] {
    const account = requireAccount(users, name);
    if (account.role === 'admin' && users.filter((u) => u.role === 'admin').length === 1) {
      throw new UserError(`"${account.name}" is the last admin, so it cannot be removed`, { fix: 'make another account admin first' });
    }
    return users.filter((u) => u !== account);
  },
  setPassword(users: Account[], name: string, passwordHash: string | null, now = new Date()): Account[] {
    const account = requireAccount(users, name);
    return users.map((u) => (u === account ? { ...u, password: passwordHash, changed: isoTime(now) } : u));
  },
  setRole(users: Account[], name: string, role: Role, now = new Date()): Account[] {
    const account = requireAccount(users, name);
    if (account.role === 'admin' && role !== 'admin' && users.filter((u) => u.role === 'admin').length === 1) {
      throw new UserError(`"${account.name}" is the last admin, so it keeps that role`, { fix: 'make another account admin first' });
    }
    return users.map((u) => (u === account ? { ...u, role, changed: isoTime(now) } : u));
  },
};

function requireAccount(users: Account[], name: string): Account {
  const account = findAccount(users, name);
  if (!account) throw new UserError(`there is no account "${name}"`, { fix: 'see the accounts with `handoff ui user list`' });
  return account;
}
