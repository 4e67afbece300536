import type { ChatMessage } from './session/index.ts';

/** "(3) Conexizan" while messages wait unread; plain when there are none. */
export function titleFor(unread: number, base = 'Conexizan'): string {
  return unread > 0 ? `(${unread > 99 ? '99+' : unread}) ${base}` : base;
}

/** A browser notification for a message that arrived while the tab is hidden; clicking it opens the chat. */
export function notifyMessage(message: ChatMessage, title: string, onOpen: (peer: string) => void): void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
  if (typeof document !== 'undefined' && document.visibilityState === 'visible') return;
  const body = message.file ? (message.file.name ?? '📎') : message.body.slice(0, 140);
  const notification = new Notification(title, { body, tag: message.peer, icon: '/icon.svg' });
  notification.onclick = () => {
    window.focus();
    onOpen(message.peer);
    notification.close();
  };
}
