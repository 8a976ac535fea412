/**
 * Fixtures that do not replay, on purpose, each with its reason. Two releases wrote different histories for the same
 * start and neither carries a marker that tells them apart: only one can replay, and the one that was released wins.
 * The replay test checks that each one here really diverges (if it replays again, it belongs back in the normal list).
 */
export interface AcceptedDivergence {
  release: string;
  file: string;
  reason: string;
}

const C4D19F0 =
  'before c4d19f0 the workflow upserted AccountEmail and Requester when started with Requester but not AccountEmail; ' +
  'c4d19f0 (no plaintext email in search attributes) stopped that without a patch, before the first landing. ' +
  'Released code (c4351d6) has the later behaviour, and its histories are kept; these development builds were never ' +
  'deployed on their own.';

export const ACCEPTED_DIVERGENCES: AcceptedDivergence[] = ['2026-11-28.1-f41e211', '2026-11-28.2-bbbe136', '2026-11-28.4-df76f6b', '2026-11-28.5-f17e7bb'].map(
  (release) => ({ release, file: 'requester-search-attribute-only.json', reason: C4D19F0 }),
);
