// The UI's access token, kept in $HANDOFF_HOME/ui-token (mode 0600; the team server's token mode: ui-serve-token) so a
// bookmarked or open tab outlives a restart.
import fs from 'node:fs';
import path from 'node:path';
import { resolveHandoffHome } from '../providers/local/handoff-home.js';
import { writeFileAtomicSync } from '../providers/local/write-file-atomic.js';
import { createAccessToken } from './access-token.js';

/** The file's name under HANDOFF_HOME (beside the local store's buckets/ and parameters/). */
export const LOCAL_TOKEN_FILE = 'ui-token';
/**
 * `handoff ui serve`'s, without accounts: its own file, so that a URL of one server does not open the other (a local
 * UI's page could otherwise act on every project of the team server) and `--new-token` of one leaves the other's.
 */
export const TEAM_TOKEN_FILE = 'ui-serve-token';

/** What createAccessToken makes (24 random bytes, base64url); anything else in the file is not ours. */
const TOKEN_SHAPE = /^[\w-]{32}$/;

export interface LocalToken {
  token: string;
  /** What to tell the user (never the token): a new token was made, or it could not be kept. */
  notice?: string;
}

/**
 * The token of every `handoff ui` of this HANDOFF_HOME: the kept one, or a new one (`rotate`, none yet, or one that
 * cannot be trusted: a file others may read, or one that holds no token). A page keeps its token in its origin's
 * storage, so a token made anew at each start left every open tab refused after a restart. A HANDOFF_HOME that
 * cannot be written still gets a UI: its token then lasts until it stops, and the notice says so.
 */
export function loadLocalToken(options: { rotate?: boolean; env?: NodeJS.ProcessEnv; team?: boolean } = {}): LocalToken {
  const home = resolveHandoffHome(options.env);
  const file = path.join(home.dir, options.team ? TEAM_TOKEN_FILE : LOCAL_TOKEN_FILE);
  const command = options.team ? '`handoff ui serve`' : '`handoff ui`';
  let why: string | undefined = options.rotate ? 'a new access token was made (--new-token): URLs printed before no longer open the UI' : undefined;
  if (!options.rotate) {
    const kept = readKept(file);
    if ('token' in kept) return { token: kept.token };
    why = kept.why;
  }
  const token = createAccessToken();
  try {
    // 0700 for a HANDOFF_HOME made here, as the local secret store makes its folders; 0600 from the file's creation on.
    writeFileAtomicSync(file, `${token}\n`, { mode: 0o600, dirMode: 0o700 });
  } catch (error) {
    return { token, notice: `the access token cannot be kept in ${file} (${(error as Error).message}): it changes when ${command} restarts` };
  }
  return { token, ...(why ? { notice: why } : {}) };
}

function readKept(file: string): { token: string } | { why?: string } {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(file);
  } catch {
    return {};
  }
  if (!stat.isFile()) return { why: `${file} is not a plain file: a new access token was made in its place` };
  if ((stat.mode & 0o077) !== 0) return { why: `${file} could be read by other users (mode ${(stat.mode & 0o777).toString(8)}): a new access token was made, readable by you only` };
  if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) return { why: `${file} belongs to another user: a new access token was made` };
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8').trim();
  } catch (error) {
    return { why: `${file} cannot be read (${(error as Error).message}): a new access token was made` };
  }
  if (!TOKEN_SHAPE.test(text)) return { why: `${file} holds no access token: a new one was made` };
  return { token: text };
}
