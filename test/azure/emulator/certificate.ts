// Test helper: a throwaway CA and a server certificate for 127.0.0.1, so emulators on loopback can speak HTTPS.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface LoopbackCertificate {
  /** The CA's certificate: what NODE_EXTRA_CA_CERTS names so Node (and the Azure SDKs in it) trust the server. */
  caFile: string;
  certFile: string;
  keyFile: string;
  cert: Buffer;
  key: Buffer;
}

/**
 * The Azure SDKs send bearer tokens over HTTPS only (core-rest-pipeline refuses "non-TLS protected URLs"), and Azurite
 * takes OAuth only over HTTPS, so the emulators serve TLS with a certificate that a CA made for this test run signs.
 * Node trusts it through NODE_EXTRA_CA_CERTS, the documented way to add a CA without touching the system's store.
 */
export function createLoopbackCertificate(): LoopbackCertificate {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-azure-tls-'));
  const file = (name: string): string => path.join(dir, name);
  const openssl = (args: string[]): void => void execFileSync('openssl', args, { stdio: 'pipe' });
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '2', '-subj', '/CN=handoff test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=127.0.0.1']);
  fs.writeFileSync(file('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n');
  openssl(['x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-out', file('server.pem'), '-days', '2', '-extfile', file('server.ext')]);
  return { caFile: file('ca.pem'), certFile: file('server.pem'), keyFile: file('server.key'), cert: fs.readFileSync(file('server.pem')), key: fs.readFileSync(file('server.key')) };
}
