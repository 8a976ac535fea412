/**
 * The Account Management API: region opt-in and the primary contact are the gateway's (moto has neither); alternate
 * contacts are moto's.
 */
import { handleContactInformation } from './contact-information';
import { type SandboxContext } from './context';
import { handleRegionOperation } from './regions';
import { type Principal } from './state';
import { type AwsRequest, type Reply } from './wire';

export async function handleAccount(ctx: SandboxContext, req: AwsRequest, principal: Principal): Promise<Reply> {
  switch (req.operation) {
    case 'EnableRegion':
    case 'GetRegionOptStatus':
    case 'ListRegions':
      return handleRegionOperation(ctx, req, principal);
    case 'PutContactInformation':
    case 'GetContactInformation':
      return handleContactInformation(ctx, req, principal);
    default:
      return ctx.moto.forward(req.method, req.path, req.headers, req.body);
  }
}
