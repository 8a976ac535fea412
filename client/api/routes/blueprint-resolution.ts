/**
 * Which baseline a new request gets: the blueprint it names (422 UNKNOWN_BLUEPRINT when there is none of that name),
 * else its OU's default blueprint, else none. Resolved to content here, before anything starts.
 */
import { type BaselineInput } from '../../../contract/baseline';
import { resolvePolicy } from '../../../contract/policy-defaults';
import { type NewAccountRequestSchema } from '../../../contract/request';
import { baselineInputFor } from '../../baseline';
import { matchOrganizationalUnit } from '../../organization-directory';
import { ApiError } from '../errors';
import { type RouteContext } from './context';
import { type z } from 'zod';

export async function baselineForRequest(ctx: RouteContext, body: z.infer<typeof NewAccountRequestSchema>): Promise<BaselineInput | undefined> {
  let blueprint;
  if (body.blueprint !== undefined) {
    blueprint = ctx.blueprints.get(body.blueprint);
    if (!blueprint) {
      const known = ctx.blueprints.blueprints.map((b) => b.name);
      throw new ApiError(422, 'UNKNOWN_BLUEPRINT', `blueprint "${body.blueprint}" does not exist; GET /v1/blueprints lists them (${known.join(', ') || 'none'})`, {
        field: 'body.blueprint',
        blueprint: body.blueprint,
        known,
      });
    }
  } else {
    const directory = await ctx.organizationDirectory.read();
    const match = directory ? matchOrganizationalUnit(directory, body.organizationalUnit) : undefined;
    const unit = match?.kind === 'found' ? match.unit : undefined;
    blueprint = ctx.blueprints.defaultFor({ given: body.organizationalUnit, id: unit?.id, name: unit?.name, path: unit?.path });
  }
  if (!blueprint) return undefined;
  const resolved = baselineInputFor(blueprint, resolvePolicy(ctx.policy), ctx.baselinePolicy, body.alternateContacts);
  if ('problem' in resolved) throw new ApiError(422, 'BLUEPRINT_OVER_HISTORY_BUDGET', resolved.problem, { field: 'body.blueprint', blueprint: blueprint.name });
  return resolved.baseline;
}
