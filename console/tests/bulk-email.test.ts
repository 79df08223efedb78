import assert from "node:assert/strict";
import { test } from "node:test";
import type { AnyJob } from "../src/api/types";
import { bulkEmailBody } from "../src/screens/contacts/bulkEmail";
import { detailHref, jobCounts, kindOf } from "../src/screens/jobs/jobText";

test("the bulk email body: the selection, the subject and text, the template when one is chosen", () => {
  const selection = { ids: ["a", "b"] };
  assert.deepEqual(bulkEmailBody(selection, { templateId: "", subject: "件名", body: "本文" }),
    { selection, subject: "件名", body_text: "本文", track_opens: true, track_clicks: true });
  assert.deepEqual(bulkEmailBody({ segment_id: "s" }, { templateId: "t1", subject: "件名", body: "本文" }),
    { selection: { segment_id: "s" }, subject: "件名", body_text: "本文", track_opens: true, track_clicks: true, template_id: "t1" });
});

test("an email to a selection on the jobs screen: its kind, sent and the skips above zero, no page", () => {
  const job = { id: "9", type: "bulk_email", status: "succeeded",
    counts: { sent: 2, scheduled: 0, failed: 0, cancelled: 0, no_email: 1, empty_merge_field: 0, delivery_status: 0, opted_out: 3, not_found: 0 } } as unknown as AnyJob;
  assert.equal(kindOf(job), "bulk_email");
  assert.deepEqual(jobCounts(job), [["email_sent", 2], ["email_no_email", 1], ["email_opted_out", 3]]);
  assert.equal(detailHref(job), null);
});
