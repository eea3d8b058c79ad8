/** Stripe's `billing_details` of a PaymentMethod. */
export interface Address {
  city: string | null;
  country: string | null;
  line1: string | null;
  line2: string | null;
  postal_code: string | null;
  state: string | null;
}

export interface BillingDetails {
  address: Address | null;
  email: string | null;
  name: string | null;
  phone: string | null;
}

/** What a caller sends: `null` clears a field, `undefined` leaves it. */
export interface BillingDetailsInput {
  address?: Partial<Record<keyof Address, string | null | undefined>> | null | undefined;
  email?: string | null | undefined;
  name?: string | null | undefined;
  phone?: string | null | undefined;
}

const addressFields = ['city', 'country', 'line1', 'line2', 'postal_code', 'state'] as const;
const emptyAddress: Address = {
  city: null,
  country: null,
  line1: null,
  line2: null,
  postal_code: null,
  state: null,
};

function pick<T>(current: T, given: T | undefined): T {
  return given === undefined ? current : given;
}

/** Applies an update the way Stripe does: fields sent replace, fields left out stay. */
export function mergeBillingDetails(
  current: BillingDetails | undefined,
  input: BillingDetailsInput | undefined,
): BillingDetails {
  const base = current ?? { address: null, email: null, name: null, phone: null };
  if (!input) return base;
  let address = base.address;
  if (input.address === null) address = null;
  else if (input.address !== undefined) {
    const from = base.address ?? emptyAddress;
    const given = input.address;
    address = Object.fromEntries(
      addressFields.map((f) => [f, pick(from[f], given[f])]),
    ) as unknown as Address;
  }
  return {
    address,
    email: pick(base.email, input.email),
    name: pick(base.name, input.name),
    phone: pick(base.phone, input.phone),
  };
}
