import { z } from 'zod';
import { invalidRequest } from '../../domain/errors.ts';
import type { AcceptanceInput } from '../../domain/payments/setup-rules.ts';
import { bool, int, obj, oneOf, str } from '../wire/params.ts';
import type { RequestContext } from '../wire/route.ts';

/**
 * `mandate_data` as SetupIntents and PaymentIntents take it. From a server, an online acceptance
 * names the customer's IP address and user agent; from the customer's browser (a publishable key),
 * Stripe.js sends `online[infer_from_client]=true` and they are read from the request itself.
 */
export const mandateDataParams = obj({
  customer_acceptance: obj({
    type: oneOf(['online', 'offline']),
    accepted_at: int(0).optional(),
    online: obj({
      ip_address: str().optional(),
      user_agent: str().optional(),
      infer_from_client: bool().optional(),
    }).optional(),
    // `offline` takes no fields: clients send it empty or leave it out.
    offline: z.union([z.literal('').transform(() => ({})), obj({})]).optional(),
  }),
});

type MandateData = z.output<typeof mandateDataParams>;

const onlineParam = 'mandate_data[customer_acceptance][online]';

/** The customer's acceptance as the domain takes it, with what was inferred from the request filled in. */
export function acceptanceFrom(
  ctx: RequestContext,
  mandateData: MandateData | undefined,
): AcceptanceInput | undefined {
  if (!mandateData) return undefined;
  const { online, ...acceptance } = mandateData.customer_acceptance;
  if (!online) return acceptance;
  const { ip_address, user_agent, infer_from_client } = online;
  if (infer_from_client) {
    if (ctx.keyKind !== 'publishable') {
      throw invalidRequest(
        `${onlineParam}[infer_from_client] can only be used with a publishable key, from the customer's browser. From your server, pass ${onlineParam}[ip_address] and ${onlineParam}[user_agent].`,
        `${onlineParam}[infer_from_client]`,
      );
    }
    const given = ip_address !== undefined ? 'ip_address' : user_agent !== undefined ? 'user_agent' : null;
    if (given) {
      throw invalidRequest(
        `You may only specify one of these parameters: ${onlineParam}[infer_from_client], ${onlineParam}[${given}].`,
        `${onlineParam}[${given}]`,
        'parameters_exclusive',
      );
    }
    if (!ctx.client.userAgent) {
      throw invalidRequest(
        `The request has no User-Agent header, so ${onlineParam}[user_agent] cannot be inferred: pass it.`,
        `${onlineParam}[user_agent]`,
        'parameter_missing',
      );
    }
    return { ...acceptance, online: { ip_address: ctx.client.ip, user_agent: ctx.client.userAgent } };
  }
  for (const [field, value] of [
    ['ip_address', ip_address],
    ['user_agent', user_agent],
  ] as const) {
    if (value === undefined) {
      const param = `${onlineParam}[${field}]`;
      throw invalidRequest(`Missing required param: ${param}.`, param, 'parameter_missing');
    }
  }
  return { ...acceptance, online: { ip_address: ip_address as string, user_agent: user_agent as string } };
}
