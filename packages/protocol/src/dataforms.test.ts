import { describe, expect, it } from 'vitest';
import { buildDataForm, formBoolean, formRows, formTable, formType, formValue, formValues, parseDataForm } from './dataforms.ts';
import type { DataForm } from './dataforms.ts';
import { StanzaError } from './errors.ts';
import { parseXml } from './xml.ts';

const X = 'xmlns="jabber:x:data"';

describe('data forms', () => {
  const form: DataForm = {
    type: 'form',
    title: 'Bot Configuration',
    instructions: ['Fill out this form', 'to configure your new bot!'],
    fields: [
      { var: 'FORM_TYPE', type: 'hidden', values: ['jabber:bot'] },
      { type: 'fixed', values: ['Section 1: Bot Info'] },
      { var: 'botname', type: 'text-single', label: 'The name of your bot', values: [] },
      { var: 'public', type: 'boolean', label: 'Public bot?', required: true, values: ['0'] },
      {
        var: 'features',
        type: 'list-multi',
        label: 'Features',
        desc: 'pick some',
        values: ['news', 'search'],
        options: [{ label: 'News', value: 'news' }, { value: 'search' }],
      },
      { var: 'invitelist', type: 'jid-multi', values: ['a@b', 'c@d'] },
    ],
  };

  it('round-trips', () => {
    const el = buildDataForm(form);
    expect(el.attrs).toEqual({ xmlns: 'jabber:x:data', type: 'form' });
    expect(parseDataForm(el)).toEqual(form);
    expect(parseDataForm(parseXml(el.toString()))).toEqual(form);
  });
  it('serializes fields in XEP-0004 shape', () => {
    const el = buildDataForm({ type: 'submit', fields: [{ var: 'x', type: 'list-single', required: true, values: ['1'], options: [{ label: 'One', value: '1' }] }] });
    expect(el.toString()).toBe(`<x ${X} type="submit"><field var="x" type="list-single"><required/><value>1</value><option label="One"><value>1</value></option></field></x>`);
  });
  it('accessors', () => {
    expect(formType(form)).toBe('jabber:bot');
    expect(formValue(form, 'public')).toBe('0');
    expect(formBoolean(form, 'public')).toBe(false);
    expect(formBoolean(form, 'nope')).toBeUndefined();
    expect(formValue(form, 'botname')).toBeUndefined();
    expect(formValues(form, 'invitelist')).toEqual(['a@b', 'c@d']);
    expect(formValues(form, 'nope')).toEqual([]);
  });
  it('multi-item results', () => {
    const r: DataForm = {
      type: 'result',
      fields: [],
      reported: [{ var: 'name', label: 'Name', values: [] }],
      items: [[{ var: 'name', values: ['a'] }], [{ var: 'name', values: ['b'] }]],
    };
    expect(parseDataForm(buildDataForm(r))).toEqual(r);
  });
  it.each([
    [`<x xmlns="urn:other" type="form"/>`, 'wrong namespace'],
    [`<y ${X} type="form"/>`, 'wrong name'],
    [`<x ${X}/>`, 'no type'],
    [`<x ${X} type="bogus"/>`, 'bad type'],
    [`<x ${X} type="form"><field type="text-single"/></x>`, 'field without var'],
    [`<x ${X} type="form"><field var="a" type="nonsense"/></x>`, 'unknown field type'],
    [`<x ${X} type="form"><field var="a"/><field var="a"/></x>`, 'duplicate var'],
    [`<x ${X} type="form"><field var="a" type="text-single"><value>1</value><value>2</value></field></x>`, 'two values in single field'],
    [`<x ${X} type="form"><field var="a" type="boolean"><value>yes</value></field></x>`, 'bad boolean'],
    [`<x ${X} type="form"><field var="a" type="list-single"><option/></field></x>`, 'option without value'],
  ])('rejects %s (%s)', (text) => {
    expect(() => parseDataForm(parseXml(text))).toThrow(StanzaError);
    try {
      parseDataForm(parseXml(text));
    } catch (e) {
      expect((e as StanzaError).condition).toBe('bad-request');
    }
  });
  it('ignores unknown field children and accepts untyped fields', () => {
    const f = parseDataForm(parseXml(`<x ${X} type="submit"><field var="a"><validate xmlns="http://jabber.org/protocol/xdata-validate"/><value>v</value></field></x>`));
    expect(f.fields).toEqual([{ var: 'a', values: ['v'] }]);
  });
});

describe('multi-item results (XEP-0004 §3.4)', () => {
  it('builds a table that parses back to the same rows', () => {
    const table = formTable([{ var: 'jid', label: 'Account' }, { var: 'reason', label: 'Why' }], [
      { jid: 'a@example.org', reason: 'spam' },
      { jid: 'b@example.org', reason: ['two', 'lines'] },
      { jid: 'c@example.org' },
    ]);
    const parsed = parseDataForm(buildDataForm({ type: 'result', fields: [], ...table }));
    expect(parsed.reported?.map((f) => [f.var, f.label])).toEqual([['jid', 'Account'], ['reason', 'Why']]);
    expect(formRows(parsed)).toEqual([
      { jid: ['a@example.org'], reason: ['spam'] },
      { jid: ['b@example.org'], reason: ['two', 'lines'] },
      { jid: ['c@example.org'], reason: [] },
    ]);
    expect(formRows({ type: 'result', fields: [] })).toEqual([]);
  });
});
