// Tests of Google Cloud errors in one shape: gRPC codes (gax), HTTP statuses (Storage, REST), and what the user sees.
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../errors.js';
import { classifyGcpError, wrapGcpError } from './gcp-errors.js';

describe('classifyGcpError', () => {
  it('reads gax codes, HTTP statuses and REST error bodies alike', () => {
    expect(classifyGcpError(Object.assign(new Error('x'), { code: 5 }))).toBe('NOT_FOUND');
    expect(classifyGcpError(Object.assign(new Error('x'), { code: 409 }))).toBe('ALREADY_EXISTS');
    expect(classifyGcpError({ response: { status: 403, data: { error: { status: 'PERMISSION_DENIED', message: 'no' } } } })).toBe('PERMISSION_DENIED');
    expect(classifyGcpError(new Error('boom'))).toBe('OTHER');
  });
});

describe('wrapGcpError', () => {
  it('says what was being done, with a fix, for credentials, permissions and the network', () => {
    const denied = wrapGcpError(Object.assign(new Error("Permission 'run.jobs.create' denied"), { code: 7 }), 'create the Cloud Run job j');
    expect(denied).toBeInstanceOf(UserError);
    expect(denied.message).toBe("Google Cloud denied permission to create the Cloud Run job j: Permission 'run.jobs.create' denied");
    expect(wrapGcpError(new Error('Could not load the default credentials.'), 'read x').message).toContain('no usable Google Cloud credentials');
    const offline = wrapGcpError(Object.assign(new Error('request failed'), { cause: { code: 'ECONNREFUSED' } }), 'read x');
    expect(offline).toBeInstanceOf(UserError);
    expect(offline.message).toContain('cannot reach Google Cloud (ECONNREFUSED)');
    const other = wrapGcpError(Object.assign(new Error('internal'), { code: 13 }), 'read x');
    expect(other).not.toBeInstanceOf(UserError);
    expect(other.message).toBe('could not read x: internal');
  });
});
