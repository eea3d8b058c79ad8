/** Applies Stripe's metadata update: an empty hash clears it, a `null` value removes its key. */
export function mergeMetadata(
  current: Record<string, string>,
  changes: Record<string, string | null> | undefined,
): Record<string, string> {
  if (changes === undefined) return current;
  if (Object.keys(changes).length === 0) return {};
  const next = { ...current };
  for (const [k, v] of Object.entries(changes)) {
    if (v === null) delete next[k];
    else next[k] = v;
  }
  return next;
}
