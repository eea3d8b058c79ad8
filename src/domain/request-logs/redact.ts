/** What stands in place of a secret that openfc keeps a record around. */
export const redacted = '[redacted]';

/**
 * Fields whose values are secrets wherever they appear: client secrets (sessions, SetupIntents,
 * PaymentIntents), a webhook endpoint's signing `secret`, bank account and routing numbers, and
 * passwords.
 */
export const secretFields = [
  'client_secret',
  'secret',
  'account_number',
  'routing_number',
  'password',
] as const;

/**
 * Secrets by their shape, wherever they appear (a value, a metadata string, an error message):
 * API keys, webhook signing secrets, bank account tokens, and the random part of client secrets
 * (`{id}_secret_{random}`: the id before it is no secret).
 */
const secretValues: [RegExp, string][] = [
  [/\b(?:sk|rk|pk)_(?:test|live)_[A-Za-z0-9]+/g, redacted],
  [/\bwhsec_[A-Za-z0-9]+/g, redacted],
  [/\bbtok_[A-Za-z0-9]+/g, redacted],
  [/_secret_[A-Za-z0-9]+/g, `_secret_${redacted}`],
];

// A secret field's string or number value in JSON text (a key is the only string followed by `:`).
const fieldValue = new RegExp(
  `"(${secretFields.join('|')})"(\\s*):(\\s*)(?:"(?:[^"\\\\]|\\\\.)*"|-?[0-9][0-9.eE+-]*)`,
  'g',
);

// Whatever any of the above needs to be there: most bodies hold none, and one scan tells.
const anySecret = new RegExp(`"(?:${secretFields.join('|')})"|k_(?:test|live)_|whsec_|btok_|_secret_`);

/**
 * JSON text with its secrets replaced by `[redacted]`: the values of secret fields, and anything
 * shaped like a secret. Working on the text keeps it cheap (one scan for a body without secrets,
 * no parse) and leaves the JSON valid: a secret is replaced inside its string, a field's value by
 * a string.
 */
export function redactJsonText(text: string): string {
  if (!anySecret.test(text)) return text;
  let out = text.replace(fieldValue, `"$1"$2:$3"${redacted}"`);
  for (const [pattern, replacement] of secretValues) out = out.replace(pattern, replacement);
  return out;
}
