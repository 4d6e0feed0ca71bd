import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import { isValidTimezone } from './timezone.js';

/**
 * Two validators: request bodies are checked strictly (no type coercion, unknown fields
 * rejected rather than silently dropped), while params, querystrings and headers arrive as
 * strings and are coerced to the schema's types.
 */
export function installValidators(app: FastifyInstance) {
  // allErrors: a form shows every wrong field at once. Bodies are bounded (body.ts limits their
  // size), so collecting every failure costs at most one pass over an input we read anyway.
  const base = { allErrors: true, strict: false, useDefaults: true, removeAdditional: false } as const;
  const AjvCtor = Ajv as unknown as typeof Ajv.default;
  const formats = addFormats as unknown as typeof addFormats.default;
  const strictAjv = formats(new AjvCtor({ ...base, coerceTypes: false }));
  const coercingAjv = formats(new AjvCtor({ ...base, coerceTypes: 'array' }));
  for (const ajv of [strictAjv, coercingAjv]) {
    ajv.addKeyword('example').addKeyword('x-examples');
    // `Type.String({ format: 'iana-timezone' })`: a zone name the runtime knows, so handlers need not check.
    ajv.addFormat('iana-timezone', { type: 'string', validate: isValidTimezone });
  }
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? strictAjv : coercingAjv).compile(schema),
  );
  // Shared schemas registered with app.addSchema must be visible to both validators.
  app.addHook('onReady', async () => {
    for (const schema of Object.values(app.getSchemas()) as Array<{ $id?: string }>) {
      for (const ajv of [strictAjv, coercingAjv]) {
        if (schema.$id && !ajv.getSchema(schema.$id)) ajv.addSchema(schema);
      }
    }
  });
}
