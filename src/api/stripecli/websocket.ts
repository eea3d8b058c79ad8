import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { WebSocketServer } from 'ws';
import type { Services } from '../../services.ts';
import type { Catalogue } from '../catalogue.ts';
import { ResumePoints, serveCliConnection } from './connection.ts';
import { cliSubprotocol } from './messages.ts';
import { cliWebsocketPath, webhooksFeature } from './sessions.ts';

/** The CLI reads `error.message` of a refused upgrade; this one makes it ask for a new session. */
const unknownIdMessage = 'Unknown WebSocket ID.';

function refuse(socket: Duplex, status: number, reason: string, message: string): void {
  const body = JSON.stringify({ error: { type: 'invalid_request_error', message } });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The websocket that `stripe listen` and `openfc listen` connect to. The session's websocket id
 * comes in the `Websocket-Id` header; the URL carries only the feature.
 */
export function attachCliWebsocket(app: FastifyInstance, services: Services, catalogue: Catalogue): void {
  // Made at the first connection: a server no CLI connects to does not load the websocket code.
  let server: Promise<WebSocketServer> | undefined;
  const made = () =>
    (server ??= import('ws').then(
      ({ WebSocketServer }) =>
        new WebSocketServer({
          noServer: true,
          maxPayload: 1024 * 1024,
          handleProtocols: (protocols) => (protocols.has(cliSubprotocol) ? cliSubprotocol : false),
        }),
    ));
  const resumePoints = new ResumePoints();

  app.server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? '/', 'http://openfc');
    if (url.pathname !== cliWebsocketPath) {
      refuse(socket, 404, 'Not Found', `Unrecognized request URL (GET: ${url.pathname}).`);
      return;
    }
    const claims = services.cliSessions.open(header(request, 'websocket-id'));
    if (!claims) {
      refuse(socket, 400, 'Bad Request', unknownIdMessage);
      return;
    }
    const feature = url.searchParams.get('websocket_feature');
    if (feature !== webhooksFeature) {
      refuse(socket, 400, 'Bad Request', `Invalid websocket_feature: only '${webhooksFeature}' is served.`);
      return;
    }
    made().then(
      (wss) =>
        wss.handleUpgrade(request, socket, head, (ws) => {
          serveCliConnection(ws, claims, services, catalogue, resumePoints, app.log);
        }),
      (err: unknown) => {
        app.log.error({ err }, 'the CLI websocket server could not start');
        socket.destroy();
      },
    );
  });

  app.addHook('preClose', async () => {
    // Nothing to close when no CLI connected, or when the server could not be made.
    const wss = await server?.catch(() => undefined);
    if (!wss) return;
    for (const client of wss.clients) client.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  });
}
