/**
 * The API names a bad field with its validator's words ("must NOT have fewer than 8 characters",
 * `must match pattern "^[a-z0-9]+…"`): right for a developer, not for a person filling a form. This
 * says the same in plain language; a message that is not a validator's passes through unchanged.
 */
const PATTERN_HINTS: ReadonlyArray<readonly [RegExp, string]> = [
  [/(^|[-.])(key|code)$/, 'Use lower-case letters, digits and - (or _), starting with a letter or digit.'],
  [/(^|[-.])username$/, 'Use letters, digits, dots, dashes and underscores only.'],
  [/(^|[-.])(event|type)$/, 'Use lower-case letters, digits, dots, dashes, colons and underscores, starting with a letter or digit.'],
  [/(^|[-.])url$/, 'Enter a full address starting with https://.'],
];

export function fieldMessage(field: string, message: string): string {
  const m = message.replace(/^(body|querystring|params)(\.[\w.]+)?\s+/, '').trim();
  let r: RegExpExecArray | null;
  if ((r = /^must NOT have fewer than (\d+) characters?$/.exec(m))) return Number(r[1]) === 1 ? 'Required.' : `At least ${r[1]} characters.`;
  if ((r = /^must NOT have more than (\d+) characters?$/.exec(m))) return `At most ${r[1]} characters.`;
  if ((r = /^must NOT have fewer than (\d+) items?$/.exec(m))) return Number(r[1]) === 1 ? 'Pick at least one.' : `Pick at least ${r[1]}.`;
  if ((r = /^must NOT have more than (\d+) items?$/.exec(m))) return `At most ${r[1]}.`;
  if ((r = /^must be >= (-?\d+)$/.exec(m))) return `At least ${r[1]}.`;
  if ((r = /^must be > (-?\d+)$/.exec(m))) return `More than ${r[1]}.`;
  if ((r = /^must be <= (-?\d+)$/.exec(m))) return `At most ${r[1]}.`;
  if (/^must be integer$/.test(m)) return 'Enter a whole number.';
  if (/^must be (number|string|boolean|array|object)$/.test(m)) return 'This value is not accepted here.';
  if (/^must have required property /.test(m)) return 'Required.';
  if (/^must be equal to one of the allowed values$/.test(m)) return 'Pick one of the listed values.';
  if (/^must match format "date-time"$/.test(m)) return 'Enter a date and time.';
  if (/^must match format "uri"$/.test(m)) return 'Enter a full address starting with https://.';
  if (/^must match pattern /.test(m)) return PATTERN_HINTS.find(([re]) => re.test(field))?.[1] ?? 'This format is not accepted.';
  if (/^must NOT have additional properties$/.test(m)) return 'This field is not accepted here.';
  return message.replace(/^(body|querystring)\./, '');
}
