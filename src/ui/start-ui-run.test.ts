// Unit test of how "Run now" hands -e values to its run: a file that `run local`'s -e reader reads back as given.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEnvTokens } from '../template/parse-vars.js';
import { envFileArgs } from './start-ui-run.js';

describe('envFileArgs', () => {
  it('writes -e values to a file only its owner reads, which the -e reader reads back exactly', () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-envs-'));
    const envs = { PLAIN: 'x', SPACED: '  two  spaces  ', QUOTED: '"a" \'b\'', HASH: '#not a comment', EQ: 'k=v=w', '#KEY': 'v', EMPTY: '' };
    const args = envFileArgs(folder, envs);
    expect(args).toEqual(['-e', path.join(folder, 'envs')]);
    expect(fs.statSync(args[1]).mode & 0o777).toBe(0o600);
    expect(parseEnvTokens([args[1]])).toEqual(envs);
    expect(envFileArgs(folder, {})).toEqual([]);
  });
});
