import { Type } from '@sinclair/typebox';
import { AppError, errorResponses, requireInternal, type App } from '@questline/platform';
import type { ProgressContext } from '../context.js';

const RefreshResponse = Type.Object({ revision: Type.String(), quests: Type.Integer() });

export function registerInternalRoutes(app: App, ctx: ProgressContext) {
  // Lets tests and operators make a catalog change visible now instead of after the next poll.
  app.post(
    '/internal/catalog/refresh',
    {
      preValidation: requireInternal(ctx.config.INTERNAL_TOKEN),
      schema: { hide: true, response: { 200: RefreshResponse, ...errorResponses(401, 503) } },
    },
    async () => {
      const snapshot = await ctx.catalog.refresh().catch(() => null);
      if (!snapshot) throw new AppError(503, 'CATALOG_UNAVAILABLE', 'the catalog could not be read');
      return { revision: snapshot.revision, quests: snapshot.quests.length };
    },
  );
}
