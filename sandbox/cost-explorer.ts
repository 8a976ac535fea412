/**
 * Cost Explorer, only as far as account vending observes it: `GetCostAndUsage` from inside a member account works
 * when the organization's "linked account access" is on and is refused with the AccessDeniedException people report
 * from real AWS when it is off. The management account always gets an answer. The data is empty: a new account has
 * no costs.
 */
import { type SandboxContext } from './context';
import { isManagement } from './identity';
import { type Principal } from './state';
import { jsonError, jsonResult, type AwsRequest, type Reply } from './wire';

export function handleCostExplorer(ctx: SandboxContext, req: AwsRequest, principal: Principal): Reply {
  if (req.operation !== 'GetCostAndUsage') {
    return jsonError(req, 'UnknownOperationException', `The sandbox does not emulate ce:${req.operation}.`, 400);
  }
  if (!isManagement(ctx, principal) && !ctx.state.linkedAccountAccess) {
    return jsonError(req, 'AccessDeniedException', 'User not enabled for cost explorer access', 400);
  }
  const period = req.json.TimePeriod as { Start?: unknown; End?: unknown } | undefined;
  if (!period || typeof period.Start !== 'string' || typeof period.End !== 'string') {
    return jsonError(req, 'ValidationException', "1 validation error detected: Value null at 'timePeriod' failed to satisfy constraint: Member must not be null", 400);
  }
  if (!req.json.Granularity) {
    return jsonError(req, 'ValidationException', "1 validation error detected: Value null at 'granularity' failed to satisfy constraint: Member must not be null", 400);
  }
  const metrics = Array.isArray(req.json.Metrics) ? (req.json.Metrics as string[]) : [];
  const total = Object.fromEntries(metrics.map((m) => [m, { Amount: '0', Unit: 'USD' }]));
  return jsonResult(req, {
    GroupDefinitions: req.json.GroupBy ?? [],
    ResultsByTime: [{ TimePeriod: { Start: period.Start, End: period.End }, Total: total, Groups: [], Estimated: true }],
    DimensionValueAttributes: [],
  });
}
