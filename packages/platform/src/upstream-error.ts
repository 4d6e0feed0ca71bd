/** A peer service could not be reached or answered unusably; the error handler answers it 503. */
export class UpstreamError extends Error {
  constructor(readonly service: string, message: string, readonly status?: number, readonly body?: unknown) {
    super(`${service}: ${message}`);
    this.name = 'UpstreamError';
  }
}
