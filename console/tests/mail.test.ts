import assert from "node:assert/strict";
import { test } from "node:test";
import { emailRequest, EMPTY_FORM } from "../src/screens/contact/composeRequest";
import {
  counterpart, excerpt, folderTime, frameDocument, framePolicy, hasRemoteImages, isFolder, newestFirst, replySubject,
} from "../src/screens/mail/mailView";

test("only the three folders are folders (templates is a screen of its own)", () => {
  assert.ok(isFolder("received") && isFolder("sent") && isFolder("scheduled"));
  for (const other of ["templates", "inbox", "", undefined]) assert.equal(isFolder(other), false, String(other));
});

test("a collapsed message shows one line of about 120 characters, cut with … only when cut", () => {
  assert.deepEqual(excerpt("お世話になっております。\n\n  山田です。"), { text: "お世話になっております。 山田です。", cut: false });
  const long = "あ".repeat(130);
  assert.deepEqual(excerpt(long), { text: `${"あ".repeat(120)}…`, cut: true });
  // an emoji is one character: never split in half
  assert.deepEqual(excerpt("😀".repeat(5), 3), { text: "😀😀😀…", cut: true });
});

test("a reply's subject has Re: once, whatever the original had", () => {
  assert.equal(replySubject("ご提案"), "Re: ご提案");
  assert.equal(replySubject("Re: ご提案"), "Re: ご提案");
  assert.equal(replySubject("RE: re: ご提案"), "Re: ご提案");
  assert.equal(replySubject("Re[2]: ご提案"), "Re: ご提案");
  assert.equal(replySubject("Ｒｅ：ご提案"), "Re: ご提案");
  assert.equal(replySubject("Regarding the offer"), "Re: Regarding the offer");
});

test("a row names the sender of a received email and the recipient of ours; the time fits the folder", () => {
  const email = {
    from: { id: null, name: "山田 太郎", email: "taro@example.jp" }, to: "rep@example.jp",
    send_at: "2026-12-08T00:00:00Z", sent_at: "2026-12-07T01:00:00Z", created_at: "2026-12-07T00:00:00Z",
  };
  assert.deepEqual(counterpart(email as never, "received"), { name: "山田 太郎", address: "taro@example.jp" });
  assert.deepEqual(counterpart(email as never, "sent"), { name: "", address: "rep@example.jp" });
  assert.equal(folderTime(email, "scheduled"), "2026-12-08T00:00:00Z");
  assert.equal(folderTime(email, "sent"), "2026-12-07T01:00:00Z");
  assert.equal(folderTime({ ...email, sent_at: null }, "received"), "2026-12-07T00:00:00Z");
});

test("the thread shows the newest on top without changing the API's list", () => {
  const oldestFirst = [1, 2, 3];
  assert.deepEqual(newestFirst(oldestFirst), [3, 2, 1]);
  assert.deepEqual(oldestFirst, [1, 2, 3]);
});

test("remote images are found in sanitised HTML; inline ones are not remote", () => {
  assert.ok(hasRemoteImages('<p>x</p><img src="https://tracker.example/p.gif" referrerpolicy="no-referrer">'));
  assert.ok(hasRemoteImages("<IMG alt=x SRC=http://example.jp/a.png>"));
  assert.equal(hasRemoteImages('<img src="data:image/gif;base64,R0lGOD">'), false);
  assert.equal(hasRemoteImages('<a href="https://example.jp/">https://example.jp/</a>'), false);
});

test("the frame's policy loads nothing remote until images are allowed, then https: images only", () => {
  assert.equal(framePolicy(false),
    "default-src 'none'; style-src-attr 'unsafe-inline'; img-src data:; form-action 'none'; base-uri 'none'");
  assert.equal(framePolicy(true),
    "default-src 'none'; style-src-attr 'unsafe-inline'; img-src data: https:; form-action 'none'; base-uri 'none'");
  const frame = frameDocument("<p>本文</p>", false, "ja");
  assert.ok(frame.startsWith('<!doctype html><html lang="ja"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy"'));
  assert.ok(frame.indexOf("Content-Security-Policy") < frame.indexOf("<p>本文</p>"));
  assert.ok(frame.endsWith("<body><p>本文</p></body></html>"));
  assert.ok(frame.includes('<base target="_blank">'), "links open in a new tab, not in the frame");
});

test("a reply names the email it answers; a new email names none", () => {
  const form = { ...EMPTY_FORM, subject: "Re: ご提案", body: "ありがとうございます。" };
  assert.equal(emailRequest({ ...form, inReplyTo: "e1" }, "c1").in_reply_to, "e1");
  assert.equal("in_reply_to" in emailRequest(form, "c1"), false);
});
