// Tests that the editor JSON Schema is generated from the loader's schema, documented, and accepts real projects.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parse } from 'yaml';
import { createProjectJsonSchema } from './json-schema.js';

type JsonSchema = Record<string, unknown>;

/** Every object property of the schema, with its key path, through $defs, items and anyOf. */
function collectProperties(schema: JsonSchema, at = ''): Array<[string, JsonSchema]> {
  const out: Array<[string, JsonSchema]> = [];
  const visit = (node: unknown, where: string): void => {
    if (typeof node !== 'object' || node === null) return;
    const s = node as JsonSchema;
    for (const [key, value] of Object.entries((s.properties as Record<string, JsonSchema> | undefined) ?? {})) {
      out.push([`${where}.${key}`, value]);
      visit(value, `${where}.${key}`);
    }
    visit(s.items, `${where}[]`);
    for (const option of (s.anyOf as unknown[] | undefined) ?? []) visit(option, where);
    for (const [name, def] of Object.entries((s.$defs as Record<string, unknown> | undefined) ?? {})) visit(def, `$defs.${name}`);
  };
  visit(schema, at);
  return out;
}

const sample = `
version: 0.3
description: Fetch foreign exchange rates
installs:
- venv: proc_01
  command: pip install tap-exchangeratesapi
tasks:
- name: fetch
  pipeline:
  - command: tap-exchangeratesapi
    venv: proc_01
  - foreach:
    - name: each
      pipeline:
      - command: echo
        args: "{{ _line }}"
    parallel: 2
deploy:
  cloud_provider: aws
  platform_config: {state_machine: true}
schedules:
- target_id: 1
  cron: "0 0 * * ? *"
`;

describe('createProjectJsonSchema', () => {
  const schema = createProjectJsonSchema() as JsonSchema;

  it('identifies itself for editors', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.$id).toBe('urn:handoff:schema:project.yml');
    expect(schema.title).toBe('handoff project.yml');
  });

  it('describes every key', () => {
    const properties = collectProperties(schema);
    expect(properties.length).toBeGreaterThan(80);
    const undocumented = properties.filter(([, p]) => typeof p.description !== 'string' && typeof p.$ref !== 'string').map(([k]) => k);
    expect(undocumented).toEqual([]);
    const deploy = (schema.properties as Record<string, JsonSchema>).deploy as JsonSchema;
    expect(Object.keys(deploy.properties as object)).toEqual(
      expect.arrayContaining(['cloud_provider', 'storage', 'platform_config', 'subnets', 'security_groups', 'assign_public_ip', 'log_retention_days', 'task_policy']),
    );
    expect(((deploy.properties as Record<string, JsonSchema>).provider as JsonSchema).deprecated).toBe(true);
  });

  it('accepts a real project and rejects a misspelled key', () => {
    const validator = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
    expect(validator.safeParse(parse(sample, { version: '1.1' })).success).toBe(true);
    expect(validator.safeParse(parse(sample.replace('pipeline:', 'pipline:'), { version: '1.1' })).success).toBe(false);
    expect(validator.safeParse(parse(sample.replace('parallel: 2', 'parallel: 0'), { version: '1.1' })).success).toBe(false);
  });

  it('requires a cloud\'s own keys only when that cloud is chosen (another provider, or the keys)', () => {
    // zod's fromJSONSchema does not evaluate anyOf inside allOf, so the shape editors read is checked as written.
    const deploy = (schema.properties as Record<string, JsonSchema>).deploy as JsonSchema;
    expect(deploy.allOf).toEqual([
      {
        anyOf: [
          { type: 'object', properties: { cloud_provider: { enum: ['local', 'aws'] } } },
          { type: 'object', required: ['gcp_project', 'region'] },
        ],
      },
    ]);
  });
});
