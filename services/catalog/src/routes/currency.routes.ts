import { Type } from '@sinclair/typebox';
import { errorResponses, toPage, type App, type AuthGuard, scopedSecurity } from '@questline/platform';
import type { Currency as CurrencyModel } from '../db/currency.repository.js';
import { listCurrenciesPage } from '../use-cases/catalog-reads.use-case.js';
import { createCurrency } from '../use-cases/currency-admin.use-case.js';
import type { CatalogContext } from '../context.js';
import { actorOfRequest, decodeKeyCursor, notModified, orFail } from './http.js';
import { Currency, CurrencyBody, NotModified, page, pageQuery } from './schemas.js';

export function registerCurrencyRoutes(app: App, deps: { ctx: CatalogContext; catalogWrite: AuthGuard }) {
  const { ctx } = deps;

  app.get(
    '/api/v1/currencies',
    {
      schema: {
        tags: ['catalog'],
        summary: 'List currencies',
        description: 'Ordered by code.',
        querystring: pageQuery({}),
        response: { 200: page(Currency), 304: NotModified, ...errorResponses('VALIDATION_FAILED') },
      },
    },
    async (request, reply) => {
      const { limit, cursor } = request.query;
      const rows = await listCurrenciesPage(ctx, { afterCode: decodeKeyCursor(cursor), limit });
      const body = toPage(rows, limit, (c: CurrencyModel) => c.code);
      if (notModified(request, reply, body)) return reply;
      return body;
    },
  );

  app.post(
    '/api/v1/admin/currencies',
    {
      onRequest: deps.catalogWrite,
      schema: {
        tags: ['catalog-admin'],
        summary: 'Create a currency',
        ...scopedSecurity('catalog:write'),
        body: CurrencyBody,
        response: { 201: Type.Object({ currency: Currency }), ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'USER_BANNED', 'CURRENCY_EXISTS') },
      },
    },
    async (request, reply) => {
      const currency = orFail(await createCurrency(ctx, actorOfRequest(request), request.body));
      return reply.code(201).send({ currency });
    },
  );
}
