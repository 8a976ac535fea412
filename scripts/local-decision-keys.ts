/**
 * The decision-signing key ring of a local stack (`npm start`, `npm run cluster`): created once in the stack's data
 * folder and kept, because the requests Temporal keeps across restarts trust the key they were started with, and
 * every API process of the stack must sign with the same ring. VEND_DECISION_KEYS, when set, is used instead.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomDecisionKeysEnv } from '../client/decision-signer';

export function localDecisionKeys(dataDir: string, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  if (env.VEND_DECISION_KEYS) return { VEND_DECISION_KEYS: env.VEND_DECISION_KEYS, ...(env.VEND_DECISION_KEY_ID ? { VEND_DECISION_KEY_ID: env.VEND_DECISION_KEY_ID } : {}) };
  const file = path.join(dataDir, 'decision-keys.json');
  if (!existsSync(file)) writeFileSync(file, JSON.stringify(randomDecisionKeysEnv('local-1')), { mode: 0o600 });
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
}
