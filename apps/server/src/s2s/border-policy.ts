/**
 * Moderation at the border: domains this server never federates with
 * (s2s.blocked_domains), and optionally the only ones it does
 * (s2s.allowed_domains). A listed domain covers its subdomains too, so
 * blocking example.org also blocks muc.example.org. Applied to every
 * incoming stream and every outgoing stanza; replaced at run time by
 * `update` (SIGHUP re-reads the config file).
 */
export class BorderPolicy {
  #blocked = new Set<string>();
  #allowed = new Set<string>();

  constructor(lists: { blocked_domains: string[]; allowed_domains: string[] }) {
    this.update(lists);
  }

  update(lists: { blocked_domains: string[]; allowed_domains: string[] }): void {
    this.#blocked = new Set(lists.blocked_domains.map(normalize));
    this.#allowed = new Set(lists.allowed_domains.map(normalize));
  }

  allows(domain: string): boolean {
    const name = normalize(domain);
    if (covers(this.#blocked, name)) return false;
    return this.#allowed.size === 0 || covers(this.#allowed, name);
  }
}

function covers(list: Set<string>, domain: string): boolean {
  for (let name = domain; ; ) {
    if (list.has(name)) return true;
    const dot = name.indexOf('.');
    if (dot < 0) return false;
    name = name.slice(dot + 1);
  }
}

function normalize(domain: string): string {
  return domain.trim().toLowerCase().replace(/\.$/, '');
}
