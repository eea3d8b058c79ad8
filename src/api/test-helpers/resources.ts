import type { Merchant } from '../../domain/merchants/service.ts';
import type { SandboxClock } from '../../domain/sandbox-clock/clocks.ts';
import { defineResource } from '../resource.ts';
import { financialConnectionsTestHelperRoutes } from './financial-connections.ts';
import { renderClock } from './render.ts';
import { sandboxClockRoutes } from './sandbox-clock.ts';
import { simulateRoutes } from './simulate.ts';

/** A merchant's sandbox clock: one per merchant, so it is found without an id. */
export const sandboxClockResource = defineResource<{ clock: SandboxClock; merchant: Merchant }>({
  object: 'test_helpers.sandbox_clock',
  routes: sandboxClockRoutes,
  singleton: true,
  render: ({ clock, merchant }) => renderClock(clock, merchant),
  get: async (services, merchant) => ({ clock: await services.clocks.get(merchant.id), merchant }),
});

/** The test helpers that make bank-side facts happen: they answer with objects of other types. */
export const testHelperResource = defineResource({
  routes: [...financialConnectionsTestHelperRoutes, ...simulateRoutes],
});
