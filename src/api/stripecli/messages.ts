import { newSecret } from '../../domain/ids.ts';

/**
 * The messages of the Stripe CLI's websocket protocol (subprotocol `stripecli-devproxy-v1`), as
 * openfc speaks them; `openfc listen` speaks the same.
 */
export const cliSubprotocol = 'stripecli-devproxy-v1';

/** openfc → CLI: one event, already signed for the session's secret. */
export interface WebhookEventMessage {
  type: 'webhook_event';
  webhook_id: string;
  webhook_conversation_id: string;
  event_payload: string;
  http_headers: Record<string, string>;
  /** `api_version` is null for the session's own version, else the version it was rendered in. */
  endpoint: { api_version: string | null };
}

/** CLI → openfc: the event arrived. */
export interface EventAckMessage {
  type: 'event_ack';
  webhook_id: string;
  webhook_conversation_id: string;
  event_id?: string;
}

/** CLI → openfc: what the forwarding target answered. */
export interface WebhookResponseMessage {
  type: 'webhook_response';
  webhook_id: string;
  webhook_conversation_id: string;
  forward_url: string;
  status: number;
  http_headers?: Record<string, string>;
  body?: string;
}

export type CliMessage = EventAckMessage | WebhookResponseMessage;

export function webhookEventMessage(
  payload: string,
  headers: Record<string, string>,
  apiVersion: string | null,
): WebhookEventMessage {
  return {
    type: 'webhook_event',
    webhook_id: newSecret('wh_', 24),
    webhook_conversation_id: newSecret('wc_', 24),
    event_payload: payload,
    http_headers: headers,
    endpoint: { api_version: apiVersion },
  };
}

/** A message from the CLI, or undefined for anything else. */
export function parseCliMessage(data: string): CliMessage | undefined {
  let message: unknown;
  try {
    message = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (typeof message !== 'object' || message === null) return undefined;
  const type = (message as { type?: unknown }).type;
  return type === 'event_ack' || type === 'webhook_response' ? (message as CliMessage) : undefined;
}
