// Unit tests of the UI's access rules: token sources, the cookie, Host and Origin checks, and what a POST needs.
import { describe, expect, it } from 'vitest';
import { createAccessToken, decideAccess, formatTokenCookie, TOKEN_HEADER } from './access-token.js';

const token = createAccessToken();
const port = 41234;
const host = `127.0.0.1:${port}`;
const read = (headers: Record<string, string>, queryToken: string | null = null) => decideAccess({ headers: { host, ...headers }, queryToken, mutating: false }, token, port);
const post = (headers: Record<string, string>) => decideAccess({ headers: { host, ...headers }, queryToken: null, mutating: true }, token, port);

describe('decideAccess', () => {
  it('makes tokens long and random', () => {
    expect(token).toMatch(/^[\w-]{32}$/);
    expect(createAccessToken()).not.toBe(token);
  });

  it('lets a read in with the token from the query, the cookie or the header', () => {
    expect(read({}, token)).toEqual({ ok: true, via: 'query' });
    expect(read({ cookie: `other=1; handoff_ui_${port}=${token}` })).toEqual({ ok: true, via: 'cookie' });
    expect(read({ [TOKEN_HEADER]: token })).toEqual({ ok: true, via: 'header' });
  });

  it('says 401 when no token came and 403 when a wrong one did', () => {
    expect(read({})).toMatchObject({ ok: false, status: 401 });
    expect(read({}, 'nope')).toMatchObject({ ok: false, status: 403 });
    expect(read({}, `${token}x`)).toMatchObject({ ok: false, status: 403 });
    // The cookie of another UI server on another port is not ours.
    expect(read({ cookie: `handoff_ui_1=${token}` })).toMatchObject({ ok: false, status: 401 });
  });

  it('refuses other Host names even with the token (DNS rebinding)', () => {
    expect(decideAccess({ headers: { host: `attacker.example:${port}` }, queryToken: token, mutating: false }, token, port)).toMatchObject({ ok: false, status: 403 });
    expect(decideAccess({ headers: { host: `localhost:${port}` }, queryToken: token, mutating: false }, token, port).ok).toBe(true);
    expect(decideAccess({ headers: {}, queryToken: token, mutating: false }, token, port).ok).toBe(false);
  });

  it('lets a POST in only with the token header, and never from another origin', () => {
    expect(post({ cookie: `handoff_ui_${port}=${token}` })).toMatchObject({ ok: false, status: 401 });
    expect(post({ [TOKEN_HEADER]: token })).toEqual({ ok: true, via: 'header' });
    expect(post({ [TOKEN_HEADER]: token, origin: `http://127.0.0.1:${port}` })).toEqual({ ok: true, via: 'header' });
    expect(post({ [TOKEN_HEADER]: token, origin: 'http://attacker.example' })).toMatchObject({ ok: false, status: 403 });
    expect(post({ [TOKEN_HEADER]: 'wrong' })).toMatchObject({ ok: false, status: 403 });
  });

  it('sets the cookie HttpOnly and SameSite=Strict, per port', () => {
    expect(formatTokenCookie(port, token)).toBe(`handoff_ui_${port}=${token}; HttpOnly; SameSite=Strict; Path=/`);
  });
});
