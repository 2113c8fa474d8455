// Tests of setting one principal's grants in a policy: others kept, empty bindings dropped, conditions need version 3.
import { describe, expect, it } from 'vitest';
import { listGrants, scopeToGrants, setGrants, type IamPolicy } from './iam-policy.js';

const me = 'serviceAccount:me@p.iam.gserviceaccount.com';
const condition = { title: 'own prefix', expression: 'resource.name.startsWith("projects/_/buckets/b/objects/t/")' };

describe('setGrants', () => {
  it('gives the member exactly the grants asked, leaving everyone else\'s bindings as they were', () => {
    const policy: IamPolicy = {
      version: 1,
      etag: 'e1',
      bindings: [
        { role: 'roles/storage.admin', members: ['user:owner@example.com'] },
        { role: 'roles/storage.objectViewer', members: [me, 'group:readers@example.com'] },
        { role: 'roles/storage.legacyBucketReader', members: [me] },
      ],
    };
    const updated = setGrants(policy, me, [{ role: 'roles/storage.objectUser', condition }]);
    expect(updated).toEqual({
      version: 3,
      etag: 'e1',
      bindings: [
        { role: 'roles/storage.admin', members: ['user:owner@example.com'] },
        { role: 'roles/storage.objectViewer', members: ['group:readers@example.com'] },
        { role: 'roles/storage.objectUser', members: [me], condition },
      ],
    });
    expect(listGrants(updated, me)).toEqual([{ role: 'roles/storage.objectUser', condition }]);
    // Setting the same grants again changes nothing; setting none removes the member.
    expect(setGrants(updated, me, listGrants(updated, me))).toEqual(updated);
    expect(listGrants(setGrants(updated, me, []), me)).toEqual([]);
  });
});

describe('setGrants within a scope', () => {
  it('changes only the grants in scope: another task\'s conditional grants and the user\'s own stay with the member', () => {
    const alpha = { role: 'roles/storage.objectUser', condition: { title: 'handoff alpha objects', expression: 'resource.name.startsWith("projects/_/buckets/b/objects/alpha/")' } };
    const beta = { role: 'roles/storage.objectUser', condition: { title: 'handoff beta objects', expression: 'resource.name.startsWith("projects/_/buckets/b/objects/beta/")' } };
    const staleBeta = { ...beta, condition: { ...beta.condition, description: 'older wording' } };
    const policy: IamPolicy = { version: 3, bindings: [{ role: alpha.role, members: [me], condition: alpha.condition }, { role: 'roles/storage.legacyBucketReader', members: [me] }, { role: beta.role, members: [me], condition: staleBeta.condition }] };
    const scope = scopeToGrants([beta]);
    const updated = setGrants(policy, me, [beta], scope);
    expect(listGrants(updated, me)).toEqual(listGrants({ version: 3, bindings: [alpha, { role: 'roles/storage.legacyBucketReader' }, beta].map((g) => ({ ...g, members: [me] })) }, me));
    expect(listGrants(setGrants(updated, me, [], scope), me)).toEqual(listGrants({ version: 3, bindings: [alpha, { role: 'roles/storage.legacyBucketReader' }].map((g) => ({ ...g, members: [me] })) }, me));
  });
});
