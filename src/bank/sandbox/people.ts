/**
 * Seeded account holders: names, emails, phones and addresses that look real and are the same on
 * every run.
 */
import type { SandboxAccount, SandboxInstitution } from '../catalogue.ts';
import type { OwnerBody } from '../wire.ts';
import { type Random, random } from './prng.ts';

const firstNames = [
  'Ada',
  'Grace',
  'Alan',
  'Katherine',
  'Linus',
  'Margaret',
  'Dennis',
  'Barbara',
  'Ken',
  'Frances',
];
const lastNames = [
  'Lovelace',
  'Hopper',
  'Turing',
  'Johnson',
  'Torvalds',
  'Hamilton',
  'Ritchie',
  'Liskov',
  'Thompson',
];
const streets = [
  'Main St',
  'Oak Ave',
  'Maple Dr',
  'Cedar Ln',
  'Elm St',
  'Pine Rd',
  'Washington Blvd',
  'Lake Shore Dr',
];
const cities = [
  ['Springfield', 'IL', '62701'],
  ['Austin', 'TX', '78701'],
  ['Portland', 'OR', '97201'],
  ['Columbus', 'OH', '43215'],
  ['Raleigh', 'NC', '27601'],
  ['Denver', 'CO', '80202'],
] as const;

interface Household {
  lastName: string;
  address: string;
}

function household(rng: Random): Household {
  const [city, state, zip] = rng.pick(cities);
  return {
    lastName: rng.pick(lastNames),
    address: `${rng.int(10, 9999)} ${rng.pick(streets)}, ${city}, ${state} ${zip}`,
  };
}

function person(rng: Random, home: Household): OwnerBody {
  const first = rng.pick(firstNames);
  return {
    name: `${first} ${home.lastName}`,
    email: `${first}.${home.lastName}@example.com`.toLowerCase(),
    phone: `+1${rng.int(201, 989)}555${rng.digits(4)}`,
    address: home.address,
  };
}

/**
 * The owners the bank reports for an account. At "Ownership Accounts" each account stands for an
 * ownership state: one complete owner, joint owners with gaps in what the bank knows, no owner data
 * at all, and a bare name.
 */
export function ownersOf(institution: SandboxInstitution, account: SandboxAccount): OwnerBody[] {
  const rng = random(`owners:${account.accountNumber}`);
  const home = household(rng);
  const first = person(rng, home);
  if (institution.behaviour !== 'ownership_states') return [first];
  switch (account.key) {
    case 'checking-joint-owners':
      return [
        first,
        { ...person(rng, home), email: null },
        { ...person(rng, home), phone: null, address: null },
      ];
    case 'savings-no-owner-data':
      return [];
    case 'credit-card':
      return [{ name: first.name, email: null, phone: null, address: null }];
    default:
      return [first];
  }
}
