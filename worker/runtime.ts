/**
 * The worker process's Temporal Runtime: its logs go to pino as JSON lines, and its metrics to a Prometheus endpoint.
 *
 * Logs: the SDK's own logs, the workflow logger (`log` from @temporalio/workflow) and the activity logger
 * (`Context.current().log` / `log` from @temporalio/activity) all reach the Runtime logger with their metadata
 * (workflowId, runId, workflowType, activityType, activityId, attempt, taskQueue, namespace); the pino logger below
 * keeps that metadata as JSON fields, so one request's lines are found by its workflow id. Core's native logs are
 * forwarded too (at WARN and above by default).
 *
 * Metrics: `VEND_METRICS_ADDRESS` (host:port, e.g. 127.0.0.1:9464) turns on Core's Prometheus exporter, scraped at
 * `http://<address>/metrics` (temporal_* series: task slots, poll and schedule-to-start latencies, activity and
 * workflow task execution, request failures, sticky cache ...). Off when unset.
 */
import { type LogLevel, type LogMetadata, type Logger } from '@temporalio/common';
import { Runtime } from '@temporalio/worker';
import { type Logger as Pino } from 'pino';

const PINO_LEVEL: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** A Temporal `Logger` writing to pino, metadata kept as fields (`error` under pino's `err` so it is serialized). */
export class PinoTemporalLogger implements Logger {
  constructor(private readonly pino: Pino) {}

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    const fields: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(meta ?? {})) {
      if (key === 'error' || key === 'failure') fields.err = value;
      else fields[key] = typeof value === 'bigint' ? value.toString() : value;
    }
    this.pino[PINO_LEVEL[level] ?? 'info'](fields, message);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

export interface WorkerRuntimeOptions {
  log: Pino;
  /** host:port for the Prometheus endpoint; undefined = no metrics endpoint. */
  metricsAddress?: string;
  /** The least severe native (Core) log forwarded to pino. */
  coreLogLevel?: LogLevel;
}

/** Installs the process's Runtime; call once, before the first connection or worker. */
export function installWorkerRuntime(opts: WorkerRuntimeOptions): Runtime {
  return Runtime.install({
    logger: new PinoTemporalLogger(opts.log.child({ component: 'temporal' })),
    telemetryOptions: {
      logging: { filter: { core: opts.coreLogLevel ?? 'WARN', other: 'ERROR' }, forward: {} },
      ...(opts.metricsAddress ? { metrics: { prometheus: { bindAddress: opts.metricsAddress } } } : {}),
    },
  });
}
