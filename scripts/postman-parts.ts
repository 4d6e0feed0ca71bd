/** The pieces of the generated Postman collection that its request folders share. */

/* eslint-disable @typescript-eslint/no-explicit-any -- Postman documents are loose JSON */
export type Json = any;

/** Path parameters filled from the collection's own variables (so requests chain without editing). */
const pathValues: Record<string, string> = { userId: '{{userId}}', key: '{{questKey}}', id: '{{rewardId}}' };

export const bearer = (variable: string) => ({ type: 'bearer', bearer: [{ key: 'token', value: `{{${variable}}}`, type: 'string' }] });
export const jsonBody = (body: unknown) => ({ mode: 'raw', raw: JSON.stringify(body, null, 2), options: { raw: { language: 'json' } } });
export const script = (listen: 'prerequest' | 'test', lines: string[]) => ({ listen, script: { type: 'text/javascript', exec: lines } });

export function urlOf(apiPath: string, query: { key: string; value: string; disabled?: boolean; description?: string }[] = []) {
  // `{name}` is an OpenAPI path parameter; `{{name}}` a collection variable, left for Postman to fill.
  const param = /(?<!\{)\{([^{}]+)\}(?!\})/g;
  const postmanPath = apiPath.replace(param, ':$1');
  const variables = [...apiPath.matchAll(param)].map((m) => ({ key: m[1]!, value: pathValues[m[1]!] ?? `{{${m[1]}}}` }));
  const active = query.filter((q) => !q.disabled);
  const raw = `{{baseUrl}}${postmanPath}${active.length ? `?${active.map((q) => `${q.key}=${q.value}`).join('&')}` : ''}`;
  const url: Json = { raw, host: ['{{baseUrl}}'], path: postmanPath.split('/').filter(Boolean) };
  if (query.length) url.query = query;
  if (variables.length) url.variable = variables;
  return url;
}

/** Retries the current request (rewards and login events arrive asynchronously) at most `max` times. */
export function retryUnless(condition: string, counter: string, max = 20): string[] {
  return [
    `const tries = Number(pm.collectionVariables.get("${counter}") || 0);`,
    `if (!(${condition}) && tries < ${max}) {`,
    '  // Paid asynchronously (usually within a second): ask again.',
    `  pm.collectionVariables.set("${counter}", tries + 1);`,
    '  postman.setNextRequest(pm.info.requestName);',
    '} else {',
  ];
}
export const pause = (counter: string) => script('prerequest', [`if (Number(pm.collectionVariables.get("${counter}") || 0) > 0) { setTimeout(function () {}, 500); }`]);

export function scenarioRequest(name: string, method: string, apiPath: string, opts: { body?: unknown; auth?: Json; headers?: Record<string, string>; events: Json[] }): Json {
  const request: Json = { method, header: Object.entries(opts.headers ?? {}).map(([key, value]) => ({ key, value })), url: urlOf(apiPath) };
  if (opts.body !== undefined) {
    request.header.push({ key: 'Content-Type', value: 'application/json' });
    request.body = jsonBody(opts.body);
  }
  if (opts.auth) request.auth = opts.auth;
  return { name, event: opts.events, request };
}

