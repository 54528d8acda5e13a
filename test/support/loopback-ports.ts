/**
 * Loopback TCP ports for scanner tests: listeners on 127.0.0.1 that accept and drop every
 * connection, and ports known to be closed (listened on once, then released).
 */
import { createServer, type Server } from 'node:net';

export interface LoopbackListeners {
  ports: number[];
  close(): Promise<void>;
}

/** `n` listeners on 127.0.0.1 (ephemeral ports) that close every connection at once. */
export async function listenLoopback(n: number): Promise<LoopbackListeners> {
  const servers: Server[] = [];
  for (let i = 0; i < n; i++) {
    const s = createServer((c) => {
      c.on('error', () => {});
      c.destroy();
    });
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    servers.push(s);
  }
  return {
    ports: servers.map((s) => (s.address() as { port: number }).port),
    close: async () => {
      await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
    },
  };
}

/** `n` ports on 127.0.0.1 that nothing listens on (each was bound once and released). */
export async function closedLoopbackPorts(n: number): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < n; i++) {
    const tmp = createServer();
    await new Promise<void>((r) => tmp.listen(0, '127.0.0.1', r));
    ports.push((tmp.address() as { port: number }).port);
    await new Promise((r) => tmp.close(r));
  }
  return ports;
}
