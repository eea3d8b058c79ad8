import { parseArgs } from 'node:util';
import { ConfigError } from '../config.ts';
import { ApiClient, resolveTarget } from './api-client.ts';
import { scenarios } from './scenarios.ts';

/** Scenarios use the relink surface (authorizations, relink sessions): a preview API version. */
const scenarioApiVersion = '2026-03-04.preview';
const eventWaitMs = 15_000;

export const triggerUsage = `openfc trigger: cause an event through the real lifecycle, over the API

Usage:
  openfc trigger <event type> [--api-key sk_test_…] [--api-base http://127.0.0.1:4242]

Event types:
${Object.keys(scenarios)
  .map((type) => `  ${type}`)
  .join('\n')}`;

/** A usage error that ends the command with exit code 2. */
export class UnknownEventType extends ConfigError {}

export async function triggerCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: {
      'api-key': { type: 'string' },
      'api-base': { type: 'string' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const type = positionals[0];
  if (values.help || type === undefined) {
    console.log(triggerUsage);
    if (type === undefined && !values.help) process.exitCode = 2;
    return;
  }
  const scenario = scenarios[type];
  if (!scenario || positionals.length > 1) {
    throw new UnknownEventType(`Unknown event type '${positionals.join(' ')}'.\n\n${triggerUsage}`);
  }
  const target = resolveTarget({
    apiKey: values['api-key'],
    apiBase: values['api-base'],
    dataDir: values['data-dir'],
  });
  const api = new ApiClient(target, scenarioApiVersion);
  const since = Math.floor(Date.now() / 1000) - 1;
  const say = (line: string) => console.log(line);
  const { objects, account } = await scenario(api, say);
  const eventsOf = account ? api.actingAs(account) : api;
  // Some events come when work that goes on after the response ends (a refresh): wait a little.
  const deadline = Date.now() + eventWaitMs;
  let events: Array<{ id: string; data: { object: { id: string } } }> = [];
  for (;;) {
    const listed = await eventsOf.get('/v1/events', { type, created: { gte: since }, limit: 100 });
    events = (listed.data as typeof events).filter((e) => objects.includes(e.data.object.id));
    if (events.length > 0 || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  if (events.length === 0) {
    throw new Error(`The scenario ran, but no ${type} event appeared for ${objects.join(', ')}.`);
  }
  for (const event of events.reverse()) {
    console.log(`Trigger succeeded: ${event.id} ${type} (${event.data.object.id})`);
  }
}
