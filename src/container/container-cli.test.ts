import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { listLocalTags, resolveContainerCli } from './container-cli.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-cli-test-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** A folder holding fake container CLIs: each a shell script with the given body. */
function fakeBin(name: string, tools: Record<string, string>): string {
  const dir = path.join(root, name);
  fs.mkdirSync(dir);
  for (const [tool, body] of Object.entries(tools)) fs.writeFileSync(path.join(dir, tool), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return dir;
}

const engineUp = 'if [ "$1" = version ]; then echo 28.2.2; fi';
const engineDown = 'echo "Cannot connect to the Docker daemon" >&2; exit 1';

describe('resolveContainerCli', () => {
  it('prefers docker only when its engine answers, else podman', async () => {
    const both = fakeBin('both-up', { docker: engineUp, podman: 'exit 0' });
    expect((await resolveContainerCli(undefined, { PATH: both })).name).toBe('docker');
    const clientOnly = fakeBin('docker-client-only', { docker: engineDown, podman: 'exit 0' });
    expect((await resolveContainerCli(undefined, { PATH: clientOnly })).name).toBe('podman');
    const dockerOnly = fakeBin('docker-only', { docker: engineDown });
    expect(await resolveContainerCli(undefined, { PATH: dockerOnly })).toEqual({ name: 'docker', file: path.join(dockerOnly, 'docker') });
  });

  it('honours --container-provider and says what to install when nothing is there', async () => {
    const both = fakeBin('both', { docker: engineUp, podman: 'exit 0' });
    expect((await resolveContainerCli('Podman', { PATH: both })).name).toBe('podman');
    await expect(resolveContainerCli('containerd', { PATH: both })).rejects.toThrow(/unknown container provider "containerd"/);
    await expect(resolveContainerCli('podman', { PATH: fakeBin('docker-alone', { docker: engineUp }) })).rejects.toThrow(/podman \(from --container-provider\) is not installed/);
    await expect(resolveContainerCli(undefined, { PATH: fakeBin('empty', {}) })).rejects.toThrow(UserError);
  });
});

describe('listLocalTags', () => {
  it('finds the tags of a repository whether podman prefixed it with localhost/ or not', async () => {
    const dir = fakeBin('images', {
      podman: `printf 'localhost/rates\\t0.1\\nlocalhost/rates\\t0.10\\nrates\\tlatest\\nlocalhost/other\\t0.9\\nlocalhost/rates\\t<none>\\nregistry.example/rates\\t5.0\\n'`,
    });
    expect((await listLocalTags({ name: 'podman', file: path.join(dir, 'podman') }, 'rates')).sort()).toEqual(['0.1', '0.10', 'latest']);
  });
});
