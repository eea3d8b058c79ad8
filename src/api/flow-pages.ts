/**
 * The browser side of openfc, as `npm run build` left it in dist/: the flow app (modal page, hosted
 * page, hashed assets) and the client library. Read once at start: a handful of small files.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

interface Built {
  index: Buffer;
  assets: Map<string, Buffer>;
  client: { js: Buffer; mjs: Buffer };
}

const types: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/** The page loads its own scripts, styles and API only; no inline code, no plugins. */
const csp = (frameAncestors: string) =>
  `default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors ${frameAncestors}`;

const pageHeaders = {
  'content-type': 'text/html; charset=utf-8',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

/**
 * dist/ next to the running module: `src/api/` when tests run the sources, `dist/` itself when the
 * CLI runs the bundle.
 */
function distFolder(): string | undefined {
  const candidates = [new URL('./', import.meta.url), new URL('../../dist/', import.meta.url)];
  return candidates
    .map((url) => fileURLToPath(url))
    .find((dir) => existsSync(join(dir, 'flow', 'index.html')));
}

function load(dist: string | undefined): Built | undefined {
  if (!dist || !existsSync(join(dist, 'flow', 'index.html'))) return undefined;
  const assetsDir = join(dist, 'flow', 'assets');
  const assets = new Map(
    readdirSync(assetsDir).map((name) => [name, readFileSync(join(assetsDir, name))] as const),
  );
  return {
    index: readFileSync(join(dist, 'flow', 'index.html')),
    assets,
    client: {
      js: readFileSync(join(dist, 'client', 'openfc.js')),
      mjs: readFileSync(join(dist, 'client', 'openfc.mjs')),
    },
  };
}

const notBuilt = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Not available</title></head>
<body><h1>The account holder's flow is not available</h1>
<p>This openfc was started without its browser files. Run <code>npm run build</code> and restart it.</p></body></html>`;

function unavailable(reply: FastifyReply) {
  return reply.code(503).headers(pageHeaders).header('cache-control', 'no-store').send(notBuilt);
}

/** `dist`: where the build is; found next to the running module unless given. */
export function registerFlowPages(app: FastifyInstance, dist = distFolder()): void {
  const built = load(dist);

  app.get('/flow/', async (_request, reply) => {
    if (!built) return unavailable(reply);
    // Merchants' pages frame this page (the modal), so any ancestor may frame it.
    return reply
      .headers(pageHeaders)
      .header('content-security-policy', csp('*'))
      .header('cache-control', 'no-cache')
      .send(built.index);
  });

  app.get('/hosted/fc/:token', async (_request, reply) => {
    if (!built) return unavailable(reply);
    // The link's token is in this URL: never cached, never sent on as a referrer, never framed.
    return reply
      .headers(pageHeaders)
      .header('content-security-policy', csp("'none'"))
      .header('x-frame-options', 'DENY')
      .header('cache-control', 'no-store')
      .send(built.index);
  });

  app.get<{ Params: { name: string } }>('/flow/assets/:name', async (request, reply) => {
    const body = built?.assets.get(request.params.name);
    if (!body) return reply.code(404).type('text/plain; charset=utf-8').send('Not found');
    return reply
      .type(types[extname(request.params.name)] ?? 'application/octet-stream')
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'public, max-age=31536000, immutable')
      .send(body);
  });

  for (const [path, pick] of [
    ['/js/v1/openfc.js', (b: Built) => b.client.js],
    ['/js/v1/openfc.mjs', (b: Built) => b.client.mjs],
  ] as const) {
    app.get(path, async (_request, reply) => {
      if (!built) return unavailable(reply);
      return (
        reply
          .type(types['.js'] as string)
          .header('x-content-type-options', 'nosniff')
          // Merchants' pages load it cross-origin, the module build with CORS.
          .header('access-control-allow-origin', '*')
          .header('cache-control', 'public, max-age=300')
          .send(pick(built))
      );
    });
  }
}
