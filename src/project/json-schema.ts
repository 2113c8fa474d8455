// JSON Schema of project.yml for editors (yaml-language-server), generated from the same zod schema the loader uses.
import * as z from 'zod';
import { CLOUD_DEPLOY_RULES } from './check-deploy-keys.js';
import { CLOUD_PROVIDERS } from './cloud-providers.js';
import { projectSchema } from './schema.js';

/** Identifies the schema; a URN because the schema ships inside handoff (`handoff schema`), not at a web address. */
export const PROJECT_JSON_SCHEMA_ID = 'urn:handoff:schema:project.yml';

/**
 * Returns the JSON Schema (draft 2020-12) of project.yml. Keys the loader would warn about are not allowed
 * (`additionalProperties: false`) so editors flag typos as they are typed; keys kept for compatibility are
 * allowed and marked `deprecated`.
 */
export function createProjectJsonSchema(): object {
  const generated = z.toJSONSchema(projectSchema, {
    target: 'draft-2020-12',
    // Describe what may be written (defaults are optional keys), not what the loader produces.
    io: 'input',
    override: ({ jsonSchema }) => {
      if (jsonSchema.type === 'object' && jsonSchema.properties && jsonSchema.additionalProperties === undefined) {
        jsonSchema.additionalProperties = false;
      }
    },
  });
  requireCloudKeys(generated);
  const { $schema, ...rest } = generated;
  return {
    $schema,
    $id: PROJECT_JSON_SCHEMA_ID,
    title: 'handoff project.yml',
    ...rest,
  };
}

/**
 * With `cloud_provider: gcp` (say), the keys that cloud cannot do without are required, so editors flag them missing.
 * Written as "another provider, or these keys" (anyOf) rather than if/then, which some validators do not read.
 */
function requireCloudKeys(schema: Record<string, unknown>): void {
  const deploy = (schema.properties as Record<string, Record<string, unknown>> | undefined)?.deploy;
  if (!deploy) return;
  const conditions = CLOUD_DEPLOY_RULES.filter((r) => r.required && r.required.length > 0).map((r) => ({
    anyOf: [
      { type: 'object', properties: { cloud_provider: { enum: CLOUD_PROVIDERS.filter((p) => p !== r.provider) } } },
      { type: 'object', required: [...r.required!] },
    ],
  }));
  if (conditions.length > 0) deploy.allOf = conditions;
}
