import { insertAudit } from '../db/audit.repository.js';
import { insertCurrency, type Currency } from '../db/currency.repository.js';
import { inWriteTransaction } from '../db/transaction.js';
import { failure, success, type Outcome } from '../domain/outcome.js';
import type { Actor, CatalogContext } from '../context.js';

export async function createCurrency(ctx: CatalogContext, actor: Actor, input: { code: string; name: string }): Promise<Outcome<Currency>> {
  const result = await inWriteTransaction(ctx.db, async (trx): Promise<Outcome<Currency>> => {
    const currency = await insertCurrency(trx, input.code, input.name);
    if (!currency) return failure('CURRENCY_EXISTS', `currency ${input.code} already exists`, 'code');
    await insertAudit(trx, { actorId: actor.id, action: 'currency.create', entity: 'currency', entityKey: currency.code, details: { name: currency.name } });
    return success(currency);
  });
  if (result.ok) ctx.recordChange('currency.create');
  return result;
}
