import { Type } from '@sinclair/typebox';
import { errorResponses, toPage, type App, type AuthGuard } from '@questline/platform';
import type { CatalogContext } from '../context.js';
import type { AuditEntry as AuditModel } from '../db/audit.repository.js';
import { listAuditPage } from '../use-cases/catalog-reads.use-case.js';
import { decodeIdCursor } from './http.js';
import { AuditEntry, page, pageQuery } from './schemas.js';

export function registerAuditRoutes(app: App, deps: { ctx: CatalogContext; adminOnly: AuthGuard }) {
  app.get(
    '/api/v1/admin/audit',
    {
      onRequest: deps.adminOnly,
      schema: {
        tags: ['catalog-admin'],
        summary: 'Catalog audit trail, newest first',
        security: [{ bearerAuth: [] }],
        querystring: pageQuery({
          entity: Type.Optional(Type.Union([Type.Literal('quest'), Type.Literal('reward'), Type.Literal('currency'), Type.Literal('event_type')])),
          entityKey: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
        }),
        response: { 200: page(AuditEntry), ...errorResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'USER_BANNED') },
      },
    },
    async (request) => {
      const { limit, cursor, entity, entityKey } = request.query;
      const rows = await listAuditPage(deps.ctx, { beforeId: decodeIdCursor(cursor), entity, entityKey, limit });
      return toPage(rows, limit, (e: AuditModel) => e.id);
    },
  );
}
