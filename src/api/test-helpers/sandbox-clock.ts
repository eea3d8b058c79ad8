import type { Merchant } from '../../domain/merchants/service.ts';
import { maxAdvanceSeconds, type SandboxClock } from '../../domain/sandbox-clock/clocks.ts';
import type { Json } from '../wire/expand.ts';
import { int } from '../wire/params.ts';
import { defineRoute } from '../wire/route.ts';

function renderClock(clock: SandboxClock, merchant: Merchant): Json {
  return {
    object: 'test_helpers.sandbox_clock',
    merchant: merchant.id,
    now: clock.now,
    offset_seconds: clock.offsetSeconds,
  };
}

/** openfc's sandbox clock, one per merchant: consents, tokens and notices follow it. */
export const sandboxClockRoutes = [
  defineRoute({
    method: 'GET',
    url: '/v1/test_helpers/sandbox_clock',
    returns: 'test_helpers.sandbox_clock',
    params: {},
    async handle(ctx) {
      return renderClock(await ctx.services.clocks.get(ctx.merchant.id), ctx.merchant);
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/test_helpers/sandbox_clock/advance',
    returns: 'test_helpers.sandbox_clock',
    params: { seconds: int(1, maxAdvanceSeconds) },
    async handle(ctx, p) {
      return renderClock(await ctx.services.simulator.advanceClock(ctx.merchant.id, p.seconds), ctx.merchant);
    },
  }),
];
