// JSON Schema of project.yml for editors (yaml-language-server), generated from the same zod schema the loader uses.
import * as z from 'zod';
import { addRuleConstraints } from './json-schema-rules.js';
import { projectSchema } from './schema.js';

/** Identifies the schema; a URN because the schema ships inside handoff (`handoff schema`), not at a web address. */
export const PROJECT_JSON_SCHEMA_ID = 'urn:handoff:schema:project.yml';

/**
 * Returns the JSON Schema (draft 2020-12) of project.yml. Keys the loader would warn about are not allowed
 * (`additionalProperties: false`) so editors flag typos as they are typed; keys kept for compatibility are
 * allowed and marked `deprecated`. Otherwise it refuses what `config validate` refuses, as far as JSON Schema can say it
 * (json-schema-rules.ts), and nothing the loader accepts.
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
  // The loader's named rules that JSON Schema can say (empty lists, name patterns, one body per task, each cloud's keys).
  addRuleConstraints(generated);
  const { $schema, ...rest } = generated;
  return {
    $schema,
    $id: PROJECT_JSON_SCHEMA_ID,
    title: 'handoff project.yml',
    ...rest,
  };
}
