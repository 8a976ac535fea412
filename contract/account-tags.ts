/**
 * Tags every vended account carries: the request (workflow id) that created it, which is how reconciliation tells
 * "ours" from an account someone else made with the same email, and who asked for it.
 */
export const REQUEST_TAG = 'vending:request-id';
export const REQUESTER_TAG = 'vending:requester';

export function vendingTags(requestId: string, requester: string): Record<string, string> {
  return { [REQUEST_TAG]: requestId, [REQUESTER_TAG]: requester };
}
