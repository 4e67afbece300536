import { buildDataForm, formValue, NS, parseDataForm, type DataFormField, type Element } from '@conexizan/protocol';
import { pubsubError } from './errors.ts';

/**
 * Node configuration (XEP-0060 §16.4.4 pubsub#node_config) for PEP nodes:
 * its defaults (XEP-0163 §4: presence access, notifications on), the
 * configuration form, and publish-options (§7.1.5) compared with it.
 */

/** The most items a node keeps; pubsub#max_items=max means this (config-node-max). */
export const MAX_ITEMS = 256;

export type AccessModel = 'open' | 'presence' | 'roster' | 'whitelist';
export type SendLast = 'never' | 'on_sub' | 'on_sub_and_presence';

export interface NodeConfig {
  access_model: AccessModel;
  roster_groups_allowed: string[];
  publish_model: 'publishers';
  persist_items: boolean;
  max_items: number | 'max';
  send_last_published_item: SendLast;
  deliver_notifications: boolean;
  deliver_payloads: boolean;
  notify_retract: boolean;
  notify_delete: boolean;
  notify_config: boolean;
  notification_type: 'headline' | 'normal';
  itemreply: 'owner' | 'publisher';
  title: string;
  type: string;
}

export const DEFAULT_CONFIG: Readonly<NodeConfig> = Object.freeze({
  access_model: 'presence',
  roster_groups_allowed: [],
  publish_model: 'publishers',
  persist_items: true,
  max_items: 1,
  send_last_published_item: 'on_sub_and_presence',
  deliver_notifications: true,
  deliver_payloads: true,
  notify_retract: true,
  notify_delete: true,
  notify_config: false,
  notification_type: 'headline',
  itemreply: 'owner',
  title: '',
  type: '',
});

type Key = keyof NodeConfig;

interface FieldSpec {
  type: 'boolean' | 'list-single' | 'list-multi' | 'text-single';
  label: string;
  options?: readonly string[];
}

const FIELDS: Record<Key, FieldSpec> = {
  access_model: { type: 'list-single', label: 'Who may subscribe and retrieve items', options: ['open', 'presence', 'roster', 'whitelist'] },
  roster_groups_allowed: { type: 'list-multi', label: 'Roster groups allowed to subscribe (access model roster)' },
  publish_model: { type: 'list-single', label: 'Who may publish', options: ['publishers'] },
  persist_items: { type: 'boolean', label: 'Persist items to storage' },
  max_items: { type: 'text-single', label: `Maximum number of items to persist ("max": ${MAX_ITEMS})` },
  send_last_published_item: { type: 'list-single', label: 'When to send the last published item', options: ['never', 'on_sub', 'on_sub_and_presence'] },
  deliver_notifications: { type: 'boolean', label: 'Deliver event notifications' },
  deliver_payloads: { type: 'boolean', label: 'Deliver payloads with event notifications' },
  notify_retract: { type: 'boolean', label: 'Notify subscribers when items are removed' },
  notify_delete: { type: 'boolean', label: 'Notify subscribers when the node is deleted' },
  notify_config: { type: 'boolean', label: 'Notify subscribers when the node configuration changes' },
  notification_type: { type: 'list-single', label: 'Message type of notifications', options: ['headline', 'normal'] },
  itemreply: { type: 'list-single', label: 'Whom replies to items go to', options: ['owner', 'publisher'] },
  title: { type: 'text-single', label: 'A friendly name for the node' },
  type: { type: 'text-single', label: 'The type of node data, usually the payload namespace' },
};

const KEYS = Object.keys(FIELDS) as Key[];
const MAX_TEXT = 1024;

export function parseStoredConfig(json: string): NodeConfig {
  try {
    return { ...DEFAULT_CONFIG, ...(JSON.parse(json) as Partial<NodeConfig>) };
  } catch {
    return { ...DEFAULT_CONFIG };
  }
}

/** The number of items a node keeps. */
export function effectiveMaxItems(config: NodeConfig): number {
  return config.max_items === 'max' ? MAX_ITEMS : config.max_items;
}

/** `<x type='form'>` with the node's current configuration (§8.2.1). */
export function configForm(config: NodeConfig): Element {
  const fields: DataFormField[] = [{ var: 'FORM_TYPE', type: 'hidden', values: [NS.PUBSUB_NODE_CONFIG] }];
  for (const key of KEYS) {
    const spec = FIELDS[key];
    const value = config[key];
    const values = Array.isArray(value) ? value : typeof value === 'boolean' ? [value ? '1' : '0'] : value === '' ? [] : [String(value)];
    fields.push({ var: `pubsub#${key}`, type: spec.type, label: spec.label, values, options: spec.options?.map((option) => ({ value: option })) });
  }
  return buildDataForm({ type: 'form', fields });
}

/**
 * The settings a submitted form asks for. Unknown fields or bad values
 * throw what `invalid` makes (not-acceptable for configure, precondition-not-met for publish-options).
 */
export function parseConfigForm(x: Element, formType: string, invalid: (text: string) => Error): Partial<NodeConfig> {
  const form = parseDataForm(x);
  const declared = formValue(form, 'FORM_TYPE');
  if (declared !== undefined && declared !== formType) throw invalid(`FORM_TYPE must be ${formType}`);
  const settings: Record<string, unknown> = {};
  for (const field of form.fields) {
    if (!field.var || field.var === 'FORM_TYPE') continue;
    const key = field.var.startsWith('pubsub#') ? (field.var.slice('pubsub#'.length) as Key) : undefined;
    const spec = key && Object.hasOwn(FIELDS, key) ? FIELDS[key] : undefined;
    if (!key || !spec) throw invalid(`unsupported option ${field.var}`);
    settings[key] = parseValue(key, spec, field.values, invalid);
  }
  return settings as Partial<NodeConfig>;
}

function parseValue(key: Key, spec: FieldSpec, values: string[], invalid: (text: string) => Error): unknown {
  if (spec.type === 'list-multi') {
    if (values.some((v) => v.length > MAX_TEXT) || values.length > 100) throw invalid(`pubsub#${key} is too long`);
    return [...new Set(values)];
  }
  const value = (values[0] ?? '').trim();
  if (spec.type === 'boolean') {
    if (value === '1' || value === 'true') return true;
    if (value === '0' || value === 'false') return false;
    throw invalid(`pubsub#${key} must be a boolean`);
  }
  if (key === 'max_items') {
    if (value === 'max') return 'max';
    if (!/^[0-9]{1,6}$/.test(value) || Number(value) < 1 || Number(value) > MAX_ITEMS) throw invalid(`pubsub#max_items must be from 1 to ${MAX_ITEMS} or max`);
    return Number(value);
  }
  if (spec.options && !spec.options.includes(value)) throw invalid(`pubsub#${key} cannot be ${value.slice(0, 64)}`);
  if (value.length > MAX_TEXT) throw invalid(`pubsub#${key} is too long`);
  return value;
}

/** publish-options in a publish request: `<publish-options><x/></publish-options>` (§7.1.5). */
export function parsePublishOptions(element: Element | undefined): Partial<NodeConfig> | null {
  const x = element?.getChild('x', NS.DATA_FORMS);
  if (!x) return null;
  return parseConfigForm(x, NS.PUBSUB_PUBLISH_OPTIONS, (text) => pubsubError('conflict', 'cancel', 'precondition-not-met', text));
}

/** The first option whose value differs from the node's configuration, or null if all match. */
export function unmetPrecondition(config: NodeConfig, options: Partial<NodeConfig>): string | null {
  for (const key of Object.keys(options) as Key[]) {
    const wanted = options[key];
    const actual = config[key];
    const same =
      key === 'max_items'
        ? effectiveMaxItems({ ...config, max_items: wanted as NodeConfig['max_items'] }) === effectiveMaxItems(config)
        : Array.isArray(wanted) && Array.isArray(actual)
          ? wanted.length === actual.length && wanted.every((value) => actual.includes(value))
          : wanted === actual;
    if (!same) return `pubsub#${key}`;
  }
  return null;
}
