import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { parseProject } from '../project/parse-project.js';
import { isValidRepositoryName, resolveImageName, toRepositoryName } from './image-name.js';

const load = (yml: string, dir = '/projects/My Pipeline') => parseProject(yml, `${dir}/project.yml`, dir).project;

describe('resolveImageName', () => {
  it('uses deploy.container_image, else deploy.task lowercased, else the folder name cleaned', () => {
    expect(resolveImageName(load('deploy:\n  container_image: acme/rates\n  task: Other\n'))).toBe('acme/rates');
    expect(resolveImageName(load('deploy:\n  task: Fetch_Rates\n'))).toBe('fetch_rates');
    expect(resolveImageName(load('tasks: []\n'))).toBe('my-pipeline');
  });

  it('refuses an explicit name that no registry accepts, naming the key', () => {
    const attempt = () => resolveImageName(load('deploy:\n  container_image: Rates\n'));
    expect(attempt).toThrow(UserError);
    expect(attempt).toThrow(/deploy.container_image "Rates" is not a valid image name/);
  });

  it('knows the repository grammar', () => {
    for (const ok of ['ab', 'a.b', 'a_b', 'a__b', 'a--b', 'acme/team/rates', 'x1']) expect(isValidRepositoryName(ok)).toBe(true);
    for (const bad of ['a', 'A1', '-ab', 'ab-', 'a..b', 'a/', '/a', 'a b', 'a:b', 'a___b']) expect(isValidRepositoryName(bad)).toBe(false);
    expect(toRepositoryName('  Daily ETL (v2) ')).toBe('daily-etl-v2');
  });
});
