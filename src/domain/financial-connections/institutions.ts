import { findInstitution, type SandboxInstitution, sandboxInstitutions } from '../../bank/catalogue.ts';
import { resourceMissing } from '../errors.ts';
import { type Page, type PageResult, pageArray } from '../paging.ts';

/** The institutions a merchant can link, served from the sandbox catalogue. */
export class InstitutionService {
  list(page: Page): PageResult<SandboxInstitution> {
    return pageArray(sandboxInstitutions, page);
  }

  find(id: string): SandboxInstitution | undefined {
    const institution = findInstitution(id);
    return institution?.id === id ? institution : undefined;
  }

  get(id: string, param = 'institution'): SandboxInstitution {
    const institution = this.find(id);
    if (!institution) throw resourceMissing('financial_connections.institution', id, param);
    return institution;
  }

  /**
   * The holder's search: every institution of the catalogue is a test institution, so all are
   * featured; `results` are those whose name contains the query.
   */
  search(query: string): { featured: SandboxInstitution[]; results: SandboxInstitution[] } {
    const wanted = query.trim().toLowerCase();
    const results = wanted ? sandboxInstitutions.filter((i) => i.name.toLowerCase().includes(wanted)) : [];
    return { featured: [...sandboxInstitutions], results };
  }
}
