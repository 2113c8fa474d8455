// `handoff quick_start make`: copies the example projects into ./projects (or -p DIR) to start from.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../../errors.js';
import { makeFolders } from '../../make-folders.js';
import { createConsoleLog } from '../console-log.js';
import type { GlobalOptions } from '../global-options.js';

/** The examples ship beside the bundle: <package>/examples, whether run from dist/ or from the sources. */
function findExamplesDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'examples');
    if (fs.existsSync(path.join(candidate, 'README.md'))) return candidate;
    dir = path.dirname(dir);
  }
  throw new UserError('the example projects are not installed with this handoff', { fix: 'reinstall handoff, or copy examples/ from its repository' });
}

export function quickStartMakeCommand(options: GlobalOptions): number {
  const log = createConsoleLog(options.logLevel);
  const target = path.resolve(options.projectDir ?? 'projects');
  const source = findExamplesDir();
  const names = fs.readdirSync(source, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  // Refuse before writing anything rather than overwrite someone's edited copy.
  const existing = names.filter((name) => fs.existsSync(path.join(target, name)));
  if (existing.length > 0) {
    throw new UserError(`${target} already has ${existing.map((n) => `${n}/`).join(', ')}`, { fix: 'choose another folder with -p DIR, or move those away first' });
  }
  try {
    makeFolders(target);
    for (const name of names) fs.cpSync(path.join(source, name), path.join(target, name), { recursive: true, verbatimSymlinks: true });
    fs.copyFileSync(path.join(source, 'README.md'), path.join(target, 'README.md'));
    for (const readme of [path.join(target, 'README.md'), ...names.map((name) => path.join(target, name, 'README.md'))]) {
      if (fs.existsSync(readme)) fs.writeFileSync(readme, pointAtCopies(fs.readFileSync(readme, 'utf8'), target));
    }
  } catch (error) {
    // The first command a newcomer runs, often from / or a read-only folder: a user's mistake, not a bug.
    throw new UserError(`cannot write the example projects into ${target}: ${(error as Error).message}`, {
      fix: 'choose a folder you can write to with -p DIR (e.g. -p ~/handoff-projects)',
      cause: error,
    });
  }
  // A script that sets up a project reads where the copies went.
  if (options.json) process.stdout.write(`${JSON.stringify({ folder: target, projects: names }, null, 2)}\n`);
  log.log('info', `Wrote ${names.length} example projects to ${target}: ${names.join(', ')}`);
  log.log('info', `Try: handoff run local -p ${shellWord(path.join(target, 'word-count'))} -w ${shellWord(path.resolve('workspaces', 'word-count'))}`);
  return 0;
}

/**
 * The examples' READMEs give commands for the repository (`-p examples/foreach`, run from its root); in the copies
 * they name the copies, by absolute path so they work from any folder, quoted where a shell needs it.
 */
export function pointAtCopies(text: string, target: string): string {
  // `<name>` is a placeholder, not shell syntax: the target alone decides the quoting.
  const quoted = shellWord(target) !== target;
  return text.replace(/(?<![\w./-])examples\/([\w<>-]+(?:\/[\w-]+)*)/g, (_match, rest: string) => (quoted ? shellWord(`${target}/${rest}`) : `${target}/${rest}`));
}

/** `word` as a shell reads it: as it is when it holds only safe characters, else in single quotes. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'"'"'`)}'`;
}
