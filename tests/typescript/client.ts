// A small client of the Otagai API, type-checked by tests/test_typescript_client.py with
// `tsc --strict --noEmit` against the types openapi-typescript generates from
// api_spec/openapi.json (./api.d.ts, written by the test). Every field read here is
// always in the answer: were the spec to call one optional, `T | undefined` would not be
// assignable to `T` and the check would fail.
import type { components } from "./api";

type Schemas = components["schemas"];
// A widening request's later rungs add the last two (docs/escalation-ladder.md).
type TrustTier =
  | "connection_certified"
  | "connection"
  | "certified"
  | "member"
  | "friend_of_friend"
  | "neighbouring";

export function candidateLine(candidate: Schemas["Candidate"]): string {
  const tier: TrustTier = candidate.trust_tier;
  const distance: number = candidate.distance_m;
  return `${tier}: ${distance} m`;
}

export function insuranceBadge(match: Schemas["Match"]): string {
  const covered: boolean = match.insurance.covered;
  const reasons: string[] = match.insurance.reasons;
  return covered ? "covered" : `not covered: ${reasons.join(", ")}`;
}

export function recommendedRange(request: Schemas["ShareRequest"]): string {
  // Null for lending, but always there.
  const recommended: Schemas["RecommendedThankYou"] | null = request.recommended_thank_you;
  if (recommended === null) {
    return "";
  }
  const low: number = recommended.min_jpy;
  const high: number = recommended.max_jpy;
  return `${low}–${high} JPY`;
}

export function thankYouRange(thankYou: Schemas["ThankYou"]): number | null {
  const recommended: Schemas["RecommendedThankYou"] | null = thankYou.recommended_thank_you;
  return recommended === null ? null : recommended.min_jpy;
}

export function fieldMessages(problem: Schemas["Problem"]): string[] {
  const code: string = problem.code;
  const errors: { [field: string]: string[] } = problem.errors;
  return Object.entries(errors).map(([field, messages]) => `${code} ${field}: ${messages}`);
}
