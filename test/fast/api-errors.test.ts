/** How the API answers when Temporal pushes back: the gRPC status anywhere in the cause chain decides. */
import { classifyTemporalError } from '../../client/api/errors';

const wrapped = (code: number) => Object.assign(new Error('Workflow Update failed'), { cause: Object.assign(new Error(`${code} status`), { code }) });

test('unavailable, deadline and failed-precondition are 503s, resource-exhausted a 429, each with Retry-After; anything else is not Temporal pushing back', () => {
  const answers = [14, 4, 9, 8].map((code) => classifyTemporalError(wrapped(code)));
  expect(answers.map((a) => [a?.status, a?.code])).toEqual([
    [503, 'TEMPORAL_UNAVAILABLE'],
    [503, 'TEMPORAL_TIMEOUT'],
    [503, 'WORKFLOW_BUSY'],
    [429, 'RATE_LIMITED'],
  ]);
  for (const a of answers) expect(a?.headers?.['retry-after']).toBeTruthy();
  expect(classifyTemporalError(wrapped(3))).toBeUndefined();
  expect(classifyTemporalError(new Error('plain'))).toBeUndefined();
});
