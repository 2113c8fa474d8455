// Tests of the loopback check that decides whether a container shares the host's network to reach an emulator.
import { describe, expect, it } from 'vitest';
import { isLoopbackHost, isLoopbackUrl } from './is-loopback-url.js';

describe('isLoopbackUrl', () => {
  it('knows this machine by name, IPv4 loopback address and IPv6 address', () => {
    for (const url of ['http://127.0.0.1:8123', 'https://127.3.4.5', 'https://localhost:10000/devstoreaccount1', 'http://[::1]:4566']) expect(isLoopbackUrl(url), url).toBe(true);
  });

  it('says no for other hosts, a host name that merely starts with 127., a missing URL and one that does not parse', () => {
    for (const url of ['https://management.azure.com', 'http://127.0.0.1.nip.io', 'http://10.0.0.1', undefined, '', '127.0.0.1:80']) expect(isLoopbackUrl(url), String(url)).toBe(false);
  });
});

describe('isLoopbackHost', () => {
  it('takes host names as the team server listens on them', () => {
    for (const host of ['127.0.0.1', '127.0.1.1', 'localhost', '::1']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '127.0.0.1.nip.io', '10.0.0.5', '[::1]']) expect(isLoopbackHost(host), host).toBe(false);
  });
});
