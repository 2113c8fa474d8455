// Unit tests of the UI's access rules: the Bearer token, the event stream's query token, Host and Origin checks.
import { describe, expect, it } from 'vitest';
import { checkHost, createAccessToken, decideAccess, formatPageUrl } from './access-token.js';

const token = createAccessToken();
const port = 41234;
const host = `127.0.0.1:${port}`;
const read = (headers: Record<string, string>, queryToken: string | null = null) => decideAccess({ headers: { host, ...headers }, queryToken, mutating: false }, token, port);
const post = (headers: Record<string, string>, queryToken: string | null = null) => decideAccess({ headers: { host, ...headers }, queryToken, mutating: true }, token, port);

describe('decideAccess', () => {
  it('makes tokens long and random, and puts them in the fragment of the printed URL', () => {
    expect(token).toMatch(/^[\w-]{32}$/);
    expect(createAccessToken()).not.toBe(token);
    expect(formatPageUrl(port, token)).toBe(`http://127.0.0.1:${port}/#token=${token}`);
  });

  it('lets a read in with the Bearer header, or the query token where the server passes one (the event stream)', () => {
    expect(read({ authorization: `Bearer ${token}` })).toEqual({ ok: true, via: 'header' });
    expect(read({ authorization: `bearer  ${token}` })).toEqual({ ok: true, via: 'header' });
    expect(read({}, token)).toEqual({ ok: true, via: 'query' });
  });

  it('takes no cookie of any name: cookies reach every server on 127.0.0.1, whatever its port', () => {
    expect(read({ cookie: `handoff_ui_${port}=${token}; token=${token}` })).toMatchObject({ ok: false, status: 401 });
  });

  it('says 401 when no token came and 403 when a wrong one did', () => {
    expect(read({})).toMatchObject({ ok: false, status: 401 });
    expect(read({}, 'nope')).toMatchObject({ ok: false, status: 403 });
    expect(read({ authorization: `Bearer ${token}x` })).toMatchObject({ ok: false, status: 403 });
    expect(read({ authorization: `Basic ${token}` })).toMatchObject({ ok: false, status: 401 });
  });

  it('refuses other Host names even with the token (DNS rebinding)', () => {
    const auth = { authorization: `Bearer ${token}` };
    expect(decideAccess({ headers: { host: `attacker.example:${port}`, ...auth }, mutating: false }, token, port)).toMatchObject({ ok: false, status: 403 });
    expect(decideAccess({ headers: { host: `localhost:${port}`, ...auth }, mutating: false }, token, port).ok).toBe(true);
    expect(decideAccess({ headers: { ...auth }, mutating: false }, token, port).ok).toBe(false);
    expect(checkHost({ host: `LOCALHOST:${port}` }, port)).toBeUndefined();
    expect(checkHost({ host: `127.0.0.1:${port + 1}` }, port)).toMatchObject({ status: 403 });
  });

  it('lets a POST in only with the header, never with the query token, and never from another origin', () => {
    expect(post({}, token)).toMatchObject({ ok: false, status: 401 });
    expect(post({ authorization: `Bearer ${token}` })).toEqual({ ok: true, via: 'header' });
    expect(post({ authorization: `Bearer ${token}`, origin: `http://127.0.0.1:${port}` })).toEqual({ ok: true, via: 'header' });
    expect(post({ authorization: `Bearer ${token}`, origin: 'http://attacker.example' })).toMatchObject({ ok: false, status: 403 });
    expect(post({ authorization: `Bearer ${token}`, origin: 'null' })).toMatchObject({ ok: false, status: 403 });
    expect(post({ authorization: 'Bearer wrong' })).toMatchObject({ ok: false, status: 403 });
  });
});
