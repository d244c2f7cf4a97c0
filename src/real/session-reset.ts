// Leaves no persistent session of a run behind on a broker that outlives it (an external
// broker, check-broker --url): a CONNECT with clean session discards the client id's session
// (MQTT 3.1.1 §3.1.2.4), and a DISCONNECT ends the clean one it opened.
import { errorMessage } from './bounded.ts';
import { PacketSocket } from './packet-socket.ts';

const timeoutMs = 2_000;

/** Best effort, bounded: returns what could not be discarded (one line each) instead of throwing. */
export async function discardSessions(endpoint: { readonly host: string; readonly port: number }, clientIds: readonly string[]): Promise<string[]> {
  const problems: string[] = [];
  for (const clientId of clientIds) {
    let socket: PacketSocket | undefined;
    try {
      socket = await PacketSocket.connect(endpoint.host, endpoint.port, { connectTimeoutMs: timeoutMs, label: `discard ${clientId}` });
      socket.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId, clean: true, keepalive: 0 });
      const connack = await socket.expect('connack', timeoutMs);
      if (connack.returnCode !== 0) problems.push(`${clientId}: CONNACK return code ${connack.returnCode}`);
      else socket.send({ cmd: 'disconnect' });
    } catch (error) {
      problems.push(`${clientId}: ${errorMessage(error)}`);
    } finally {
      await socket?.close();
    }
  }
  return problems;
}
