/**
 * How the engine reaches AWS, from the environment: the worker and `vend doctor` read the same settings with the same
 * schema (VEND_AWS_*), so the doctor checks exactly the organization the worker will act on.
 *
 * `sandbox`: every AWS call goes to one endpoint (the sandbox gateway) with static credentials.
 * `aws`: real AWS endpoints (regional STS for AssumeRoot), credentials from the default AWS credentials chain
 * (environment, shared config/SSO profile, web identity, ECS/EC2 role), as the management account or the IAM
 * delegated administrator for centralized root access (the same calls; see the README).
 */
import { z } from 'zod';
import { parseConfig } from './parse';

export const AwsConfigSchema = z.object({
  region: z.string().min(1).default('us-east-1'),
  /** One endpoint for every service (the sandbox gateway); unset = real AWS endpoints. */
  endpoint: z.url().optional(),
  /** STS only, overriding both the above and the SDK's regional endpoint (e.g. a VPC endpoint); unset = the default. */
  stsEndpoint: z.url().optional(),
  /** Static credentials (sandbox); unset = the default AWS credentials chain. */
  staticCredentials: z.object({ accessKeyId: z.string().min(1), secretAccessKey: z.string().min(1) }).optional(),
  /** The role CreateAccount puts into every new account and that we assume to look inside it. */
  memberRoleName: z.string().min(1).max(64).default('OrganizationAccountAccessRole'),
  /** SDK attempts per call; throttling is retried by the SDK before Temporal's activity retries take over. */
  maxAttempts: z.number().int().min(1).max(20).default(5),
});
export type AwsConfig = z.infer<typeof AwsConfigSchema>;

export const AwsModeSchema = z.enum(['sandbox', 'aws']);
export type AwsMode = z.infer<typeof AwsModeSchema>;

export const AwsSettingsSchema = z
  .object({
    awsMode: AwsModeSchema,
    aws: AwsConfigSchema,
    /**
     * Multiplies the org-wide rate limits of the restricted task queues. 1 against AWS; the sandbox's time scale
     * against a sped-up sandbox, so the worker keeps AWS's quota shape at the sandbox's speed.
     */
    awsQuotaScale: z.number().positive().default(1),
    /** The organization's account quota, when known (AWS's default is 10); preflight refuses when it is reached. */
    accountQuota: z.number().int().positive().optional(),
  })
  .superRefine((c, ctx) => {
    const issue = (path: string[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    if (c.awsMode === 'sandbox') {
      if (!c.aws.endpoint) issue(['aws', 'endpoint'], 'VEND_AWS_MODE=sandbox needs VEND_AWS_ENDPOINT (the sandbox gateway, e.g. http://127.0.0.1:4566)');
      if (!c.aws.staticCredentials) issue(['aws', 'staticCredentials'], 'VEND_AWS_MODE=sandbox needs VEND_AWS_ACCESS_KEY_ID and VEND_AWS_SECRET_ACCESS_KEY (the sandbox prints them)');
    } else {
      if (c.aws.endpoint) issue(['aws', 'endpoint'], 'VEND_AWS_ENDPOINT is the sandbox\'s single endpoint; with VEND_AWS_MODE=aws every service uses its real AWS endpoint (VEND_STS_ENDPOINT may name a specific regional STS endpoint)');
      if (c.aws.staticCredentials) issue(['aws', 'staticCredentials'], 'VEND_AWS_ACCESS_KEY_ID / VEND_AWS_SECRET_ACCESS_KEY are the sandbox\'s; with VEND_AWS_MODE=aws credentials come from the default AWS credentials chain (AWS_PROFILE, AWS_ACCESS_KEY_ID, a role ...)');
      if (c.awsQuotaScale !== 1) issue(['awsQuotaScale'], 'VEND_AWS_QUOTA_SCALE is the sandbox\'s time scale; against AWS it must be 1 (AWS\'s own quotas)');
    }
  });
export type AwsSettings = z.infer<typeof AwsSettingsSchema>;

const optionalNumber = z.coerce.number().positive().optional();

/** The raw AWS settings from the environment, for AwsSettingsSchema (alone, or inside the worker's config). */
export function awsSettingsInputFromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const raw = parseConfig(
    z.object({
      VEND_AWS_MODE: z.string().optional(),
      VEND_AWS_REGION: z.string().optional(),
      VEND_AWS_ENDPOINT: z.string().optional(),
      VEND_STS_ENDPOINT: z.string().optional(),
      VEND_AWS_ACCESS_KEY_ID: z.string().optional(),
      VEND_AWS_SECRET_ACCESS_KEY: z.string().optional(),
      VEND_MEMBER_ROLE_NAME: z.string().optional(),
      VEND_AWS_MAX_ATTEMPTS: optionalNumber,
      VEND_AWS_QUOTA_SCALE: optionalNumber,
      VEND_ACCOUNT_QUOTA: optionalNumber,
    }),
    env,
  );
  const keyId = raw.VEND_AWS_ACCESS_KEY_ID || undefined;
  const secret = raw.VEND_AWS_SECRET_ACCESS_KEY || undefined;
  if (Boolean(keyId) !== Boolean(secret)) {
    throw new Error('invalid configuration:\n  - VEND_AWS_ACCESS_KEY_ID and VEND_AWS_SECRET_ACCESS_KEY go together: set both (sandbox) or neither (AWS credentials chain)');
  }
  const endpoint = raw.VEND_AWS_ENDPOINT || undefined;
  return {
    // Unset: the sandbox when a single endpoint is given (npm start, tests), real AWS otherwise.
    awsMode: raw.VEND_AWS_MODE || (endpoint ? 'sandbox' : 'aws'),
    aws: {
      region: raw.VEND_AWS_REGION || undefined,
      endpoint,
      stsEndpoint: raw.VEND_STS_ENDPOINT || undefined,
      staticCredentials: keyId && secret ? { accessKeyId: keyId, secretAccessKey: secret } : undefined,
      memberRoleName: raw.VEND_MEMBER_ROLE_NAME || undefined,
      maxAttempts: raw.VEND_AWS_MAX_ATTEMPTS,
    },
    awsQuotaScale: raw.VEND_AWS_QUOTA_SCALE,
    accountQuota: raw.VEND_ACCOUNT_QUOTA,
  };
}

export function awsSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): AwsSettings {
  return parseConfig(AwsSettingsSchema, awsSettingsInputFromEnv(env));
}
