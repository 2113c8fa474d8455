import { describe, expect, it } from 'vitest';
import { checkNewPassword, hashPassword, parsePasswordHash, verifyPassword } from './password-hash.js';

// A low cost keeps the test quick; the cost is part of each hash, so verify reads it from there.
const CHEAP = { N: 1024, r: 8, p: 1 };

describe('password hashes', () => {
  it('verifies the password it was made from and nothing else, each hash with its own salt', async () => {
    const hash = await hashPassword('correct horse battery', CHEAP);
    expect(hash).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(hash).not.toContain('correct horse');
    expect(await verifyPassword('correct horse battery', hash)).toBe(true);
    expect(await verifyPassword('correct horse batterY', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
    expect(await hashPassword('correct horse battery', CHEAP)).not.toBe(hash);
  });

  it('uses the stored cost, and the default cost is scrypt N=2^15', async () => {
    const hash = await hashPassword('another long passphrase');
    expect(parsePasswordHash(hash)?.cost).toEqual({ N: 32768, r: 8, p: 1 });
    expect(await verifyPassword('another long passphrase', hash)).toBe(true);
  });

  it('never matches a hash that is malformed or whose cost was edited out of bounds', async () => {
    const hash = await hashPassword('correct horse battery', CHEAP);
    const parts = hash.split('$');
    for (const bad of ['', 'plain', `scrypt$1000$8$1$${parts[4]}$${parts[5]}`, `scrypt$${2 ** 24}$8$1$${parts[4]}$${parts[5]}`, `scrypt$1024$8$1$${parts[4]}$AAAA`, hash.replace('scrypt', 'bcrypt')]) {
      expect(parsePasswordHash(bad), bad).toBeUndefined();
      expect(await verifyPassword('correct horse battery', bad), bad).toBe(false);
    }
  });

  it('asks for 12 characters at least, no surrounding spaces, and bounds the length', () => {
    expect(checkNewPassword('short')).toContain('at least 12');
    expect(checkNewPassword(' padded passphrase ')).toContain('spaces');
    expect(checkNewPassword('x'.repeat(2000))).toContain('at most');
    expect(checkNewPassword('a fine passphrase')).toBeUndefined();
  });
});
