/** The composer's form as the body of POST /v1/emails and POST /v1/emails/preview. Pure. */
import type { EmailRequest } from "../../api/types";
import { addressList } from "../../lib/mergeFields";

export interface ComposeForm {
  cc: string;
  bcc: string;
  subject: string;
  body: string;
  templateId: string;
  trackOpens: boolean;
  trackClicks: boolean;
  notifyOnOpen: boolean;
  notifyOnClick: boolean;
  /** The email this one replies to (返信 in the mailbox): its id, or "". */
  inReplyTo: string;
}

export const EMPTY_FORM: ComposeForm = {
  cc: "", bcc: "", subject: "", body: "", templateId: "",
  trackOpens: true, trackClicks: true, notifyOnOpen: false, notifyOnClick: false, inReplyTo: "",
};

/** The request for CONTACT_ID; SEND_AT (UTC ISO) schedules it. A text email: no `body_html`. */
export function emailRequest(form: ComposeForm, contactId: string, sendAt: string | null = null): EmailRequest {
  return {
    contact_id: contactId,
    transport: "ses",
    cc: addressList(form.cc),
    bcc: addressList(form.bcc),
    subject: form.subject,
    body_text: form.body,
    track_opens: form.trackOpens,
    track_clicks: form.trackClicks,
    notify_on_open: form.notifyOnOpen,
    notify_on_click: form.notifyOnClick,
    ...(form.templateId ? { template_id: form.templateId } : {}),
    ...(form.inReplyTo ? { in_reply_to: form.inReplyTo } : {}),
    ...(sendAt ? { send_at: sendAt } : {}),
  };
}

/** The field of the form that an API detail names (`cc[1]` is Cc); null when it is no field of ours. */
export function formFieldOf(detailField: string): keyof ComposeForm | "sendAt" | null {
  const name = detailField.replace(/\[\d+\]$/, "");
  const fields: Record<string, keyof ComposeForm | "sendAt"> = {
    cc: "cc", bcc: "bcc", subject: "subject", body_text: "body", body: "body", send_at: "sendAt", template_id: "templateId",
  };
  return fields[name] ?? null;
}
