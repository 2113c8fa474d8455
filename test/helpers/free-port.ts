// Test helper: a port on 127.0.0.1 that nothing listens on, for a server started as a separate process (Azurite, moto, a registry).
import net from 'node:net';

/** Asks the OS for a free port by listening on port 0, then frees it; the caller starts its server there at once. */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
