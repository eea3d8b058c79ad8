import { createHmac, type KeyObject } from 'node:crypto';

/**
 * Stripe's webhook signature: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.payload">`, keyed with
 * the endpoint's whole `whsec_…` secret (as a string, or its UTF-8 bytes as a key), as the
 * official SDKs verify it.
 */
export function signatureHeader(secret: string | KeyObject, payload: string, timestamp: number): string {
  const signature = createHmac('sha256', secret).update(`${timestamp}.${payload}`).digest('hex');
  return `t=${timestamp},v1=${signature}`;
}
