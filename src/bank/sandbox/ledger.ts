/**
 * Seeded balances and transactions. Each calendar day of an account has its own seed, so history
 * never changes as the bank's clock moves and two bank processes report the same transactions.
 */
import { createHash } from 'node:crypto';
import type { SandboxAccount } from '../catalogue.ts';
import type { BalanceBody, TransactionBody } from '../wire.ts';
import { type Random, random } from './prng.ts';

const day = 86_400;
export const historyDays = 90;

interface Kind {
  description: string;
  min: number; // dollars
  max: number;
  sign: 1 | -1;
}

const spending: Kind[] = [
  { description: 'Blue Bottle Coffee', min: 3, max: 9, sign: -1 },
  { description: 'Whole Foods Market', min: 20, max: 180, sign: -1 },
  { description: 'Shell Gas Station', min: 25, max: 75, sign: -1 },
  { description: 'Amazon Marketplace', min: 10, max: 250, sign: -1 },
  { description: 'Corner Bistro', min: 15, max: 120, sign: -1 },
  { description: 'CVS Pharmacy', min: 5, max: 60, sign: -1 },
  { description: 'City Water & Power', min: 60, max: 200, sign: -1 },
  { description: 'Netflix Subscription', min: 9, max: 20, sign: -1 },
  { description: 'ATM Withdrawal', min: 20, max: 200, sign: -1 },
  { description: 'Uber Trip', min: 8, max: 45, sign: -1 },
];
const payroll: Kind = { description: 'ACME Corp Payroll', min: 1500, max: 3500, sign: 1 };
const toSavings: Kind = { description: 'Transfer from Checking', min: 50, max: 500, sign: 1 };
const interest: Kind = { description: 'Interest Payment', min: 1, max: 40, sign: 1 };
const cardPayment: Kind = { description: 'Payment - Thank You', min: 100, max: 1500, sign: 1 };
const loanPayment: Kind = { description: 'Scheduled Payment', min: 400, max: 2500, sign: 1 };
const loanInterest: Kind = { description: 'Interest Charge', min: 50, max: 900, sign: -1 };

/** What happens on one day of an account's life. */
function dayKinds(account: SandboxAccount, dayIndex: number, rng: Random): Kind[] {
  const kinds: Kind[] = [];
  switch (account.subcategory) {
    case 'checking':
      if (dayIndex % 14 === 0) kinds.push(payroll);
      for (let n = rng.int(1, 2); n > 0; n--) kinds.push(rng.pick(spending));
      break;
    case 'savings':
      if (dayIndex % 7 === 3) kinds.push(toSavings);
      if (dayIndex % 30 === 0) kinds.push(interest);
      break;
    case 'credit_card':
      if (dayIndex % 30 === 10) kinds.push(cardPayment);
      for (let n = rng.int(1, 2) - rng.int(0, 1); n > 0; n--) kinds.push(rng.pick(spending));
      break;
    case 'line_of_credit':
    case 'mortgage':
      if (dayIndex % 30 === 1) kinds.push(loanPayment, loanInterest);
      break;
    case 'other':
      break;
  }
  return kinds;
}

function transactionId(account: SandboxAccount, dayIndex: number, n: number): string {
  const hash = createHash('sha256').update(`${account.accountNumber}:${dayIndex}:${n}`).digest('hex');
  return `txn_${hash.slice(0, 20)}`;
}

/**
 * The account's transactions of the last 90 days as of `now`, newest first. A transaction is
 * pending until its posting delay (one to two days) has passed. With `since`, only the ones that
 * appeared or posted at or after that time.
 */
export function transactionsOf(account: SandboxAccount, now: number, since?: number): TransactionBody[] {
  const out: TransactionBody[] = [];
  const today = Math.floor(now / day);
  for (let d = today - historyDays; d <= today; d++) {
    const rng = random(`txn:${account.accountNumber}:${d}`);
    dayKinds(account, d, rng).forEach((kind, n) => {
      const transactedAt = d * day + rng.int(6 * 3600, 22 * 3600);
      const postedAt = transactedAt + rng.int(day, 2 * day);
      const amount = kind.sign * rng.int(kind.min * 100, kind.max * 100);
      if (transactedAt > now || transactedAt < now - historyDays * day) return;
      const posted = postedAt <= now;
      const changedAt = posted ? postedAt : transactedAt;
      if (since !== undefined && changedAt < since) return;
      out.push({
        id: transactionId(account, d, n),
        amount,
        currency: account.currency,
        description: kind.description,
        status: posted ? 'posted' : 'pending',
        transacted_at: transactedAt,
        posted_at: posted ? postedAt : null,
      });
    });
  }
  return out.sort((a, b) => b.transacted_at - a.transacted_at || a.id.localeCompare(b.id));
}

/** Positive amounts are owed to the holder; debts are negative, as Stripe reports them. */
export function balanceOf(account: SandboxAccount, now: number): BalanceBody {
  const rng = random(`balance:${account.accountNumber}`);
  const cents = (min: number, max: number) => rng.int(min * 100, max * 100);
  const common = { as_of: now, currency: account.currency };
  switch (account.subcategory) {
    case 'checking':
    case 'savings':
    case 'other': {
      const current = account.subcategory === 'savings' ? cents(5_000, 60_000) : cents(1_000, 12_000);
      return { type: 'cash', ...common, current, available: current - cents(0, 200) };
    }
    case 'credit_card':
    case 'line_of_credit':
    case 'mortgage': {
      const range = {
        credit_card: [200, 5_000],
        line_of_credit: [1_000, 20_000],
        mortgage: [150_000, 450_000],
      };
      const [min, max] = range[account.subcategory] as [number, number];
      const used = cents(min, max);
      return { type: 'credit', ...common, current: -used, used };
    }
  }
}
