import { formValues, type DataFormField, type Jid } from '@conexizan/protocol';
import type { ServerCore } from '../core/core.ts';
import type { AdHoc, CommandNote, CommandResponse } from '../modules/adhoc/api.ts';
import type { Audit } from '../modules/audit/api.ts';
import type { Operators } from '../modules/operators/api.ts';
import { MAX_LISTED_DOMAINS, normalizeDomain, type BorderLists } from './border-state.ts';

/**
 * Ad-hoc commands (XEP-0050) for the operators in `admins`: see the border
 * lists, block and unblock remote domains, set the allow list. A change
 * applies at once, exactly like a SIGHUP reload (streams with domains no
 * longer allowed close, their queued stanzas bounce), and is kept in the
 * data directory (border-state.ts says why not in the config file).
 */
export const FEDERATION_COMMAND_NODE = (command: string) => `https://conexizan.org/commands#federation-${command}`;

export interface BorderControl {
  lists(): BorderLists;
  /** where the lists come from, for the admin: the config file or the admins' own changes */
  source(): 'config' | 'admin';
  change(lists: BorderLists): void;
}

const FORM_TYPE: DataFormField = { var: 'FORM_TYPE', type: 'hidden', values: ['https://conexizan.org/commands#federation'] };

export function registerBorderCommands(core: ServerCore, adhoc: AdHoc, operators: Operators, audit: Audit | undefined, control: BorderControl): void {
  const allowed = (requester: Jid) => operators.isOperator(requester);
  const domainsForm = (title: string, instructions: string, values: string[] = []): CommandResponse => ({
    status: 'executing',
    form: { type: 'form', title, instructions: [instructions], fields: [FORM_TYPE, { var: 'domains', type: 'text-multi', label: 'Domains, one a line', values }] },
    actions: ['complete'],
  });
  /** the submitted domains, prepared, or the note naming the first that is not one */
  const submitted = (values: string[]): string[] | CommandNote => {
    const domains: string[] = [];
    for (const line of values.flatMap((value) => value.split('\n')).map((value) => value.trim()).filter(Boolean)) {
      const domain = normalizeDomain(line);
      if (!domain) return { type: 'error', text: `"${line.slice(0, 100)}" is not a domain such as example.org` };
      if (!domains.includes(domain)) domains.push(domain);
    }
    return domains;
  };
  const apply = (requester: Jid, action: string, domains: string[], lists: BorderLists, text: string): CommandResponse => {
    if (lists.blocked_domains.length > MAX_LISTED_DOMAINS || lists.allowed_domains.length > MAX_LISTED_DOMAINS) {
      return { status: 'completed', notes: [{ type: 'error', text: `at most ${MAX_LISTED_DOMAINS} domains per list` }] };
    }
    control.change(lists);
    void audit?.record(requester, action, domains.join(', ') || '(none)').catch((error: unknown) => core.log.warn({ err: error }, 'could not write the audit log'));
    core.log.info({ blocked: lists.blocked_domains.length, allowed: lists.allowed_domains.length }, 'federation lists changed by an admin');
    return { status: 'completed', notes: [{ type: 'info', text }] };
  };
  const command = (name: string, label: string, execute: (domains: string[] | null, requester: Jid) => CommandResponse) =>
    adhoc.register({
      node: FEDERATION_COMMAND_NODE(name),
      name: label,
      allowed,
      execute: ({ form, requester }) => {
        if (!form) return execute(null, requester);
        const domains = submitted(formValues(form, 'domains'));
        return Array.isArray(domains) ? execute(domains, requester) : { status: 'completed', notes: [domains] };
      },
    });

  adhoc.register({
    node: FEDERATION_COMMAND_NODE('lists'),
    name: 'Show federation block and allow lists',
    allowed,
    execute: () => {
      const lists = control.lists();
      return {
        status: 'completed',
        form: {
          type: 'result',
          title: 'Federation lists',
          fields: [
            FORM_TYPE,
            { var: 'blocked', type: 'text-multi', label: 'Blocked domains (with their subdomains)', values: lists.blocked_domains },
            { var: 'allowed', type: 'text-multi', label: 'Allowed domains (empty: every domain not blocked)', values: lists.allowed_domains },
            { var: 'source', type: 'text-single', label: 'Set by', values: [control.source() === 'admin' ? 'admins (data directory)' : 'the config file'] },
          ],
        },
      };
    },
  });

  command('block', 'Block remote domains', (domains, requester) => {
    if (!domains) return domainsForm('Blocking domains', 'These domains and their subdomains can no longer reach this server or be reached from it. Open connections with them close now.');
    if (domains.length === 0) return { status: 'completed', notes: [{ type: 'error', text: 'no domain given' }] };
    const lists = control.lists();
    const blocked = [...lists.blocked_domains, ...domains.filter((domain) => !lists.blocked_domains.includes(domain))];
    return apply(requester, 'block-domains', domains, { ...lists, blocked_domains: blocked }, `blocked: ${domains.join(', ')}`);
  });

  command('unblock', 'Unblock remote domains', (domains, requester) => {
    if (!domains) return domainsForm('Unblocking domains', 'These domains are taken off the block list (a blocked parent domain still blocks them).', control.lists().blocked_domains);
    if (domains.length === 0) return { status: 'completed', notes: [{ type: 'error', text: 'no domain given' }] };
    const lists = control.lists();
    const missing = domains.filter((domain) => !lists.blocked_domains.includes(domain));
    if (missing.length > 0) return { status: 'completed', notes: [{ type: 'error', text: `not on the block list: ${missing.join(', ')}` }] };
    return apply(requester, 'unblock-domains', domains, { ...lists, blocked_domains: lists.blocked_domains.filter((domain) => !domains.includes(domain)) }, `unblocked: ${domains.join(', ')}`);
  });

  command('allow-list', 'Set the federation allow list', (domains, requester) => {
    if (!domains) return domainsForm('Setting the allow list', 'Only these domains (and their subdomains) may federate with this server. Leave it empty to federate with every domain that is not blocked.', control.lists().allowed_domains);
    return apply(requester, 'set-allow-list', domains, { ...control.lists(), allowed_domains: domains }, domains.length > 0 ? `federating only with: ${domains.join(', ')}` : 'federating with every domain that is not blocked');
  });
}
