import type { Merchant } from '../../domain/merchants/service.ts';
import type { SandboxClock } from '../../domain/sandbox-clock/clocks.ts';
import type { Json } from '../wire/expand.ts';

/** openfc's sandbox clock object (a test helper; Stripe has none of its kind). */
export function renderClock(clock: SandboxClock, merchant: Merchant): Json {
  return {
    object: 'test_helpers.sandbox_clock',
    merchant: merchant.id,
    now: clock.now,
    offset_seconds: clock.offsetSeconds,
  };
}
