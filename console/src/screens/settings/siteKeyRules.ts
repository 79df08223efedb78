/** The site keys' allowed origins as the form has them: one a line, and the API's refusals of
 * `allowed_origins[i]` put back on the line the user typed. */
import type { ErrorDetail } from "../../api/types";

export type OriginLine = { origin: string; line: number };

/** The origins of TEXT, one a line (1-based line numbers), blank lines dropped. */
export function originLines(text: string): OriginLine[] {
  return text.split(/\r?\n/).map((origin, index) => ({ origin: origin.trim(), line: index + 1 })).filter((each) => each.origin !== "");
}

/** The API's details on the origins (`allowed_origins` and `allowed_origins[i]`, i counting the
 * origins sent) as sentences naming the line: `LINE(line, origin, message)` for one origin. */
export function originMessages(
  details: ErrorDetail[],
  sent: OriginLine[],
  line: (line: number, origin: string, message: string) => string,
): string[] {
  return details.flatMap((detail) => {
    if (detail.field === "allowed_origins") return [detail.message];
    const index = /^allowed_origins\[(\d+)\]$/.exec(detail.field)?.[1];
    const origin = index === undefined ? undefined : sent[Number(index)];
    return origin ? [line(origin.line, origin.origin, detail.message)] : [];
  });
}
