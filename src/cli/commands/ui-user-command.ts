// `handoff ui user add|passwd|role|remove|signout|list`: the team server's accounts. Passwords are typed without echo, or read
// from standard input (--password-stdin, or when it is not a terminal); never from the command line, where `ps` and
// shell history would show them. Every change is appended to the audit log.
import fs from 'node:fs';
import os from 'node:os';
import { formatDiagnostic, UserError } from '../../errors.js';
import { AccountBook, accountChanges, findAccount, readAccounts, toAccountView } from '../../ui/accounts/account-file.js';
import { checkNewPassword, hashPassword } from '../../ui/accounts/password-hash.js';
import { isRole, ROLES, type Role } from '../../ui/accounts/roles.js';
import type { AuditAction } from '../../ui/api-types.js';
import { openAuditLog } from '../../ui/audit/audit-log.js';
import { teamSessionsFile } from '../../ui/team/session-file.js';
import { endKeptSessionsOf } from '../../ui/team/session-store.js';
import { resolveAccountFiles } from '../../ui/team/team-config.js';
import { createConsoleLog } from '../console-log.js';
import type { GlobalOptions } from '../global-options.js';
import { formatTable } from './runs-command.js';
import { printResult } from './store-session.js';
import { plural } from '../../plural.js';

export interface UiUserFlags {
  config?: string;
  users?: string;
  auditLog?: string;
  role?: string;
  passwordStdin?: boolean;
  /** commander's `--no-password`: false when given. */
  password?: boolean;
}

/** Reads all of standard input; its first line is the password (a trailing newline from `echo` is not part of it). */
async function readPasswordFromStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer);
    if (Buffer.concat(chunks).length > 64 * 1024) throw new UserError('standard input holds more than a password', { fix: 'pipe in one line: the password' });
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const line = text.split(/\r?\n/)[0] ?? '';
  if (!line) throw new UserError('no password on standard input', { fix: 'pipe it in, e.g. `printf %s "$PASSWORD" | handoff ui user add NAME --password-stdin …`' });
  return line;
}

/** Asks on the terminal without echoing what is typed; Ctrl-C stops (exit 130), backspace works. */
function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  return new Promise((resolve, reject) => {
    process.stderr.write(question);
    let typed = '';
    const finish = (error?: Error): void => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (data: Buffer): void => {
      for (const char of data.toString('utf8')) {
        if (char === '\r' || char === '\n') return finish();
        if (char === '\u0003') return finish(new UserError('interrupted', { exitCode: 130 }));
        if (char === '\u0004') return typed ? finish() : finish(new UserError('no password typed', { fix: 'type a password and press Enter' }));
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
        else if (char >= ' ') typed += char;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}

/** A new password: from stdin when asked (or when there is no terminal), else typed twice without echo. */
async function readNewPassword(name: string, flags: UiUserFlags): Promise<string> {
  let password: string;
  if (flags.passwordStdin || !process.stdin.isTTY) {
    password = await readPasswordFromStdin();
  } else {
    password = await promptHidden(`New password for ${name}: `);
    const again = await promptHidden('The same again: ');
    if (again !== password) throw new UserError('the two passwords differ; nothing was changed', { fix: 'run the command again' });
  }
  const problem = checkNewPassword(password);
  if (problem) throw new UserError(`${problem}; nothing was changed`, { fix: 'choose a longer password (a passphrase of a few words works well)' });
  return password;
}

function readRole(value: string | undefined): Role {
  if (!isRole(value)) throw new UserError(value === undefined ? 'which role? give --role' : `"${value}" is not a role`, { fix: `use one of: ${ROLES.join(', ')}` });
  return value;
}

interface AccountSession {
  book: AccountBook;
  usersFile: string;
  record(action: AuditAction, target: string, detail?: string): void;
}

function openAccounts(options: GlobalOptions, flags: UiUserFlags): AccountSession {
  const log = createConsoleLog(options.logLevel);
  const { usersFile, auditLog } = resolveAccountFiles(flags, (d) => log.log('warning', formatDiagnostic(d).replace(/^warning: /, '')));
  // The file must be readable before anything is asked (a corrupt file fails here, not after the password prompt).
  readAccounts(usersFile);
  const audit = openAuditLog(auditLog, (error) => log.log('error', `cannot append to the audit log ${auditLog}: ${(error as Error).message}`));
  const who = `cli:${os.userInfo().username}`;
  return {
    book: new AccountBook(usersFile),
    usersFile,
    record: (action, target, detail) => audit.append({ user: who, action, outcome: 'ok', from: `cli@${os.hostname()}`, target, ...(detail ? { detail } : {}) }),
  };
}

export async function uiUserAddCommand(options: GlobalOptions, name: string, flags: UiUserFlags): Promise<number> {
  const accounts = openAccounts(options, flags);
  const role = readRole(flags.role);
  // Checked before the password is asked for, so a typo in the name does not cost a typed password.
  accountChanges.add(accounts.book.list(), { name, role, passwordHash: null });
  const withPassword = flags.password !== false;
  const passwordHash = withPassword ? await hashPassword(await readNewPassword(name, flags)) : null;
  accounts.book.update((users) => accountChanges.add(users, { name, role, passwordHash }));
  accounts.record('user_add', name, `role ${role}${withPassword ? '' : ', no password (single sign-on only)'}`);
  process.stderr.write(`Added ${name} (${role}) to ${accounts.usersFile}\n`);
  return 0;
}

export async function uiUserPasswdCommand(options: GlobalOptions, name: string, flags: UiUserFlags): Promise<number> {
  const accounts = openAccounts(options, flags);
  const account = findAccount(accounts.book.list(), name);
  if (!account) throw new UserError(`there is no account "${name}"`, { fix: 'see the accounts with `handoff ui user list`' });
  const passwordHash = await hashPassword(await readNewPassword(account.name, flags));
  accounts.book.update((users) => accountChanges.setPassword(users, account.name, passwordHash));
  accounts.record('user_passwd', account.name);
  process.stderr.write(`Changed the password of ${account.name}; its sessions on a running server end at their next request\n`);
  return 0;
}

export function uiUserRoleCommand(options: GlobalOptions, name: string, roleText: string, flags: UiUserFlags): number {
  const accounts = openAccounts(options, flags);
  const role = readRole(roleText);
  accounts.book.update((users) => accountChanges.setRole(users, name, role));
  accounts.record('user_role', name, `role ${role}`);
  process.stderr.write(`${name} is now ${role}\n`);
  return 0;
}

export function uiUserRemoveCommand(options: GlobalOptions, name: string, flags: UiUserFlags): number {
  const accounts = openAccounts(options, flags);
  accounts.book.update((users) => accountChanges.remove(users, name));
  accounts.record('user_remove', name);
  process.stderr.write(`Removed ${name} from ${accounts.usersFile}\n`);
  return 0;
}

/**
 * Ends every session of an account (all its browsers), on running servers of this accounts file too: they read the
 * sessions file at each request. The account stays; a single sign-on user without an account may be named as well.
 */
export function uiUserSignoutCommand(options: GlobalOptions, name: string, flags: UiUserFlags): number {
  const accounts = openAccounts(options, flags);
  const account = findAccount(accounts.book.list(), name);
  const shown = account?.name ?? name;
  const sessionsFile = teamSessionsFile(accounts.usersFile);
  // No file: no server of this accounts file and HANDOFF_HOME has kept a session, most often because the server runs
  // with another HANDOFF_HOME (a service's): "0 sessions ended" would tell the operator a compromised account is out.
  if (!fs.existsSync(sessionsFile)) {
    if (!account) throw new UserError(`there is no account "${name}" and no session of that name`, { fix: 'see the accounts with `handoff ui user list`' });
    throw new UserError(`no team server has kept sessions in ${sessionsFile}: no session of ${shown} was ended there`, {
      fix: 'run this command with the HANDOFF_HOME (and --users file) the team server runs with',
      exitCode: 1,
    });
  }
  let ended: number;
  try {
    ended = endKeptSessionsOf(sessionsFile, accounts.usersFile, shown);
  } catch (error) {
    throw new UserError(`cannot end the sessions of ${shown}: ${(error as Error).message}`, { fix: 'stop the team server and start it again with --new-token to end every session', exitCode: 1 });
  }
  if (!account && ended === 0) throw new UserError(`there is no account "${name}" and no session of that name`, { fix: 'see the accounts with `handoff ui user list`' });
  accounts.record('user_signout', shown, `${plural(ended, 'session')} ended`);
  process.stderr.write(`Ended ${plural(ended, 'session')} of ${shown}${ended > 0 ? ' (a running server refuses them at their next request)' : ''}\n`);
  return 0;
}

export function uiUserListCommand(options: GlobalOptions, flags: UiUserFlags): number {
  const accounts = openAccounts(options, flags);
  const users = accounts.book.list().map(toAccountView);
  if (options.json) {
    printResult(options, { users });
    return 0;
  }
  if (users.length === 0) {
    process.stdout.write(`No accounts in ${accounts.usersFile}\n`);
    return 0;
  }
  const rows = users.map((u) => [u.name, u.role, u.password ? 'password' : 'single sign-on only', u.changed.slice(0, 19).replace('T', ' ')]);
  process.stdout.write(`${formatTable(['NAME', 'ROLE', 'SIGNS IN WITH', 'CHANGED (UTC)'], rows)}\n`);
  return 0;
}
