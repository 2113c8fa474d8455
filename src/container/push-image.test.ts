// Which registries podman is told speak plain HTTP (--tls-verify=false): loopback ones, with or without a namespace.
import { describe, expect, it } from 'vitest';
import { isLoopbackRegistry } from './push-image.js';

describe('isLoopbackRegistry', () => {
  it('sees loopback hosts with a port and a namespace path', () => {
    for (const r of ['localhost', 'localhost:5000', 'localhost:5000/team', 'localhost/team/sub', '127.0.0.1:47310/team', '[::1]:5000', '[::1]:5000/ns', '[::1]']) {
      expect(isLoopbackRegistry(r), r).toBe(true);
    }
  });

  it('does not take other hosts for loopback, even with localhost in their path', () => {
    for (const r of ['registry.example.com', 'registry.example.com/localhost', 'localhost.example.com:5000', '10.0.0.1:5000/team', 'ghcr.io/org']) {
      expect(isLoopbackRegistry(r), r).toBe(false);
    }
  });
});
