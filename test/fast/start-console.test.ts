/**
 * What `npm start` prints (scripts/start-printer.ts): readable lines on a terminal, JSON lines anywhere else. The
 * whole stack's output through a pipe is checked by test/operations/local-stack.test.ts; here each kind of line.
 */
import { startConsole } from '../../scripts/start-console';

function capture(isTTY: boolean) {
  const written: string[] = [];
  return { out: { isTTY, write: (text: string) => void written.push(text) }, lines: () => written.join('').split('\n').filter(Boolean) };
}

const WORKER_LINE = JSON.stringify({
  level: 30,
  time: 1_700_000_000_000,
  pid: 7,
  hostname: 'h',
  service: 'vending-worker',
  workflowId: 'vend-1',
  msg: 'worker running',
});

test('not a terminal: every line is a JSON object; children keep their fields and gain their source', async () => {
  const { out, lines } = capture(false);
  const printer = await startConsole(out, {});
  expect(printer.format).toBe('json');
  printer.child('worker', WORKER_LINE, 'stdout');
  printer.child('sandbox', 'gateway http://127.0.0.1:4566 -> moto http://127.0.0.1:1234', 'stdout');
  printer.child('api', 'Error: something broke', 'stderr');
  printer.say('stopping: API, worker, sandbox, Temporal ...');
  printer.block(['', 'Account vending is running:', '  Request API  http://127.0.0.1:3000'], 'account vending is running', { api: 'http://127.0.0.1:3000' });

  const records = lines().map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(records).toHaveLength(5);
  expect(records[0]).toEqual({ source: 'worker', ...JSON.parse(WORKER_LINE) });
  expect(records[1]).toMatchObject({ source: 'sandbox', level: 30, msg: 'gateway http://127.0.0.1:4566 -> moto http://127.0.0.1:1234' });
  expect(records[2]).toMatchObject({ source: 'api', level: 40, msg: 'Error: something broke' });
  expect(records[3]).toMatchObject({ source: 'npm-start', level: 30, msg: 'stopping: API, worker, sandbox, Temporal ...' });
  // The banner is one record with its fields, not one record per printed line.
  expect(records[4]).toMatchObject({ source: 'npm-start', msg: 'account vending is running', api: 'http://127.0.0.1:3000' });
  for (const r of records.slice(1)) expect(typeof r.time).toBe('number');
});

test('a terminal: pino lines rendered by pino-pretty on one line, plain lines as they are, each prefixed with its process', async () => {
  const { out, lines } = capture(true);
  const printer = await startConsole(out, { NO_COLOR: '1' });
  expect(printer.format).toBe('pretty');
  printer.child('worker', WORKER_LINE, 'stdout');
  printer.child('temporal', 'Temporal Server:      localhost:7233', 'stderr');
  printer.block(['Account vending is running:', '  Request API  http://127.0.0.1:3000'], 'account vending is running', {});

  const printed = lines();
  expect(printed[0]).toMatch(/^\[worker\] \[\d{2}:\d{2}:\d{2}\.\d{3}\] INFO: worker running \{"workflowId":"vend-1"\}$/);
  expect(printed[0]).not.toContain('vending-worker');
  expect(printed[1]).toBe('[temporal] Temporal Server:      localhost:7233');
  expect(printed.slice(2)).toEqual(['Account vending is running:', '  Request API  http://127.0.0.1:3000']);
});

test('a line that only looks like JSON stays a plain line', async () => {
  const { out, lines } = capture(false);
  const printer = await startConsole(out, {});
  printer.child('bundle', '{not json', 'stdout');
  printer.child('bundle', '[1,2]', 'stdout');
  expect(lines().map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['{not json', '[1,2]']);
});
