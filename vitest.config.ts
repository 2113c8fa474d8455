// Test runner settings: unit tests beside the code, integration tests under test/.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'bench/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    globalSetup: ['test/global-temp-dir.ts'],
    // Every venv handoff makes gets `pip install wheel`; where pip's default index is unreachable (this machine and CI
    // reach only a local mirror), pip's five retries of it cost some 16 s per venv. One try is enough for tests.
    env: { PIP_RETRIES: process.env.PIP_RETRIES ?? '0' },
  },
});
