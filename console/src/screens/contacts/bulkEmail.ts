/** An email to a selection (POST /v1/emails/bulk and its preview): the request from the dialog's
 * input, and the skip reasons the counts name. Pure. */
import type { BulkEmailRequest } from "../../api/types";
import type { Selection } from "./bulk";

export interface BulkEmailInput {
  templateId: string;
  subject: string;
  body: string;
}

/** Why a contact gets no email, in the order the counts show them (the API's names). */
export const SKIP_REASONS = ["no_email", "empty_merge_field", "delivery_status", "opted_out", "not_found"] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/** The body for SELECTION: the template (its subject and body as edited) or the subject and text. */
export function bulkEmailBody(selection: Selection, input: BulkEmailInput): BulkEmailRequest {
  const body: BulkEmailRequest = { selection, subject: input.subject, body_text: input.body, track_opens: true, track_clicks: true };
  if (input.templateId) body.template_id = input.templateId;
  return body;
}
