import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseProject } from '../project/parse-project.js';
import { chooseBaseImage, DEFAULT_BASE_IMAGE, needsOfflineBaseCheck, PUBLIC_BASE_IMAGE } from './base-image.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const plain = parseProject('tasks: []\n', '/p/project.yml', '/p').project;
const custom = parseProject('container:\n  base_image: python:3.12-slim\n', '/p/project.yml', '/p').project;

describe('chooseBaseImage', () => {
  it('prefers HANDOFF_BASE_IMAGE, then container.base_image, then the offline base when built, then the public image', () => {
    expect(chooseBaseImage({ project: custom, env: { HANDOFF_BASE_IMAGE: 'corp/base:1' }, offlineBaseExists: true })).toEqual({ image: 'corp/base:1', source: 'HANDOFF_BASE_IMAGE' });
    expect(chooseBaseImage({ project: custom, env: {}, offlineBaseExists: true })).toEqual({ image: 'python:3.12-slim', source: 'container.base_image' });
    expect(chooseBaseImage({ project: plain, env: { HANDOFF_BASE_IMAGE: ' ' }, offlineBaseExists: true })).toEqual({ image: DEFAULT_BASE_IMAGE, source: 'offline base' });
    expect(chooseBaseImage({ project: plain, env: {}, offlineBaseExists: false })).toEqual({ image: PUBLIC_BASE_IMAGE, source: 'public default' });
    expect(needsOfflineBaseCheck(plain, {})).toBe(true);
    expect(needsOfflineBaseCheck(custom, {})).toBe(false);
  });

  it('names the image that `npm run container:base` builds', () => {
    const script = fs.readFileSync(path.join(root, 'scripts', 'container-base.sh'), 'utf8');
    expect(script).toContain(`IMAGE="${DEFAULT_BASE_IMAGE}"\n`);
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['container:base']).toContain('scripts/container-base.sh');
  });
});
