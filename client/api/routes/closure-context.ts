/** What the closure routes share: their context (every route's, plus the closure settings) and the 404 they answer. */
import { type ClosureApiConfig } from '../closure-config';
import { ApiError } from '../errors';
import { type RouteContext } from './context';

export interface ClosureRouteContext extends RouteContext {
  closure: ClosureApiConfig;
}

export function closureNotFound(id: string): ApiError {
  return new ApiError(404, 'CLOSURE_NOT_FOUND', `no closure ${id}`);
}
