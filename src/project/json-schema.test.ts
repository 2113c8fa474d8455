// Tests that the editor JSON Schema is generated from the loader's schema, documented, and says which cloud needs which keys.
import { describe, expect, it } from 'vitest';
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

  it('requires a cloud\'s own keys only when that cloud is chosen (another provider, or the keys)', () => {
    // The shape editors read, as written; json-schema-rules.test.ts judges documents with a full validator.
    const deploy = (schema.properties as Record<string, JsonSchema>).deploy as JsonSchema;
    const conditions = (deploy.allOf as Array<{ anyOf: JsonSchema[] }>).map(({ anyOf: [other, chosen] }) => [
      (other!.properties as Record<string, JsonSchema>).cloud_provider!.enum,
      chosen!.required ?? [],
    ]);
    expect(conditions).toEqual([
      [['local', 'gcp', 'azure'], []],
      [['local', 'aws', 'azure'], ['gcp_project', 'region']],
      [['local', 'aws', 'gcp'], ['subscription_id', 'resource_group_name', 'location']],
    ]);
  });
});
