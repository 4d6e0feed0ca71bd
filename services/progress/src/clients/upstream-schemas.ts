import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { InternalUser, PublishedQuestsResponse, ResolveExternalUsersResponse } from '@questline/contracts';

// Peers are ours, but a bad answer must never become in-memory truth: check before trusting.
const AjvCtor = Ajv as unknown as typeof Ajv.default;
const withFormats = addFormats as unknown as typeof addFormats.default;
const ajv = withFormats(new AjvCtor({ strict: false, allErrors: false }));

export const isPublishedQuestsResponse = ajv.compile<PublishedQuestsResponse>(PublishedQuestsResponse);
export const isInternalUser = ajv.compile<InternalUser>(InternalUser);
export const isResolveExternalUsersResponse = ajv.compile<ResolveExternalUsersResponse>(ResolveExternalUsersResponse);

export function describeSchemaErrors(errors: typeof isInternalUser.errors): string {
  const first = errors?.[0];
  return first ? `${first.instancePath || '(root)'} ${first.message ?? 'is invalid'}` : 'is invalid';
}
