import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Catalogue } from '../../src/api/catalogue.ts';
import { defineResource } from '../../src/api/resource.ts';
import { catalogue } from '../../src/api/resources.ts';
import { applyExpand, checkExpand } from '../../src/api/wire/expand.ts';
import { idKind, newId } from '../../src/domain/ids.ts';
// Loads every domain module, as a running openfc does: each declares the id kinds it issues.
import '../../src/services.ts';

describe('resource catalogue', () => {
  test('two resources describing one object type are refused', () => {
    const one = defineResource({ object: 'widget', render: () => ({}) });
    const two = defineResource({ object: 'widget', render: () => ({}) });
    assert.throws(() => new Catalogue([one, two]), /two resources describe 'widget'/);
  });

  test('an expandable field must point at a type some resource finds by id', () => {
    const widget = defineResource({ object: 'widget', expandable: { gadget: 'gadget' } });
    assert.throws(() => new Catalogue([widget]), /'widget.gadget' expands to 'gadget'/);
    const gadget = defineResource({ object: 'gadget', find: async () => undefined });
    assert.deepEqual(new Catalogue([widget, gadget]).expand.fields, { widget: { gadget: 'gadget' } });
  });

  test('a field of several kinds expands to each of them, and every one must be found by id', async () => {
    const find = (object: string) => async (_services: unknown, _merchant: unknown, id: string) =>
      id.startsWith(object) ? { id } : undefined;
    const render = (object: string) => (record: unknown) => ({ ...(record as object), object });
    const entry = defineResource({ object: 'entry', expandable: { source: ['gadget', 'widget'] } });
    assert.throws(() => new Catalogue([entry]), /'entry.source' expands to 'gadget'/);
    const gadget = defineResource({ object: 'gadget', find: find('gadget'), render: render('gadget') });
    assert.throws(() => new Catalogue([entry, gadget]), /'entry.source' expands to 'widget'/);
    const widget = defineResource({
      object: 'widget',
      find: find('widget'),
      render: render('widget'),
      expandable: { part: 'gadget' },
    });
    const both = new Catalogue([entry, gadget, widget]);
    const load = both.loader(undefined as never, undefined as never, undefined as never);
    const widgetEntry = { object: 'entry', source: 'widget_1' };
    await applyExpand(both.expand, widgetEntry, ['source'], load);
    assert.deepEqual(widgetEntry, { object: 'entry', source: { id: 'widget_1', object: 'widget' } });
    const gadgetEntry = { object: 'entry', source: 'gadget_1' };
    await applyExpand(both.expand, gadgetEntry, ['source'], load);
    assert.deepEqual(gadgetEntry.source, { id: 'gadget_1', object: 'gadget' });
    // A deeper path is accepted when it applies to one of the kinds.
    checkExpand(both.expand, 'entry', ['source.part']);
    assert.throws(() => checkExpand(both.expand, 'entry', ['source.nothing']), /cannot be expanded/);
  });

  test('every route is served once, and every expandable field of openfc has a loader', () => {
    const keys = catalogue.routes.map((r) => `${r.method} ${r.url}`);
    assert.equal(new Set(keys).size, keys.length);
    assert.ok(keys.includes('GET /v1/payment_intents/:intent'));
    assert.equal(catalogue.expand.fields.payment_intent?.latest_charge, 'charge');
  });

  test('rendering a type no resource renders is an error, not a silent empty object', () => {
    assert.throws(
      () => catalogue.render('no_such_object', {}, { version: undefined as never, keyKind: 'secret' }),
      /no resource renders 'no_such_object'/,
    );
  });
});

describe('id kinds', () => {
  test('a prefix is declared once', () => {
    const kind = idKind('catalogueprobe');
    assert.match(newId(kind), /^catalogueprobe_[0-9A-Za-z]{24}$/);
    assert.throws(() => idKind('catalogueprobe'), /declared twice/);
    // openfc's own kinds are declared where their records live.
    for (const prefix of ['cus', 'fca', 'pi', 'evt', 'whdel']) {
      assert.throws(() => idKind(prefix), /declared twice/, prefix);
    }
  });
});
