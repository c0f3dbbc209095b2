import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on a loopback port in front of a database server, to play network failures without touching the
 * server: `reset()` cuts every open connection with a TCP RST, `hang()` makes it (and every later connection)
 * stop answering, `resume()` forwards again. `port` is where clients connect.
 */
export interface TcpProxy {
  readonly port: number;
  /** How many client connections the proxy has accepted. */
  readonly accepted: number;
  /** Cuts every open connection (TCP reset, both sides). */
  reset(): number;
  /** Stops answering: bytes from either side are dropped, connections stay open. */
  hang(): void;
  /** Forwards again (for new connections; hung ones stay silent). */
  resume(): void;
  close(): Promise<void>;
}

/**
 * Starts a proxy to `target` (host:port). With `target` undefined it is a server that accepts TCP connections
 * and never answers (a hung database).
 *
 * @example
 * ```ts
 * const proxy = await startTcpProxy({ host: '127.0.0.1', port: 5432 });
 * const url = `postgres://postgres@127.0.0.1:${proxy.port}/test`;
 * proxy.reset();
 * ```
 */
export async function startTcpProxy(target: { host: string; port: number } | undefined): Promise<TcpProxy> {
  const pairs = new Set<{ client: Socket; upstream: Socket | undefined }>();
  let hung = target === undefined;
  let accepted = 0;
  const server: Server = createServer((client) => {
    accepted += 1;
    client.on('error', () => undefined);
    if (hung || !target) {
      const pair = { client, upstream: undefined };
      pairs.add(pair);
      client.on('close', () => pairs.delete(pair));
      client.on('data', () => undefined);
      return;
    }
    const upstream = connect(target.port, target.host);
    upstream.on('error', () => client.destroy());
    const pair = { client, upstream };
    pairs.add(pair);
    const silent = () => hung;
    client.on('data', (chunk) => {
      if (!silent()) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!silent()) client.write(chunk);
    });
    client.on('close', () => {
      pairs.delete(pair);
      upstream.destroy();
    });
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  return {
    port: address.port,
    get accepted() {
      return accepted;
    },
    reset() {
      const n = pairs.size;
      for (const { client, upstream } of pairs) {
        client.resetAndDestroy();
        upstream?.resetAndDestroy();
      }
      pairs.clear();
      return n;
    },
    hang() {
      hung = true;
    },
    resume() {
      hung = target === undefined;
    },
    async close() {
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream?.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
