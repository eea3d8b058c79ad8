import { cliSessionTtlSeconds } from '../../webhooks/cli-sessions.ts';
import { arrayOf, oneOf, str } from '../wire/params.ts';
import { defineRoute } from '../wire/route.ts';
import { apiVersions } from '../wire/versions.ts';

/** Where CLI sessions open their websocket. */
export const cliWebsocketPath = '/v1/stripecli/websocket';

/** The only websocket feature openfc serves: events, sent as webhooks. */
export const webhooksFeature = 'webhooks';

/** openfc's newest API version, which `stripe listen --latest` asks events to be rendered with. */
export const latestApiVersion = Object.keys(apiVersions).at(-1) as string;

/** How often the CLI replaces its connection, kept well inside the websocket id's lifetime. */
const reconnectDelaySeconds = Math.floor(cliSessionTtlSeconds / 2);

export const stripeCliRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/stripecli/sessions',
    returns: 'stripecli_session',
    params: {
      device_name: str(200).optional(),
      websocket_features: arrayOf(oneOf([webhooksFeature]))
        .max(5)
        .optional(),
      forward_to_url: str(2048).optional(),
      forward_connect_to_url: str(2048).optional(),
      forward_thin_to_url: str(2048).optional(),
      forward_thin_connect_to_url: str(2048).optional(),
      filters: str().optional(),
    },
    async handle(ctx) {
      const { merchant, version } = ctx;
      // A session that asked for a version of its own gets events in it; otherwise in the
      // account's default, and also in the latest version for `stripe listen --latest`.
      const ownVersion = version.name !== merchant.defaultApiVersion;
      const websocketId = ctx.services.cliSessions.issue(
        merchant.id,
        version.name,
        !ownVersion && latestApiVersion !== version.name,
      );
      const origin = ctx.origin.replace(/^http/, 'ws');
      return {
        object: 'stripecli_session',
        default_version: version.name,
        display_connect_filter_warning: false,
        latest_version: ownVersion ? version.name : latestApiVersion,
        reconnect_delay: reconnectDelaySeconds,
        secret: ctx.services.cliSessions.signingSecret(merchant.id),
        websocket_authorized_feature: webhooksFeature,
        websocket_id: websocketId,
        websocket_url: `${origin}${cliWebsocketPath}`,
      };
    },
  }),
];
