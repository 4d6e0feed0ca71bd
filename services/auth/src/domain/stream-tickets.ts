import { createHash, randomBytes } from 'node:crypto';

/** How long a ticket may wait before it is used (api.md v1.2: `expiresIn: 30`). */
export const STREAM_TICKET_TTL_SECONDS = 30;

// `qls_` + 43 base64url characters (32 random bytes). The prefix makes a leaked ticket recognisable.
const TICKET_PATTERN = /^qls_[A-Za-z0-9_-]{43}$/;

export function newStreamTicket(): { ticket: string; hash: Buffer } {
  const ticket = `qls_${randomBytes(32).toString('base64url')}`;
  return { ticket, hash: streamTicketHash(ticket) };
}

export function streamTicketHash(ticket: string): Buffer {
  return createHash('sha256').update(ticket).digest();
}

/** A string that cannot be a ticket is refused without a lookup. */
export function isStreamTicketShape(ticket: string): boolean {
  return TICKET_PATTERN.test(ticket);
}
