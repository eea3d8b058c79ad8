import type { Merchant } from '../domain/merchants/service.ts';
import type { Services } from '../services.ts';
import type { Reader, Resource } from './resource.ts';
import type { ExpandLoader, ExpandSchema, ExpandTarget, Json, Returns } from './wire/expand.ts';
import type { Route } from './wire/route.ts';

/** What the resources describe, put together: every route, every renderer, every loader. */
export class Catalogue {
  readonly routes: readonly Route[];
  readonly expand: ExpandSchema;
  private readonly byObject = new Map<string, Resource>();

  constructor(resources: readonly Resource[]) {
    const routes: Route[] = [];
    const fields: Record<string, Readonly<Record<string, ExpandTarget>>> = {};
    const lists: Record<string, Readonly<Record<string, string>>> = {};
    for (const resource of resources) {
      routes.push(...(resource.routes ?? []));
      const { object } = resource;
      if (object === undefined) continue;
      if (this.byObject.has(object)) throw new Error(`two resources describe '${object}'`);
      this.byObject.set(object, resource);
      if (resource.expandable) fields[object] = resource.expandable;
      if (resource.lists) lists[object] = resource.lists;
    }
    for (const [object, table] of Object.entries(fields)) {
      for (const [field, targets] of Object.entries(table)) {
        for (const target of typeof targets === 'string' ? [targets] : targets) {
          if (!this.byObject.get(target)?.find) {
            throw new Error(`'${object}.${field}' expands to '${target}', which no resource finds by id`);
          }
        }
      }
    }
    this.routes = routes;
    this.expand = { fields, lists };
  }

  /** Renders a record of the given object type; events keep records of every type they name. */
  render(object: string, record: unknown, reader: Reader): Json {
    const render = this.byObject.get(object)?.render;
    if (!render) throw new Error(`no resource renders '${object}'`);
    return render(record, reader, this);
  }

  /** Loads what `expand[]` names, limited to what the merchant can see. */
  loader(services: Services, merchant: Merchant, reader: Reader): ExpandLoader {
    return async (object, id) => {
      const resource = this.byObject.get(object);
      const record = await resource?.find?.(services, merchant, id);
      return record === undefined ? undefined : resource?.render?.(record, reader, this);
    };
  }

  /**
   * Renders, as a retrieve would, the object that a request committed before its process died
   * unanswered; undefined when it cannot be told (no request answers with a list).
   */
  async committed(
    services: Services,
    merchant: Merchant,
    reader: Reader,
    returns: Returns,
    id: string | null,
  ): Promise<Json | undefined> {
    if (typeof returns !== 'string') return undefined;
    const resource = this.byObject.get(returns);
    if (!resource?.get || !resource.render) return undefined;
    // A resource of one per merchant (the sandbox clock) is found without an id.
    if (id === null && !resource.singleton) return undefined;
    return resource.render(await resource.get(services, merchant, id ?? ''), reader, this);
  }
}
