// Ajv and its formats come with Fastify (`@fastify/ajv-compiler`), which validates with them too.
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

/**
 * Validates with `schema` as a receiver's JSON Schema library would: draft 2020-12 (the dialect of
 * OpenAPI 3.1), formats such as `date-time` checked. Answers the problems, each with its path; none
 * when the value is valid.
 */
export function jsonSchemaValidator(schema: object): (value: unknown) => string[] {
  // Not strict: OpenAPI's own keywords (`discriminator`, `example`) are annotations here.
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  const validate = ajv.compile(schema);
  return (value) =>
    validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
}
