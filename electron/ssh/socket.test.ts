import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { packetWrites } from './socket';

const servers: ReturnType<typeof createServer>[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** A TCP server on localhost; resolves with the client socket once connected. */
async function tcpPair(): Promise<{ client: Socket; received: Buffer[] }> {
  const received: Buffer[] = [];
  const server = createServer((peer) => peer.on('data', (chunk: Buffer) => received.push(chunk)));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve) => client.once('connect', () => resolve()));
  return { client, received };
}

describe('packetWrites', () => {
  it('turns Nagle off and hands the writes of one turn to the kernel in one call', async () => {
    const { client, received } = await tcpPair();
    const noDelay = vi.spyOn(client, 'setNoDelay');
    packetWrites(client);
    expect(noDelay).toHaveBeenCalledWith(true);
    const writev = vi.spyOn(client as unknown as { _writev: (...a: unknown[]) => void }, '_writev');
    const write = vi.spyOn(client as unknown as { _write: (...a: unknown[]) => void }, '_write');
    // One SSH packet as ssh2 writes it: length, payload, MAC.
    client.write(Buffer.from([0, 0, 0, 12]));
    client.write(Buffer.from('payload-1234'));
    client.write(Buffer.alloc(16, 7));
    expect(writev).not.toHaveBeenCalled();
    expect(write).not.toHaveBeenCalled();
    await new Promise((resolve) => setImmediate(resolve));
    expect(writev).toHaveBeenCalledTimes(1);
    expect((writev.mock.calls[0]?.[0] as unknown[]).length).toBe(3);
    expect(write).not.toHaveBeenCalled();
    // The next turn's packet is its own call, and everything arrives in order.
    client.write('second');
    await new Promise((resolve) => setImmediate(resolve));
    expect(writev.mock.calls.length + write.mock.calls.length).toBe(2);
    client.end();
    await vi.waitFor(() =>
      expect(Buffer.concat(received).toString('latin1')).toBe(
        `\0\0\0\x0cpayload-1234${'\x07'.repeat(16)}second`,
      ),
    );
  });

  it('works on a stream that is not a socket (the jump host’s channel), in order', async () => {
    const stream = new PassThrough();
    packetWrites(stream);
    stream.write('a');
    stream.write('b');
    await new Promise((resolve) => setImmediate(resolve));
    stream.write('c');
    stream.end();
    const chunks: string[] = [];
    for await (const chunk of stream) chunks.push(String(chunk));
    expect(chunks.join('')).toBe('abc');
  });
});
