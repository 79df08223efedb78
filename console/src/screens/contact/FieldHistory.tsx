/** A field's change history (GET /v1/contacts/{id}/history?field=): a 履歴 button beside the
 * field opens a dialog listing each change newest first (when, who, before → after), a page at
 * a time. */
import { useState } from "preact/hooks";
import { api, unwrap } from "../../api/client";
import type { HistoryEntry } from "../../api/types";
import { formatDateTime, useLanguage, useMessages } from "../../i18n";
import { useCursorPages } from "../../lib/cursorPages";
import { memberNames, useMembers } from "../../lib/members";
import { Dialog } from "../../ui/Dialog";
import { ErrorSummary } from "../../ui/ErrorSummary";
import { Empty, LoadedList } from "../../ui/states";
import { actorKind, historyValueText } from "./historyText";
import { contactMessages } from "./messages";

export function HistoryButton({ contactId, field, label }: { contactId: string; field: string; label: string }) {
  const t = useMessages(contactMessages);
  const [open, setOpen] = useState(false);
  return (
    <>
      {/* named 履歴 and described by its field (title): a name holding the field's label would make
          that label find two controls (the field and this button) */}
      <button type="button" class="history-button" onClick={() => setOpen(true)} title={t("historyOf", { field: label })}>
        {t("history")}
      </button>
      {open && <HistoryDialog contactId={contactId} field={field} label={label} onClose={() => setOpen(false)} />}
    </>
  );
}

function HistoryDialog({ contactId, field, label, onClose }: { contactId: string; field: string; label: string; onClose: () => void }) {
  const t = useMessages(contactMessages);
  const lang = useLanguage();
  const names = memberNames(useMembers());
  const pages = useCursorPages<HistoryEntry>(`${contactId}|${field}`, (cursor) => unwrap(api.GET("/v1/contacts/{id}/history", {
    params: { path: { id: contactId }, query: { field, ...(cursor ? { cursor } : {}) } },
  })));
  const value = (raw: unknown) => historyValueText(field, raw, lang, names) || t("empty");
  const actor = (entry: HistoryEntry) => {
    const kind = actorKind(entry);
    return kind === "member" ? entry.actor_name ?? "" : t(({ formerMember: "actorFormer", import: "actorImport", apiKey: "actorApiKey", system: "actorSystem" } as const)[kind]);
  };
  return (
    <Dialog title={t("historyOf", { field: label })} onClose={onClose}>
      <LoadedList
        items={pages.status === "ready" ? pages.rows : null}
        error={pages.error}
        retry={pages.reload}
        empty={<Empty title={t("historyEmpty")} />}
      >
        {(entries) => (
          <ol class="history-list">
            {entries.map((entry) => (
              <li key={entry.id} class="history-entry">
                <p class="history-meta">
                  <time dateTime={entry.at}>{formatDateTime(entry.at, lang)}</time>
                  <span>{actor(entry)}</span>
                </p>
                <p class="history-change">
                  <span class="history-old">{value(entry.old)}</span>
                  <span> → </span>
                  <span class="history-new">{value(entry.new)}</span>
                </p>
              </li>
            ))}
          </ol>
        )}
      </LoadedList>
      <ErrorSummary error={pages.moreError} />
      {pages.status === "ready" && pages.more && (
        <button type="button" onClick={pages.loadMore} disabled={pages.loadingMore} aria-busy={pages.loadingMore}>{t("more")}</button>
      )}
    </Dialog>
  );
}
