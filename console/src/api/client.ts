/** The typed API client: paths, parameters and bodies come from the API's OpenAPI document, so a
 * change of the API breaks `npm run check`, not the user. Every call carries the ID token and the
 * user's language (the API answers its refusals in Japanese for `Accept-Language: ja`). */
import createClient, { type Middleware } from "openapi-fetch";
import { idToken, sessionRefused } from "../auth/session";
import { language } from "../i18n";
import type { paths } from "./schema.gen";
import type { ErrorDetail } from "./types";

/** A refusal of the API: its status, `code`, `message` (in the user's language) and `details`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
  }

  /** The detail messages of FIELD (a dotted path such as `properties.size`). */
  detailsFor(field: string): string[] {
    return this.details.filter((detail) => detail.field === field).map((detail) => detail.message);
  }
}

const authenticate: Middleware = {
  async onRequest({ request }) {
    const token = await idToken();
    if (token) request.headers.set("Authorization", `Bearer ${token}`);
    request.headers.set("Accept-Language", language() === "ja" ? "ja,en;q=0.5" : "en");
    return request;
  },
  async onResponse({ response }) {
    if (response.status === 401) sessionRefused();
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: globalThis.location?.origin ?? "" });
api.use(authenticate);

/** The error answered by the API as an ApiError (the API's own envelope, or the gateway's `{"message"}`). */
export function apiError(status: number, body: unknown): ApiError {
  const envelope = (body ?? {}) as { error?: { code?: string; message?: string; details?: ErrorDetail[] }; message?: string };
  if (envelope.error) {
    return new ApiError(status, envelope.error.code ?? "error", envelope.error.message ?? "", envelope.error.details ?? []);
  }
  return new ApiError(status, status === 401 ? "unauthorized" : "error", envelope.message ?? `HTTP ${status}`);
}

/** The data of an openapi-fetch result, or its error thrown as an ApiError. */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw apiError(response.status, error);
  return data as T;
}
