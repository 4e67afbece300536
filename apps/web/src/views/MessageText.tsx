import { find } from 'linkifyjs';
import { Fragment, type ReactNode } from 'react';

/** Only these schemes become links; anything else (javascript:, data:, …) stays text. */
const SAFE = /^(https?:|mailto:|xmpp:)/i;
/** Bodies beyond this are shown cut, with the full text one click away; keeps rendering fast for huge pastes. */
export const MAX_LINKIFY_CHARS = 20_000;

/** A message body as React text nodes and <a> elements: never HTML, so markup in a message shows literally. */
export function MessageText({ text }: { text: string }) {
  const parts: ReactNode[] = [];
  let at = 0;
  const head = text.length > MAX_LINKIFY_CHARS ? text.slice(0, MAX_LINKIFY_CHARS) : text;
  for (const link of find(head)) {
    if (!link.isLink || !SAFE.test(link.href)) continue;
    if (link.start > at) parts.push(head.slice(at, link.start));
    parts.push(
      <a key={link.start} href={link.href} target="_blank" rel="noopener noreferrer nofollow">
        {link.value}
      </a>,
    );
    at = link.end;
  }
  parts.push(text.slice(at));
  return <span className="text">{parts.map((p, i) => (typeof p === 'string' ? <Fragment key={`t${i}`}>{p}</Fragment> : p))}</span>;
}
