/** Which institution a request names, and whether that institution answers at all right now. */
import { findInstitution, type SandboxInstitution } from '../catalogue.ts';
import { BankError } from './errors.ts';

export function institutionOrThrow(idOrName: unknown): SandboxInstitution {
  const institution = typeof idOrName === 'string' ? findInstitution(idOrName) : undefined;
  if (!institution) throw new BankError('invalid_request', 'Unknown or missing institution.');
  return institution;
}

/** Down banks refuse every call: a known window, no information, or an internal error. */
export function assertAvailable(institution: SandboxInstitution, now: number): void {
  const availability = institution.availability;
  switch (availability.kind) {
    case 'up':
      return;
    case 'down_scheduled':
      throw new BankError(
        'institution_unavailable',
        `${institution.name} is down for scheduled maintenance.`,
        {
          expectedAvailableAt: now + availability.availableAfterSeconds,
        },
      );
    case 'down_unscheduled':
      throw new BankError('institution_unavailable', `${institution.name} is unavailable.`);
    case 'down_error':
      throw new BankError('server_error', `${institution.name} failed unexpectedly.`);
  }
}
