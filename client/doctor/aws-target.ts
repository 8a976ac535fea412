/**
 * Which AWS `vend doctor` checks. The environment's, when it names one (any VEND_AWS_* setting, VEND_STS_ENDPOINT, or
 * the AWS SDK's own credential settings such as AWS_PROFILE): the worker's settings, as an operator runs it. When it
 * names none, the local sandbox of a running `npm start` (config/local-sandbox.ts), so `npx vend doctor` right after
 * `npm start` checks the sandbox's organization; the report's header says so. Otherwise the environment as it is
 * (the default credentials chain), as before.
 */
import { dataDirFromEnv, findLocalSandbox, type LocalSandboxLookup } from '../../config/local-sandbox';

/** The SDK's environment settings that pick credentials: set, they mean "this AWS", not the local sandbox. */
const SDK_CREDENTIAL_SETTINGS = [
  'AWS_PROFILE',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_ROLE_ARN',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
];

export type DoctorAwsTarget =
  | { kind: 'environment'; env: NodeJS.ProcessEnv; localSandbox?: Extract<LocalSandboxLookup, { found: false }> }
  | { kind: 'local-sandbox'; env: NodeJS.ProcessEnv; file: string; ownerPid: number };

/** The setting names in `env` that say which AWS to use (names only: values may be secrets). */
export function awsSettingsNamed(env: NodeJS.ProcessEnv): string[] {
  return Object.keys(env)
    .filter((name) => env[name] && (name.startsWith('VEND_AWS_') || name === 'VEND_STS_ENDPOINT' || SDK_CREDENTIAL_SETTINGS.includes(name)))
    .sort();
}

/** Throws LocalSandboxFileError for a damaged local-sandbox file (its message names the file and the fix). */
export function doctorAwsTarget(env: NodeJS.ProcessEnv): DoctorAwsTarget {
  if (awsSettingsNamed(env).length > 0) return { kind: 'environment', env };
  const lookup = findLocalSandbox(dataDirFromEnv(env));
  if (!lookup.found) return { kind: 'environment', env, localSandbox: lookup };
  return { kind: 'local-sandbox', env: { ...env, ...lookup.sandbox.env }, file: lookup.file, ownerPid: lookup.sandbox.ownerPid };
}
