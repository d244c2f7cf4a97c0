// Ports on the loopback interface: the real-broker path listens and connects only there.
import { connect, createServer, type Socket } from 'node:net';
import { withTimeout } from './bounded.ts';

export const loopback = '127.0.0.1';

/** An ephemeral port of 127.0.0.1 that was free a moment ago (the kernel picked it). */
export function freePort(): Promise<number> {
  const found = new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host: loopback, port: 0 }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error(`freePort: unexpected address ${String(address)}`));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
  return withTimeout(found, 5_000, `freePort on ${loopback}`);
}

/** Whether a TCP connect to 127.0.0.1:port is accepted within timeoutMs (the probe is closed at once). */
export async function portAccepts(port: number, timeoutMs = 1_000): Promise<boolean> {
  const socket = await connectProbe(port, timeoutMs);
  socket?.destroy();
  return socket !== undefined;
}

/** A connected socket to 127.0.0.1:port for the caller to destroy, or undefined if refused or not within timeoutMs. */
export function connectProbe(port: number, timeoutMs = 1_000): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: loopback, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(undefined);
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(undefined);
    });
  });
}
