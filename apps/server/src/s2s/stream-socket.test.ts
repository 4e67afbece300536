import { Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StreamSocket } from './stream-socket.ts';

const events = { streamStart: () => undefined, element: () => undefined, streamEnd: () => undefined, error: () => undefined, closed: () => undefined };

describe('rate-limit pauses on a server stream', () => {
  afterEach(() => vi.useRealTimers());

  it('a longer pause asked for by a later stanza of the same read is not cut short by an earlier one', () => {
    vi.useFakeTimers();
    const socket = new Socket();
    const stream = new StreamSocket(socket, events, 10_000);
    stream.pauseReading(100);
    stream.pauseReading(300);
    stream.pauseReading(50); // shorter than what is already asked: changes nothing
    vi.advanceTimersByTime(150);
    expect(socket.isPaused()).toBe(true);
    vi.advanceTimersByTime(200);
    expect(socket.isPaused()).toBe(false);
    socket.destroy();
  });
});
