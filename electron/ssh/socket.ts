/**
 * The connection's socket, set up so that every SSH packet leaves in one TCP segment at once.
 *
 * ssh2 writes each packet in pieces (length, payload, MAC or tag, each its own `write`). With
 * Nagle's algorithm on (Node's default), the second piece waits until the first is acknowledged,
 * so every request costs an extra round trip or a delayed ACK (40 ms or more); with Nagle off,
 * each piece is its own small segment, which a busy link or the kernel's autocorking can still
 * hold back. Like OpenSSH and AsyncSSH (one send per packet, TCP_NODELAY), the writes made in
 * one turn of the event loop are corked and leave together, and Nagle is off.
 */
import type { Duplex } from 'node:stream';

/** Turns Nagle off where the stream is a TCP socket and sends each turn's writes together. */
export function packetWrites<T extends Duplex>(stream: T): T {
  const socket = stream as T & { setNoDelay?: (noDelay?: boolean) => unknown };
  if (typeof socket.setNoDelay === 'function') socket.setNoDelay(true);
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  let corked = false;
  const flush = (): void => {
    corked = false;
    stream.uncork();
  };
  stream.write = ((...args: unknown[]): boolean => {
    if (!corked && !stream.destroyed) {
      corked = true;
      stream.cork();
      process.nextTick(flush);
    }
    return write(...args);
  }) as T['write'];
  return stream;
}
