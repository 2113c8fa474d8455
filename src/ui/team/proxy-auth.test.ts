import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientAddressOf, createProxyTrust, isAddressOrRange } from './proxy-auth.js';

function request(remoteAddress: string, headers: Record<string, string>): IncomingMessage {
  return { socket: { remoteAddress }, headers } as unknown as IncomingMessage;
}

describe('proxy sign-on', () => {
  const trust = createProxyTrust({ header: 'X-Forwarded-User', trustedProxies: ['127.0.0.1', '10.0.0.0/8', '::1'] });

  it('believes the header only from a configured proxy address or range (IPv4-mapped IPv6 included)', () => {
    expect(trust.userOf(request('127.0.0.1', { 'x-forwarded-user': 'alice' }))).toBe('alice');
    expect(trust.userOf(request('::ffff:10.20.30.40', { 'x-forwarded-user': 'bob' }))).toBe('bob');
    expect(trust.userOf(request('::1', { 'x-forwarded-user': 'carol' }))).toBe('carol');
    expect(trust.userOf(request('192.168.1.5', { 'x-forwarded-user': 'mallory' }))).toBeUndefined();
    expect(trust.hasUntrustedHeader(request('192.168.1.5', { 'x-forwarded-user': 'mallory' }))).toBe(true);
    expect(trust.userOf(request('127.0.0.1', { 'x-forwarded-user': '  ' }))).toBeUndefined();
    expect(createProxyTrust(undefined).userOf(request('127.0.0.1', { 'x-forwarded-user': 'alice' }))).toBeUndefined();
  });

  it('takes the client address from X-Forwarded-For behind a trusted proxy only, skipping proxies', () => {
    expect(clientAddressOf(request('10.0.0.9', { 'x-forwarded-for': '6.6.6.6, 203.0.113.7, 10.0.0.8' }), trust)).toBe('203.0.113.7');
    expect(clientAddressOf(request('198.51.100.2', { 'x-forwarded-for': '6.6.6.6' }), trust)).toBe('198.51.100.2');
    expect(clientAddressOf(request('::ffff:127.0.0.1', {}), trust)).toBe('127.0.0.1');
  });

  it('knows addresses and ranges from anything else', () => {
    for (const good of ['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8']) expect(isAddressOrRange(good), good).toBe(true);
    for (const bad of ['localhost', '10.0.0.0/33', '10.0.0.0/8/1', '::1/129', '10.0.0.0/x']) expect(isAddressOrRange(bad), bad).toBe(false);
  });
});
