/** Configuration is validated at start: a bad value stops the process with the setting's name, never its value. */
import { type z } from 'zod';

/** zod parse with a one-line-per-problem message that names the setting, never its value (it may be a secret). */
export function parseConfig<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n');
  throw new Error(`invalid configuration:\n${problems}`);
}
