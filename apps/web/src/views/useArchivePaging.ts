import { useCallback, useEffect, useLayoutEffect, useRef, useState, type UIEvent } from 'react';

/** How close to an edge of the log (in pixels) counts as being there. */
const EDGE = 40;
/** Fewer messages than this on opening: fetch older ones at once. */
const FILL = 20;

interface Options {
  /** loads older messages (one-to-one: this device, then the archive; a room: its archive) */
  load(): Promise<unknown>;
  /** the chat on screen: a new one starts again at the bottom and fills itself */
  chat: string;
  messages: readonly unknown[];
  /** the archive has nothing older */
  complete: boolean;
  /** loading is possible now (a room: we are in it); a change to true fills the view again */
  ready: boolean;
  /** on opening, fill the view although the archive said it is complete (one-to-one chats: this device may have more) */
  fillWhenComplete?: boolean;
}

/**
 * Paging back through a chat's history, the same in every chat view: older
 * messages load when the log is scrolled to its top (or the button is
 * pressed), once at a time; the view stays on what the reader was looking at
 * when they go in above; new messages keep the log at the bottom while the
 * reader is there, also when a picture in them loads and grows taller, or
 * the log itself gets smaller (a phone's keyboard). A message that arrives
 * while the reader is further up sets `newBelow` (the "new messages" pill)
 * until they are back at the bottom. A chat opened with few messages fills
 * itself at once.
 */
export function useArchivePaging({ load, chat, messages, complete, ready, fillWhenComplete = false }: Options) {
  const [loading, setLoading] = useState(false);
  const [newBelow, setNewBelow] = useState(false);
  const log = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const heightBefore = useRef<number | null>(null);
  const newest = useRef<unknown>(messages.at(-1));

  const loadOlder = useCallback(async () => {
    if (loading) return;
    setLoading(true);
    heightBefore.current = log.current?.scrollHeight ?? null;
    try {
      await load();
    } catch {
      // offline, or no archive: the button stays for another try
    } finally {
      setLoading(false);
    }
  }, [load, loading]);

  useEffect(() => {
    if (ready && messages.length < FILL && (fillWhenComplete || !complete)) void loadOlder();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only when another chat opens or becomes ready, not on every new message
  }, [chat, ready]);

  useLayoutEffect(() => {
    const el = log.current;
    const last = messages.at(-1);
    const appended = last !== newest.current;
    newest.current = last;
    if (!el) return;
    if (heightBefore.current !== null) {
      // Older messages went in above: keep what the reader was looking at in place.
      el.scrollTop += el.scrollHeight - heightBefore.current;
      heightBefore.current = null;
    } else if (atBottom.current) {
      el.scrollTop = el.scrollHeight;
    } else if (appended && last !== undefined) {
      setNewBelow(true);
    }
  }, [messages]);

  // Content that grows after it is shown (a picture loading) or a log that shrinks would
  // otherwise leave the newest message out of sight.
  useEffect(() => {
    const el = log.current;
    if (!el) return;
    const follow = () => {
      if (atBottom.current && heightBefore.current === null) el.scrollTop = el.scrollHeight;
    };
    el.addEventListener('load', follow, true); // load events do not bubble: listen while they go down
    const resized = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(follow);
    resized?.observe(el);
    return () => {
      el.removeEventListener('load', follow, true);
      resized?.disconnect();
    };
  }, [chat]);

  useEffect(() => {
    atBottom.current = true;
    setNewBelow(false);
  }, [chat]);

  const onScroll = useCallback(
    (e: UIEvent<HTMLDivElement>) => {
      const el = e.currentTarget;
      atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < EDGE;
      if (atBottom.current) setNewBelow(false);
      if (el.scrollTop < EDGE && !complete && !loading && ready) void loadOlder();
    },
    [complete, loading, ready, loadOlder],
  );

  /** After sending: follow the conversation down again. */
  const toBottom = useCallback(() => {
    atBottom.current = true;
  }, []);

  /** The "new messages" pill: down to the newest message. */
  const jumpToBottom = useCallback(() => {
    const el = log.current;
    atBottom.current = true;
    setNewBelow(false);
    if (el) el.scrollTop = el.scrollHeight;
  }, []);

  return { log, loading, loadOlder, onScroll, toBottom, newBelow, jumpToBottom };
}
