/**
 * Replays recorded histories (scripts/replay/fixtures.ts) with a workflow bundle and says, per fixture, whether it
 * replays and, when not, where it diverged: the event the SDK names, looked up in the fixture itself.
 */
import { historyFromJSON, type History } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';
import { Worker, type ReplayResult } from '@temporalio/worker';
import { readFileSync } from 'node:fs';
import { type Fixture } from '../../scripts/replay/fixtures';

export interface ReplayOutcome {
  fixture: Fixture;
  /** Undefined when the fixture replays. */
  failure?: string;
}

interface Loaded {
  fixture: Fixture;
  history: History;
}

/** Loads one fixture as the replayer gets it; refuses a file that is not the run its manifest entry describes. */
export function loadHistory(fixture: Fixture): History {
  const history = historyFromJSON(JSON.parse(readFileSync(fixture.absolutePath, 'utf8')));
  const events = history.events ?? [];
  const started = events[0]?.workflowExecutionStartedEventAttributes;
  if (events.length !== fixture.events) throw new Error(`holds ${events.length} events, its manifest entry says ${fixture.events}`);
  if (started?.workflowType?.name !== fixture.workflowType) {
    throw new Error(`starts a ${started?.workflowType?.name ?? 'no'} workflow, its manifest entry says ${fixture.workflowType}`);
  }
  return history;
}

/**
 * Replays every fixture with one replay worker. A fixture that does not load, or that ends the replay worker itself,
 * is reported and the rest are replayed by a new worker: one failure never hides another.
 */
export async function replayFixtures(fixtures: Fixture[], workflowBundleCode: string): Promise<ReplayOutcome[]> {
  const outcomes = new Map<Fixture, ReplayOutcome>();
  const loaded: Loaded[] = [];
  for (const fixture of fixtures) {
    try {
      loaded.push({ fixture, history: loadHistory(fixture) });
    } catch (err) {
      outcomes.set(fixture, { fixture, failure: `does not load: ${(err as Error).message}` });
    }
  }
  let pending = loaded;
  while (pending.length > 0) {
    let current = -1;
    const batch = pending;
    function* feed() {
      for (current = 0; current < batch.length; current++) yield { history: batch[current].history, workflowId: batch[current].fixture.workflowId };
    }
    try {
      let i = 0;
      for await (const result of Worker.runReplayHistories({ workflowBundle: { code: workflowBundleCode }, replayName: 'replay-fixtures' }, feed())) {
        const { fixture, history } = batch[i++];
        outcomes.set(fixture, { fixture, failure: result.error ? describeReplayFailure(result, history) : undefined });
      }
      pending = [];
    } catch (err) {
      // The replay worker itself gave up on the fixture being fed: report it, go on with the next ones.
      const failed = batch[Math.max(0, current)];
      outcomes.set(failed.fixture, { fixture: failed.fixture, failure: `ended the replay worker: ${(err as Error).message}` });
      pending = batch.slice(Math.max(0, current) + 1);
    }
  }
  return fixtures.map((f) => outcomes.get(f) ?? { fixture: f, failure: 'was not replayed (no result from the replay worker)' });
}

/** The SDK's message plus the event it points at, named by id and type as they stand in the fixture. */
export function describeReplayFailure(result: ReplayResult, history: History): string {
  const error = result.error as Error;
  // Core's messages carry escaped multi-line text (a zod error's JSON, say): one line reads better in a test report.
  const message = error.message.replace(/\\n/g, ' ').replace(/\s+/g, ' ');
  const eventId = pointedEventId(message);
  const event = eventId === undefined ? undefined : history.events?.find((e) => Number(e.eventId) === eventId);
  if (error.name === 'DeterminismViolationError') {
    const where = event ? `at event ${eventId} ${eventTypeName(event.eventType)}` : eventId !== undefined ? `at event ${eventId}` : '(the SDK named no event)';
    return `does not replay: non-determinism ${where}: ${message}`;
  }
  // A workflow task failure: the current code threw while replaying (e.g. a schema now refuses the recorded input).
  return `does not replay: the workflow code threw during replay (${error.name}${event ? `, at event ${eventId} ${eventTypeName(event.eventType)}` : ''}): ${message}`;
}

/** Core names the diverging event as `HistoryEvent(id: 12, ...)` or `event_id: 12` / `event id 12`. */
function pointedEventId(message: string): number | undefined {
  const match = /HistoryEvent\(id: (\d+)/.exec(message) ?? /event[_ ]id:? (\d+)/i.exec(message) ?? /\bevent (\d+)\b/i.exec(message);
  return match ? Number(match[1]) : undefined;
}

function eventTypeName(type: unknown): string {
  // historyFromJSON yields the enum's number; its proto name reads better.
  if (typeof type === 'string') return type;
  return temporal.api.enums.v1.EventType[Number(type)] ?? `EventType ${String(type)}`;
}
