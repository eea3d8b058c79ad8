/**
 * The browser side of openfc, as `npm run build` left it in dist/: the flow app (modal page, hosted
 * page, hashed assets) and the client library. Read once at start: a handful of small files.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import {
  assetTypes,
  type BuiltApp,
  distFolder,
  loadApp,
  notBuilt,
  pageCsp,
  pageHeaders,
  serveAssets,
} from './built-pages.ts';

interface Built {
  flow: BuiltApp;
  client: { js: Buffer; mjs: Buffer };
}

function load(dist: string | undefined): Built | undefined {
  const flow = loadApp(dist, 'flow');
  if (!dist || !flow) return undefined;
  return {
    flow,
    client: {
      js: readFileSync(join(dist, 'client', 'openfc.js')),
      mjs: readFileSync(join(dist, 'client', 'openfc.mjs')),
    },
  };
}

const what = "The account holder's flow";

/** `dist`: where the build is; found next to the running module unless given. */
export function registerFlowPages(app: FastifyInstance, dist = distFolder()): void {
  const built = load(dist);

  app.get('/flow/', async (_request, reply) => {
    if (!built) return notBuilt(reply, what);
    // Merchants' pages frame this page (the modal), so any ancestor may frame it.
    return reply
      .headers(pageHeaders)
      .header('content-security-policy', pageCsp('*'))
      .header('cache-control', 'no-cache')
      .send(built.flow.index);
  });

  app.get('/hosted/fc/:token', async (_request, reply) => {
    if (!built) return notBuilt(reply, what);
    // The link's token is in this URL: never cached, never sent on as a referrer, never framed.
    return reply
      .headers(pageHeaders)
      .header('content-security-policy', pageCsp("'none'"))
      .header('x-frame-options', 'DENY')
      .header('cache-control', 'no-store')
      .send(built.flow.index);
  });

  serveAssets(app, '/flow', built?.flow);

  for (const [path, pick] of [
    ['/js/v1/openfc.js', (b: Built) => b.client.js],
    ['/js/v1/openfc.mjs', (b: Built) => b.client.mjs],
  ] as const) {
    app.get(path, async (_request, reply) => {
      if (!built) return notBuilt(reply, what);
      return (
        reply
          .type(assetTypes['.js'] as string)
          .header('x-content-type-options', 'nosniff')
          // Merchants' pages load it cross-origin, the module build with CORS.
          .header('access-control-allow-origin', '*')
          .header('cache-control', 'public, max-age=300')
          .send(pick(built))
      );
    });
  }
}
