/**
 * The web apps `npm run build` leaves in dist/ (the flow, the dashboard): each an index page and
 * content-hashed assets, read once at start.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

export interface BuiltApp {
  index: Buffer;
  assets: Map<string, Buffer>;
}

export const assetTypes: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/** The page loads its own scripts, styles and API only; no inline code, no plugins. */
export const pageCsp = (frameAncestors: string) =>
  `default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors ${frameAncestors}`;

export const pageHeaders = {
  'content-type': 'text/html; charset=utf-8',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

/**
 * dist/ next to the running module: `src/api/` when tests run the sources, `dist/` itself when the
 * CLI runs the bundle.
 */
export function distFolder(): string | undefined {
  const candidates = [new URL('./', import.meta.url), new URL('../../dist/', import.meta.url)];
  return candidates
    .map((url) => fileURLToPath(url))
    .find((dir) => existsSync(join(dir, 'flow', 'index.html')));
}

/** One app's built files (`dist/<name>/`), or undefined when it was not built. */
export function loadApp(dist: string | undefined, name: string): BuiltApp | undefined {
  if (!dist || !existsSync(join(dist, name, 'index.html'))) return undefined;
  const assetsDir = join(dist, name, 'assets');
  const assets = new Map(
    readdirSync(assetsDir).map((file) => [file, readFileSync(join(assetsDir, file))] as const),
  );
  return { index: readFileSync(join(dist, name, 'index.html')), assets };
}

/** Serves an app's hashed assets under `<prefix>/assets/`, cached for a year. */
export function serveAssets(app: FastifyInstance, prefix: string, built: BuiltApp | undefined): void {
  app.get<{ Params: { name: string } }>(`${prefix}/assets/:name`, async (request, reply) => {
    const body = built?.assets.get(request.params.name);
    if (!body) return reply.code(404).type('text/plain; charset=utf-8').send('Not found');
    return reply
      .type(assetTypes[extname(request.params.name)] ?? 'application/octet-stream')
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'public, max-age=31536000, immutable')
      .send(body);
  });
}

const notBuiltPage = (
  what: string,
) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Not available</title></head>
<body><h1>${what} is not available</h1>
<p>This openfc was started without its browser files. Run <code>npm run build</code> and restart it.</p></body></html>`;

/** The page served in place of an app that was not built. */
export function notBuilt(reply: FastifyReply, what: string) {
  return reply.code(503).headers(pageHeaders).header('cache-control', 'no-store').send(notBuiltPage(what));
}
