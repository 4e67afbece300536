import { act, fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { useArchivePaging } from './useArchivePaging.ts';

interface Props {
  load(): Promise<unknown>;
  chat?: string;
  messages: string[];
  complete?: boolean;
  ready?: boolean;
  fillWhenComplete?: boolean;
}

function Log({ load, chat = 'bob@x', messages, complete = false, ready = true, fillWhenComplete }: Props) {
  const paging = useArchivePaging({ load, chat, messages, complete, ready, fillWhenComplete });
  return (
    <div role="log" ref={paging.log} onScroll={paging.onScroll}>
      <span role="status">{paging.loading ? 'loading' : 'idle'}</span>
      {messages.map((m) => (
        <p key={m}>{m}</p>
      ))}
    </div>
  );
}

/** happy-dom lays nothing out: the log's sizes are what the test says. */
function layout(el: HTMLElement, sizes: { scrollHeight: number; clientHeight: number }) {
  Object.defineProperty(el, 'scrollHeight', { configurable: true, get: () => sizes.scrollHeight });
  Object.defineProperty(el, 'clientHeight', { configurable: true, get: () => sizes.clientHeight });
}

const settle = () => act(async () => void (await new Promise((r) => setTimeout(r, 0))));

describe('useArchivePaging', () => {
  it('fills a chat opened with few messages, once, and a room only when we are in it', async () => {
    const load = vi.fn(async () => 0);
    const { rerender } = render(<Log load={load} messages={['a']} />);
    await settle();
    rerender(<Log load={load} messages={['a', 'b']} />);
    await settle();
    expect(load).toHaveBeenCalledTimes(1);

    const room = vi.fn(async () => 0);
    const view = render(<Log load={room} chat="team@conference.x" messages={[]} ready={false} />);
    await settle();
    expect(room).not.toHaveBeenCalled();
    view.rerender(<Log load={room} chat="team@conference.x" messages={[]} ready />);
    await settle();
    expect(room).toHaveBeenCalledTimes(1);
  });

  it('does not fill from a complete archive unless the chat asks to (one-to-one: this device may have more)', async () => {
    const load = vi.fn(async () => 0);
    render(<Log load={load} messages={['a']} complete />);
    await settle();
    expect(load).not.toHaveBeenCalled();
    render(<Log load={load} chat="carol@x" messages={['a']} complete fillWhenComplete />);
    await settle();
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('loads older messages when scrolled to the top, one page at a time, and keeps the reader in place', async () => {
    let finish: () => void = () => {};
    const load = vi.fn(() => new Promise<void>((resolve) => (finish = resolve)));
    const messages = Array.from({ length: 30 }, (_, i) => `m${i}`);
    const { rerender } = render(<Log load={load} messages={messages} />);
    const log = screen.getByRole('log');
    const sizes = { scrollHeight: 3000, clientHeight: 500 };
    layout(log, sizes);
    log.scrollTop = 10;
    fireEvent.scroll(log);
    fireEvent.scroll(log);
    expect(load).toHaveBeenCalledTimes(1);
    expect(screen.getByRole('status').textContent).toBe('loading');
    // 1000 pixels of older messages go in above what the reader sees
    sizes.scrollHeight = 4000;
    rerender(<Log load={load} messages={['older', ...messages]} />);
    expect(log.scrollTop).toBe(1010);
    await act(async () => finish());
    expect(screen.getByRole('status').textContent).toBe('idle');
  });

  it('follows new messages while the reader is at the bottom, and leaves them reading older ones', async () => {
    const load = vi.fn(async () => 0);
    const messages = Array.from({ length: 30 }, (_, i) => `m${i}`);
    const { rerender } = render(<Log load={load} messages={messages} complete />);
    const log = screen.getByRole('log');
    const sizes = { scrollHeight: 3000, clientHeight: 500 };
    layout(log, sizes);
    log.scrollTop = 2500;
    fireEvent.scroll(log);
    sizes.scrollHeight = 3100;
    rerender(<Log load={load} messages={[...messages, 'new']} complete />);
    expect(log.scrollTop).toBe(3100);
    log.scrollTop = 1000;
    fireEvent.scroll(log);
    sizes.scrollHeight = 3200;
    rerender(<Log load={load} messages={[...messages, 'new', 'newer']} complete />);
    expect(log.scrollTop).toBe(1000);
    // scrolling to the top of a complete archive asks for nothing
    log.scrollTop = 0;
    fireEvent.scroll(log);
    expect(load).not.toHaveBeenCalled();
  });
});
