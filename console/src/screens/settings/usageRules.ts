/** The plan's contacts used of its limit, as the usage section shows them. */

export type UsageLevel = "ok" | "near" | "full";

/** From this share of the limit on, the meter warns (Digima and SATORI warn near their plans' MU). */
export const NEAR_SHARE = 0.9;

/** How far COUNT is into LIMIT: the share (0..1, capped) and its level; null without a limit. */
export function usageShare(count: number, limit: number | null | undefined): { share: number; level: UsageLevel } | null {
  if (limit === null || limit === undefined || limit <= 0) return null;
  const share = Math.min(count / limit, 1);
  return { share, level: count >= limit ? "full" : share >= NEAR_SHARE ? "near" : "ok" };
}
