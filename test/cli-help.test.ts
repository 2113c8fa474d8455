// Every command's --help prints its usage and never runs anything (walks the whole command tree from the CLI itself).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliPath, makeProject, runCli } from './helpers/cli.js';

/** Subcommand names listed under "Commands:" in a help text. */
function subcommandsOf(help: string): string[] {
  const section = help.split(/^Commands:$/m)[1];
  if (!section) return [];
  // The section ends at its first blank line: what follows (examples) is not a command list.
  return section
    .replace(/^\n/, '')
    .split(/\n\s*\n/)[0]!
    .split('\n')
    .map((line) => /^ {2}([a-z][a-z_-]*)/.exec(line)?.[1])
    .filter((name): name is string => !!name && name !== 'help');
}

describe('help', () => {
  it('prints usage for every command and runs nothing, even with a runnable project given', async () => {
    const { projectDir, workspaceDir } = makeProject('tasks:\n- name: a\n  commands:\n  - command: touch ran.txt\n');
    const seen: string[] = [];
    const visit = async (words: string[]): Promise<void> => {
      const r = await runCli([...words, '--help', '-p', projectDir, '-w', workspaceDir]);
      expect(r.code, `${words.join(' ')} --help: ${r.stderr}`).toBe(0);
      expect(r.stdout).toContain(`Usage: handoff${words.length ? ` ${words.join(' ')}` : ''}`);
      if (words.length > 0) {
        // Each command's help lists the global options it takes, not just its own flags.
        const globals = r.stdout.split(/^Global Options:$/m)[1] ?? '';
        // `quick_start make` copies the examples into -p DIR: it reads no workspace, stage or vars (its own test below).
        const takes = words.join(' ') === 'quick_start make' ? ['-p, --project-dir <dir>', '--json'] : ['-p, --project-dir <dir>', '-w, --workspace-dir <dir>', '-s, --stage <name>', '-v, --vars [key=value...]', '--json'];
        for (const flag of takes) {
          expect(globals, `${words.join(' ')} --help lists ${flag}`).toContain(flag);
        }
        expect(globals).not.toContain('--version');
        // `ui user …` manages accounts: the local UI's --port/--open are not its options; `ui serve` takes them.
        if (words[0] === 'ui' && words[1] === 'user') expect(globals, words.join(' ')).not.toContain('--port');
        // `ui serve` lists its --port with its own default (one default, not `ui`'s "a free one" too), and none of the
        // run options it does not use.
        if (words.join(' ') === 'ui serve') {
          expect(r.stdout.split(/^Global Options:$/m)[0]).toMatch(/--port <n> +port to listen on \(default 8080/);
          expect(r.stdout).not.toContain('(default: a free one)');
          expect(r.stdout).not.toContain('default port 8080 here');
          for (const flag of ['--port', '--timeout', '--strict', '--envs', '--push-artifacts', '--allow-runs']) expect(globals, flag).not.toContain(flag);
        }
        // The run options are listed only by the commands that read them (before: by every command, which ignored them).
        const runOptions: Record<string, string[]> = {
          '--timeout <seconds>': ['run', 'cloud', 'cloud run', 'ui'],
          '-a, --push-artifacts': ['run', 'ui'],
          '--strict': ['run', 'workspace', 'workspace install', 'files', 'files get', 'ui'],
          '--container-provider <name>': ['container', 'container build', 'container run', 'container push'],
        };
        for (const [flag, readers] of Object.entries(runOptions)) {
          if (readers.includes(words.join(' '))) expect(globals, `${words.join(' ')} --help lists ${flag}`).toContain(flag);
          else expect(globals, `${words.join(' ')} --help leaves out ${flag}`).not.toContain(flag);
        }
        const envReaders = ['run', 'cloud run', 'container run', 'project push', 'runs list', 'config print'];
        const envIgnorers = ['workspace install', 'config validate', 'runs prune', 'scheduler start', 'container build', 'ui user add', 'schema'];
        if (envReaders.includes(words.join(' '))) expect(globals, words.join(' ')).toContain('-e, --envs');
        if (envIgnorers.includes(words.join(' '))) expect(globals, words.join(' ')).not.toContain('-e, --envs');
        // An example is taken for the command to type: a command's examples are of itself.
        for (const [example] of r.stdout.matchAll(/^ {2}handoff .*$/gm)) {
          expect(example, `${words.join(' ')} --help shows an example of another command`).toContain(`handoff ${words.join(' ')}`);
        }
      }
      seen.push(words.join(' '));
      for (const sub of subcommandsOf(r.stdout)) await visit([...words, sub]);
    };
    await visit([]);
    expect(seen).toEqual(expect.arrayContaining(['', 'run', 'workspace install', 'config validate', 'runs list', 'schema']));
    expect(fs.existsSync(workspaceDir)).toBe(false);
    expect(fs.existsSync(path.join(projectDir, 'ran.txt'))).toBe(false);
  });

  it('gives the help of the command named when -h comes before the words, and for every word of `help <words…>`; runs nothing', async () => {
    const { projectDir, workspaceDir } = makeProject('tasks:\n- name: a\n  commands:\n  - command: touch ran.txt\n');
    const cases: Array<[string[], string]> = [
      [['-h', 'run', 'local', '-p', projectDir, '-w', workspaceDir], 'Usage: handoff run [options] [where]'],
      [['-p', projectDir, '--help', 'workspace', 'install', '-w', workspaceDir], 'Usage: handoff workspace install [options]'],
      [['help', 'workspace', 'install', '-p', projectDir, '-w', workspaceDir], 'Usage: handoff workspace install [options]'],
      [['-p', projectDir, 'help', 'config', 'validate'], 'Usage: handoff config validate [options] [where]'],
      [['help', 'run', 'local', '-p', projectDir, '-w', workspaceDir], 'Usage: handoff run [options] [where]'],
      [['help'], 'Usage: handoff [options] [command]'],
    ];
    for (const [args, usage] of cases) {
      const r = await runCli(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(r.stdout.split('\n')[0], args.join(' ')).toBe(usage);
    }
    // Words that name no command are a usage error, as commander's `help nosuch` was.
    const unknown = await runCli(['help', 'workspace', 'bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'workspace bogus'");
    expect(fs.existsSync(workspaceDir)).toBe(false);
    expect(fs.existsSync(path.join(projectDir, 'ran.txt'))).toBe(false);
  });

  it('warns about a run option given to a command that does not use it, and runs the command; a command that uses it is quiet', async () => {
    const { projectDir, workspaceDir } = makeProject('tasks:\n- name: a\n  commands:\n  - command: echo hi\n');
    const install = await runCli(['workspace', 'install', '-p', projectDir, '-w', workspaceDir, '--timeout', '1', '-a', '--strict']);
    expect(install.code, install.stderr).toBe(0);
    // Before: exit 0 and not a word, the install without any time limit.
    expect(install.stderr).toContain('WARNING - --timeout, -a are not used by `handoff workspace install`, which ignored them');
    const run = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir, '--timeout', '60', '--strict', '-e', 'X=1']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toContain('not used by');
    const prune = await runCli(['runs', 'prune', '--keep', '5', '-w', workspaceDir, '--container-provider', 'foo', '-e', 'A=b']);
    expect(prune.code, prune.stderr).toBe(0);
    expect(prune.stderr).toContain('WARNING - -e, --container-provider are not used by `handoff runs prune`, which ignored them');
    const logs = await runCli(['runs', 'logs', 'latest', '-w', workspaceDir, '--strict', '-l', 'warning']);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stderr).toContain('--strict is not used by `handoff runs logs`, which ignored it');
    // A warning as any other: -l error leaves it out.
    expect((await runCli(['runs', 'logs', 'latest', '-w', workspaceDir, '--timeout', '5', '-l', 'error'])).stderr).toBe('');
  });

  it('quick_start make lists and reads only -p, -l and --json of the global options; the others are warned about', async () => {
    const help = await runCli(['quick_start', 'make', '--help']);
    expect(help.code, help.stderr).toBe(0);
    const globals = help.stdout.split(/^Global Options:$/m)[1] ?? '';
    for (const flag of ['-p, --project-dir <dir>', '-l, --log-level <level>', '--json']) expect(globals, flag).toContain(flag);
    // Before: -w, -s, -v, -y, -n, --cloud-provider and --cloud-profile were listed, and ignored when given.
    for (const flag of ['--workspace-dir', '--stage', '--vars', '--yes', '--answer-no', '--cloud-provider', '--cloud-profile']) expect(globals, flag).not.toContain(flag);
    const { projectDir } = makeProject('tasks:\n- name: a\n  commands:\n  - command: echo hi\n');
    const target = path.join(projectDir, 'copies');
    const make = await runCli(['quick_start', 'make', '-p', target, '-w', path.join(projectDir, 'ws'), '-s', 'prod']);
    expect(make.code, make.stderr).toBe(0);
    expect(make.stderr).toContain('WARNING - -w, -s are not used by `handoff quick_start make`');
    expect(fs.existsSync(path.join(target, 'word-count', 'project.yml'))).toBe(true);
    expect(fs.existsSync(path.join(projectDir, 'ws'))).toBe(false);
  });

  it('stops writing quietly when its reader is gone (| head, | true), without a stack trace', () => {
    for (const command of ['artifacts get --help', 'schema']) {
      const result = spawnSync('bash', ['-c', `"${process.execPath}" "${cliPath}" ${command} | true; echo "\${PIPESTATUS[0]}" >&2`], { encoding: 'utf8' });
      expect(result.stderr, command).toBe('0\n');
    }
  });

  it('prints the version', async () => {
    const pkg = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect((await runCli(['version'])).stdout.trim()).toBe(pkg.version);
    expect((await runCli(['--version'])).stdout.trim()).toBe(pkg.version);
  });
});
