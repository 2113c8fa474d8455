// __VARS is expanded by a real shell at run time, then parsed with the -v rules.
import { describe, expect, it } from 'vitest';
import { UserError } from '../../errors.js';
import { evaluateVarsEnv } from './evaluate-vars-env.js';

describe('evaluateVarsEnv', () => {
  it('runs $(…) and $VAR expansions and joins quoted words as -v does', async () => {
    const vars = await evaluateVarsEnv('start=$(printf 2024-01-%02d 7) who=$WHO name="a b" n=007 flag=true', { ...process.env, WHO: 'me' });
    expect(vars).toEqual({ start: '2024-01-07', who: 'me', name: 'a b', n: 7, flag: true });
  });

  it('is empty for an empty or blank __VARS', async () => {
    expect(await evaluateVarsEnv('')).toEqual({});
    expect(await evaluateVarsEnv('   ')).toEqual({});
  });

  it('a failing expansion is a UserError that names __VARS', async () => {
    await expect(evaluateVarsEnv('x=$(exit 3')).rejects.toThrow(UserError);
    await expect(evaluateVarsEnv('x=$(exit 3')).rejects.toThrow(/__VARS could not be evaluated/);
  });

  it('a word that is not k=v first is a usage error', async () => {
    await expect(evaluateVarsEnv('oops')).rejects.toThrow('__VARS "oops" is not a key=value pair');
  });
});
