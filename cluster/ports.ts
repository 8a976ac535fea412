/**
 * Ports for the Temporal server's services. Temporal records each service's membership port in a PostgreSQL SMALLINT
 * column (cluster_membership.rpc_port): a port above 32767 makes the server exit at start ("value out of range for
 * type smallint"). The kernel's ephemeral ports (what port 0 hands out) are above that, so these are picked below it.
 */
import { randomInt } from 'node:crypto';
import net from 'node:net';
import { type TemporalPorts } from './services';

export const MAX_TEMPORAL_PORT = 32767;
const MIN_PICKED_PORT = 20000;

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Nine distinct free loopback ports in [20000, 32767]. */
export async function freeTemporalPorts(): Promise<TemporalPorts> {
  const picked = new Set<number>();
  for (let tries = 0; picked.size < 9; tries++) {
    if (tries > 1000) throw new Error(`no 9 free ports between ${MIN_PICKED_PORT} and ${MAX_TEMPORAL_PORT}`);
    const port = randomInt(MIN_PICKED_PORT, MAX_TEMPORAL_PORT + 1);
    if (!picked.has(port) && (await canListen(port))) picked.add(port);
  }
  const [frontendGrpc, frontendHttp, frontendMembership, historyGrpc, historyMembership, matchingGrpc, matchingMembership, workerGrpc, workerMembership] = [...picked];
  return { frontendGrpc, frontendHttp, frontendMembership, historyGrpc, historyMembership, matchingGrpc, matchingMembership, workerGrpc, workerMembership };
}

/** Refuses a port layout the server would die on, with the setting to change. */
export function checkTemporalPorts(ports: TemporalPorts, setting: string): void {
  const high = Object.entries(ports).filter(([, p]) => p > MAX_TEMPORAL_PORT);
  if (high.length > 0) {
    throw new Error(
      `${setting}: the Temporal server's ports must be at most ${MAX_TEMPORAL_PORT} (PostgreSQL stores them as smallint); too high: ${high.map(([k, p]) => `${k} ${p}`).join(', ')}`,
    );
  }
}
