/**
 * What the rest of the server may ask the website: where the page explaining
 * an invitation is (for `conexizan invite create` and the admin command), or
 * null when the website is off or no HTTP listener is reachable.
 */
export interface Website {
  invitationPage(token: string): string | null;
}

declare module '../../core/services.ts' {
  interface Services {
    website: Website;
  }
}
