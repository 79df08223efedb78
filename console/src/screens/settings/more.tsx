/** Placeholders of the settings sections issue 21 adds (mailbox, site keys, API keys, usage): their
 * helper replaces them with one file each. */
export function Mailbox() {
  return <h2>メールボックス</h2>;
}

export function SiteKeys() {
  return <h2>サイトキー</h2>;
}

export function ApiKeys() {
  return <h2>API キー</h2>;
}

export function Usage() {
  return <h2>ご利用状況</h2>;
}
