// XEP-0004 data forms.
import { xml, Element } from './xml.ts';
import { NS } from './namespaces.ts';
import { StanzaError } from './errors.ts';

export const DATA_FORM_TYPES = ['form', 'submit', 'cancel', 'result'] as const;
export type DataFormType = (typeof DATA_FORM_TYPES)[number];

export const DATA_FORM_FIELD_TYPES = [
  'boolean',
  'fixed',
  'hidden',
  'jid-multi',
  'jid-single',
  'list-multi',
  'list-single',
  'text-multi',
  'text-private',
  'text-single',
] as const;
export type DataFormFieldType = (typeof DATA_FORM_FIELD_TYPES)[number];

export interface DataFormField {
  var?: string;
  /** one of DATA_FORM_FIELD_TYPES; absent means text-single (or per the form's FORM_TYPE registry) */
  type?: string;
  label?: string;
  desc?: string;
  values: string[];
  required?: boolean;
  options?: { label?: string; value: string }[];
}

export interface DataForm {
  type: DataFormType;
  title?: string;
  instructions?: string[];
  fields: DataFormField[];
  /** multi-item results: the column definitions */
  reported?: DataFormField[];
  /** multi-item results: one field list per row */
  items?: DataFormField[][];
}

function buildField(f: DataFormField): Element {
  const el = xml('field', { var: f.var, type: f.type, label: f.label });
  if (f.desc !== undefined) el.append(xml('desc', null, f.desc));
  if (f.required) el.append(xml('required'));
  for (const v of f.values) el.append(xml('value', null, v));
  for (const o of f.options ?? []) el.append(xml('option', { label: o.label }, xml('value', null, o.value)));
  return el;
}

/** `<x xmlns="jabber:x:data" type=..>` for a form. */
export function buildDataForm(form: DataForm): Element {
  const x = xml('x', { xmlns: NS.DATA_FORMS, type: form.type });
  if (form.title !== undefined) x.append(xml('title', null, form.title));
  for (const i of form.instructions ?? []) x.append(xml('instructions', null, i));
  if (form.reported) x.append(xml('reported', null, form.reported.map(buildField)));
  for (const item of form.items ?? []) x.append(xml('item', null, item.map(buildField)));
  for (const f of form.fields) x.append(buildField(f));
  return x;
}

function bad(text: string): never {
  throw new StanzaError('bad-request', `invalid data form: ${text}`);
}

const MAX_FIELDS = 1000;
const MAX_VALUES = 1000;

function parseField(el: Element): DataFormField {
  const a = el.attrs;
  const type = a.type;
  if (type !== undefined && !(DATA_FORM_FIELD_TYPES as readonly string[]).includes(type)) bad(`unknown field type '${type}'`);
  if (a.var === undefined && type !== 'fixed') bad('field without var');
  const field: DataFormField = { values: [] };
  if (a.var !== undefined) field.var = a.var;
  if (type !== undefined) field.type = type;
  if (a.label !== undefined) field.label = a.label;
  for (const c of el.getChildElements()) {
    switch (c.getName()) {
      case 'value':
        if (field.values.length >= MAX_VALUES) bad('too many values');
        field.values.push(c.getText());
        break;
      case 'desc':
        field.desc = c.getText();
        break;
      case 'required':
        field.required = true;
        break;
      case 'option': {
        const values = c.getChildren('value');
        if (values.length !== 1) bad('option must have exactly one value');
        const opt: { label?: string; value: string } = { value: values[0]!.getText() };
        if (c.attrs.label !== undefined) opt.label = c.attrs.label;
        (field.options ??= []).push(opt);
        break;
      }
      default:
        // unknown children (e.g. XEP-0122 validate, XEP-0221 media) are ignored
        break;
    }
  }
  const single = type === 'boolean' || type === 'hidden' || type === 'jid-single' || type === 'list-single' || type === 'text-private' || type === 'text-single' || type === 'fixed';
  if (single && type !== 'fixed' && field.values.length > 1) bad(`field '${field.var}' of type ${type} has several values`);
  if (type === 'boolean' && field.values.length === 1 && !['0', '1', 'true', 'false'].includes(field.values[0]!)) {
    bad(`field '${field.var}' has a non-boolean value`);
  }
  return field;
}

function parseFieldList(children: Element[]): DataFormField[] {
  if (children.length > MAX_FIELDS) bad('too many fields');
  const fields = children.map(parseField);
  const seen = new Set<string>();
  for (const f of fields) {
    if (f.var === undefined) continue;
    if (seen.has(f.var)) bad(`duplicate field '${f.var}'`);
    seen.add(f.var);
  }
  return fields;
}

/** Parses `<x xmlns="jabber:x:data"/>`. Throws StanzaError('bad-request') on malformed input. */
export function parseDataForm(el: Element): DataForm {
  if (!el.is('x', NS.DATA_FORMS)) bad('not a jabber:x:data <x/> element');
  const type = el.attrs.type;
  if (!type || !(DATA_FORM_TYPES as readonly string[]).includes(type)) bad(`bad form type '${type ?? ''}'`);
  const form: DataForm = { type: type as DataFormType, fields: parseFieldList(el.getChildren('field')) };
  const title = el.getChild('title');
  if (title) form.title = title.getText();
  const instructions = el.getChildren('instructions').map((i) => i.getText());
  if (instructions.length) form.instructions = instructions;
  const reported = el.getChild('reported');
  if (reported) form.reported = parseFieldList(reported.getChildren('field'));
  const items = el.getChildren('item');
  if (items.length) {
    if (items.length > MAX_FIELDS) bad('too many items');
    form.items = items.map((i) => parseFieldList(i.getChildren('field')));
  }
  return form;
}

/** The first value of field `name`, or undefined. */
export function formValue(form: DataForm, name: string): string | undefined {
  return form.fields.find((f) => f.var === name)?.values[0];
}

/** All values of field `name` ([] when absent). */
export function formValues(form: DataForm, name: string): string[] {
  return form.fields.find((f) => f.var === name)?.values ?? [];
}

/** A boolean field's value ('1'/'true' are true); undefined when absent or empty. */
export function formBoolean(form: DataForm, name: string): boolean | undefined {
  const v = formValue(form, name);
  if (v === undefined) return undefined;
  return v === '1' || v === 'true';
}

/** The FORM_TYPE (XEP-0068) of a form: the value of its FORM_TYPE field. */
export function formType(form: DataForm): string | undefined {
  return formValue(form, 'FORM_TYPE');
}

/**
 * A multi-item result (XEP-0004 §3.4) from columns and rows: `reported`
 * names the columns, each row becomes an `<item/>` with one field per column.
 */
export function formTable(columns: { var: string; label: string }[], rows: Record<string, string | string[]>[]): Pick<DataForm, 'reported' | 'items'> {
  return {
    reported: columns.map((column) => ({ var: column.var, label: column.label, values: [] })),
    items: rows.map((row) =>
      columns.map((column) => {
        const value = row[column.var];
        return { var: column.var, values: value === undefined ? [] : Array.isArray(value) ? value : [value] };
      }),
    ),
  };
}

/** The rows of a multi-item result, each as field name → values. */
export function formRows(form: DataForm): Record<string, string[]>[] {
  return (form.items ?? []).map((item) => Object.fromEntries(item.filter((field) => field.var !== undefined).map((field) => [field.var!, field.values])));
}
