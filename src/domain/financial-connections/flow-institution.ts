import type { SandboxInstitution } from '../../bank/catalogue.ts';

/** An institution as the holder's flow shows it. */
export interface FlowInstitution {
  id: string;
  name: string;
  url: string | null;
  login: 'oauth' | 'credentials' | 'none';
  status: 'up' | 'down';
  expected_available_at: number | null;
}

export function flowInstitution(institution: SandboxInstitution): FlowInstitution {
  const availability = institution.availability;
  return {
    id: institution.id,
    name: institution.name,
    url: institution.url,
    login: institution.auth,
    status: availability.kind === 'up' ? 'up' : 'down',
    expected_available_at:
      availability.kind === 'down_scheduled'
        ? Math.floor(Date.now() / 1000) + availability.availableAfterSeconds
        : null,
  };
}
