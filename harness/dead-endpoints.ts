/**
 * Vendor outages on loopback, for the outage tests and the outage benchmark: a port that refuses connections,
 * and a server that accepts them and never answers (the worse kind: every request waits for a timeout).
 */
import net from 'node:net';

export interface DeadEndpoint {
  port: number;
  close(): Promise<void>;
}

export async function hangingEndpoint(): Promise<DeadEndpoint> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on (bound, then released). */
export async function refusedEndpoint(): Promise<DeadEndpoint> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return { port, close: async () => {} };
}

/** Every vendor of every adapter pointed at one dead loopback port. */
export function deadVendorEnv(port: number) {
  return {
    url: `http://127.0.0.1:${port}`,
    xrayAddress: `127.0.0.1:${port}`,
    datadogUrl: `http://127.0.0.1:${port}`,
  };
}
