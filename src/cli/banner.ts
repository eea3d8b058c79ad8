import type { RunningOpenfc } from '../app.ts';

/** What `openfc serve` prints once it listens: where, on which database, and with which keys. */
export async function printBanner(running: RunningOpenfc): Promise<void> {
  const { merchant, keys } = running;
  const lines = [
    `openfc listening on ${running.url}`,
    `  database:        ${running.store.location}`,
    `  merchant:        ${merchant.id}${running.keysMadeNow ? ' (created now)' : ''}`,
  ];
  const show = (label: string, key: string | undefined, hint: string | undefined) =>
    `  ${label} ${key ?? `${hint ?? '(none)'} (set at first start; configure one to choose it)`}`;
  const hints = await running.services.merchants.keyHints(merchant.id);
  lines.push(show('secret key:     ', keys.secretKey, hints.secret));
  lines.push(show('publishable key:', keys.publishableKey, hints.publishable));
  lines.push(`  dashboard:       ${running.dashboardUrl ?? 'off (--dashboard off)'}`);
  lines.push(`  try: curl ${running.url}/v1/customers -u ${keys.secretKey ?? 'sk_test_…'}:`);
  console.log(lines.join('\n'));
}
