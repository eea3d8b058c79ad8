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

/**
 * The keys of `before` that differ in `after`, with their old values, as an event's
 * `previous_attributes.metadata` shows them; undefined when nothing changed.
 */
export function previousMetadata(
  before: Record<string, string>,
  after: Record<string, string>,
): Record<string, string> | undefined {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  const previous: Record<string, string> = {};
  let changed = false;
  for (const k of keys) {
    if (before[k] !== after[k]) {
      changed = true;
      // Stripe shows a key that was added with an empty string as its previous value.
      previous[k] = before[k] ?? '';
    }
  }
  return changed ? previous : undefined;
}
