import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import type { FastifyReply } from 'fastify';

type Schema = Record<string, unknown>;

/**
 * A response schema as fast-json-stringify serialises it fastest. `Type.Union([X, Type.Null()])`
 * (how our schemas say "nullable") is an anyOf, for which fast-json-stringify runs an Ajv check per
 * value to pick the branch; `{ ...X, type: [X.type, 'null'] }` says the same and is a typeof
 * check. A 50-quest GET /me/quests serialised in 84 µs with the unions and 41 µs without
 * (docs/BENCHMARKS.md). Only the serialiser sees this copy: validation and the OpenAPI document
 * keep the schemas as written. Unions of anything else are left as they are.
 */
export function nullableAsTypeArrays(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(nullableAsTypeArrays);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Schema = {};
  for (const [k, v] of Object.entries(schema)) out[k] = nullableAsTypeArrays(v);
  const branches = out.anyOf;
  if (!Array.isArray(branches) || branches.length !== 2) return out;
  const nullAt = branches.findIndex((b) => (b as Schema).type === 'null');
  if (nullAt < 0) return out;
  const other = branches[1 - nullAt] as Schema;
  if (typeof other.type !== 'string' || 'anyOf' in other || '$ref' in other) return out;
  const { anyOf: _branches, ...rest } = out;
  return { ...rest, ...other, type: [other.type, 'null'] };
}

/** Fastify's own serializer factory, given each route's schema through nullableAsTypeArrays. */
export function fastSerializerFactory(): ReturnType<typeof SerializerSelector> {
  const base = SerializerSelector();
  return (externalSchemas, options) => {
    const compile = base(externalSchemas, options);
    return (route) => compile({ ...route, schema: nullableAsTypeArrays(route.schema) });
  };
}

/** The route's own response serializer (for its current status) as a function, for a body kept rendered. */
export function routeSerializer(reply: FastifyReply): (payload: unknown) => string {
  return (payload) => {
    const out = reply.serialize(payload);
    if (typeof out !== 'string') throw new TypeError('the route serializer did not return a string');
    return out;
  };
}

/** Sends a JSON body that routeSerializer already produced, as it is (Fastify serializes neither a string nor a Buffer). */
export function sendRendered(reply: FastifyReply, body: string | Buffer): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(body as never);
}
