import { maxAdvanceSeconds } from '../../domain/sandbox-clock/clocks.ts';
import { int } from '../wire/params.ts';
import { defineRoute } from '../wire/route.ts';
import { renderClock } from './render.ts';

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
