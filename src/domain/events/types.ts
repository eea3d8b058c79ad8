/** Event types that exist only on preview API versions: Stripe shows them to preview readers only. */
export const previewOnlyEventTypes: ReadonlySet<string> = new Set([
  'financial_connections.session.updated',
  'financial_connections.account.refreshed_inferred_balances',
]);
