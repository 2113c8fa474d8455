// Tests of setting one principal's grants in a policy: others kept, empty bindings dropped, conditions need version 3.
import { describe, expect, it } from 'vitest';
import { listGrants, setGrants, type IamPolicy } from './iam-policy.js';

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
