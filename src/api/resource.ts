import type { KeyKind, Merchant } from '../domain/merchants/service.ts';
import type { Services } from '../services.ts';
import type { Catalogue } from './catalogue.ts';
import type { ExpandTarget, Json } from './wire/expand.ts';
import type { Route } from './wire/route.ts';
import type { ApiVersion } from './wire/versions.ts';

/** Who an object is rendered for: a publishable key and older API versions see less. */
export interface Reader {
  version: ApiVersion;
  keyKind: KeyKind;
}

/**
 * One kind of API object, described in one place: the routes that serve it, how its record
 * renders, how it is found by id (for `expand[]`, and for answering a request that committed it
 * and died unanswered), and which of its fields hold ids that `expand[]` may follow.
 */
export interface Resource<R = unknown> {
  /** Stripe's `object` value; groups of routes with no object of their own leave it out. */
  object?: string;
  routes?: readonly Route[];
  /** `catalogue` renders what the record holds of other types (an event's object). */
  render?(record: R, reader: Reader, catalogue: Catalogue): Json;
  /** The record as a retrieve finds it: a missing one is the retrieve's own error. */
  get?(services: Services, merchant: Merchant, id: string): Promise<R>;
  /** The record if the merchant can see it, for `expand[]`. */
  find?(services: Services, merchant: Merchant, id: string): Promise<R | undefined>;
  /** Dot paths of fields that hold an expandable id, and the object type (or types) each points at. */
  expandable?: Readonly<Record<string, ExpandTarget>>;
  /** One per merchant, found without an id (the sandbox clock). */
  singleton?: boolean;
  /** Fields holding an embedded list that `expand[]` may walk into through `data`: item types. */
  lists?: Readonly<Record<string, string>>;
}

/** A resource, typed by its record where it is written and stored untyped in the catalogue. */
export function defineResource<R>(resource: Resource<R>): Resource {
  return resource as Resource;
}
