import { AppError } from '@questline/platform';

/** A valid token whose user neither progress nor auth knows: refused like every other /me route. */
export const unknownAccount = (): AppError => new AppError('UNAUTHENTICATED', 'this account no longer exists');
