// deploy.tags: AWS's tag rules and handoff's reserved keys, every problem at once; the tags each resource gets.
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../errors.js';
import { createDeployNames } from '../names.js';
import { createTagMap, toTagList, validateUserTags } from './tags.js';

const names = createDeployNames({ resourceGroup: 'etl', task: 'words', stage: 'dev', accountId: '123456789012', region: 'us-east-1' });

describe('deploy.tags', () => {
  it('go beside handoff\'s own, sorted, with Name first where EC2 shows it', () => {
    expect(createTagMap(names, validateUserTags({ team: 'data', 'cost-center': '42' }), 'task')).toEqual({
      'handoff:resource-group': 'dev-etl',
      'handoff:stage': 'dev',
      'handoff:task': 'words',
      'cost-center': '42',
      team: 'data',
    });
    expect(toTagList(createTagMap(names, {}, 'resource-group'), 'vpc-name')).toEqual([
      { Key: 'Name', Value: 'vpc-name' },
      { Key: 'handoff:resource-group', Value: 'dev-etl' },
      { Key: 'handoff:stage', Value: 'dev' },
    ]);
  });

  it('refuse reserved keys, characters AWS does not take, long keys and values, and too many, each at its key', () => {
    let error: UserError | undefined;
    try {
      validateUserTags({ 'aws:owner': 'x', 'handoff:task': 'y', Name: 'z', 'bad#key': 'v', ok: 'x'.repeat(257), ['k'.repeat(129)]: 'v' });
    } catch (e) {
      error = e as UserError;
    }
    expect(error).toBeInstanceOf(UserError);
    expect(error!.diagnostics.map((d) => d.path)).toEqual(['deploy.tags.aws:owner', 'deploy.tags.handoff:task', 'deploy.tags.Name', 'deploy.tags.bad#key', 'deploy.tags.ok', `deploy.tags.${'k'.repeat(129)}`]);
    const many = Object.fromEntries(Array.from({ length: 48 }, (_, i) => [`k${i}`, 'v']));
    expect(() => validateUserTags(many)).toThrow(/AWS allows 46/);
    expect(validateUserTags({ 'a b:c/d=e+f-g@h_i.j': 'Ünïcode ok' })).toEqual({ 'a b:c/d=e+f-g@h_i.j': 'Ünïcode ok' });
  });
});
