// Test helper: the emulator's access tokens, JWTs shaped like Microsoft Entra ID's (claims Azurite and the SDKs read), signed so the emulator can check its own.
import crypto from 'node:crypto';

export interface TokenClaims {
  /** Audience: the resource the token is for, e.g. `https://management.azure.com`. */
  aud: string;
  /** Object id of the principal (service principal or managed identity). */
  oid: string;
  tid: string;
  appid: string;
  idtyp: 'app' | 'user';
  iat: number;
  nbf: number;
  exp: number;
  iss: string;
}

const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

export function createTokenSigner(secret = crypto.randomBytes(32)) {
  const sign = (data: string): string => crypto.createHmac('sha256', secret).update(data).digest('base64url');
  return {
    /** A token for `resource` (a scope's `/.default` removed), valid for an hour. */
    issue(input: { resource: string; objectId: string; tenantId: string; appId: string }): { token: string; expiresOn: number } {
      const now = Math.floor(Date.now() / 1000);
      const claims: TokenClaims = { aud: input.resource, oid: input.objectId, tid: input.tenantId, appid: input.appId, idtyp: 'app', iat: now, nbf: now - 60, exp: now + 3600, iss: `https://sts.windows.net/${input.tenantId}/` };
      const body = `${encode({ typ: 'JWT', alg: 'HS256' })}.${encode(claims)}`;
      return { token: `${body}.${sign(body)}`, expiresOn: claims.exp };
    },
    /** The claims of a token this signer issued and that has not expired; undefined otherwise. */
    verify(token: string): TokenClaims | undefined {
      const [header, payload, signature] = token.split('.');
      if (!header || !payload || !signature) return undefined;
      const expected = sign(`${header}.${payload}`);
      if (expected.length !== signature.length || !crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(signature))) return undefined;
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as TokenClaims;
      return claims.exp * 1000 > Date.now() ? claims : undefined;
    },
  };
}

/** `https://vault.azure.net/.default` → `https://vault.azure.net` (the resource a v2 scope stands for). */
export function toResource(scope: string): string {
  return scope.split(' ')[0]!.replace(/\/\.default$/, '');
}
