/** /settings/site-keys (owner and admin): the site keys of web collection. Each key shows the tag a
 * site pastes into its pages (collect.js from the API's own host, as the API builds it) with a コピー
 * button; keys are created with a name and the origins allowed to use them, edited, and deleted. */
import { useState } from "preact/hooks";
import { api, ApiError, unwrap } from "../../api/client";
import type { SiteKey } from "../../api/types";
import { defineMessages, formatDateTime, useLanguage, useMessages } from "../../i18n";
import { Dialog } from "../../ui/Dialog";
import { Empty, LoadedList } from "../../ui/states";
import { CopyText } from "./CopyText";
import { announce, ConfirmRemoval, Field, FormActions, FormError, messagesFor, refocus } from "../../ui/forms";
import { useLoaded, useSubmit } from "../../lib/async";
import { originLines, originMessages } from "./siteKeyRules";

const words = defineMessages(
  {
    heading: "サイトキー",
    help: "自社サイトの閲覧やフォーム送信を記録するには、サイトキーを作成し、表示されるタグをサイトの全ページの </head> の直前に貼り付けます。記録されるのは、許可したオリジンのページからの送信だけです。",
    create: "サイトキーを作成",
    createTitle: "サイトキーを作成",
    editTitle: "サイトキーを編集: {name}",
    name: "サイト名",
    origins: "許可するオリジン（1 行に 1 つ）",
    originsHint: "例: https://www.example.jp（パスは不要）。https://*.example.jp と書くと example.jp のすべてのサブドメインを許可します。",
    originLine: "{line} 行目（{origin}）: {message}",
    key: "キー",
    allowed: "許可するオリジン",
    created: "作成日時",
    snippet: "貼り付けるタグ",
    edit: "編集",
    remove: "削除",
    submitCreate: "作成する",
    submitEdit: "保存する",
    createdDone: "サイトキー「{name}」を作成しました。タグをコピーしてサイトに貼り付けてください。",
    editedDone: "サイトキー「{name}」を保存しました。",
    empty: "サイトキーはまだありません。",
    emptyHelp: "「サイトキーを作成」から、記録したいサイトのオリジンを登録してください。",
    removeTitle: "サイトキーを削除",
    removeText: "サイトキー「{name}」を削除します。このキーのタグを貼ったページからの記録は、すぐに受け付けられなくなります。元に戻すことはできません。",
    removeConfirm: "削除する",
    removed: "サイトキー「{name}」を削除しました。",
  },
  {
    heading: "Site keys",
    help: "To record visits and form submissions on your own site, create a site key and paste the tag shown into every page of the site, just before </head>. Only pages of the origins you allow are recorded.",
    create: "Create site key",
    createTitle: "Create site key",
    editTitle: "Edit site key: {name}",
    name: "Site name",
    origins: "Allowed origins (one per line)",
    originsHint: "E.g. https://www.example.jp (no path). https://*.example.jp allows every subdomain of example.jp.",
    originLine: "Line {line} ({origin}): {message}",
    key: "Key",
    allowed: "Allowed origins",
    created: "Created",
    snippet: "Tag to paste",
    edit: "Edit",
    remove: "Delete",
    submitCreate: "Create",
    submitEdit: "Save",
    createdDone: "Site key {name} was created: copy its tag into your site.",
    editedDone: "Site key {name} was saved.",
    empty: "No site keys yet.",
    emptyHelp: "Use Create site key to register the origins of the site to record.",
    removeTitle: "Delete site key",
    removeText: "Site key {name} will be deleted: pages carrying its tag are no longer recorded, at once. This cannot be undone.",
    removeConfirm: "Delete",
    removed: "Site key {name} was deleted.",
  },
);

type Open = { kind: "create" } | { kind: "edit"; site: SiteKey } | { kind: "remove"; site: SiteKey } | null;

export function SiteKeys() {
  const t = useMessages(words);
  const lang = useLanguage();
  const loaded = useLoaded(async () => (await unwrap(api.GET("/v1/site-keys"))).items);
  const [open, setOpen] = useState<Open>(null);

  function saved(site: SiteKey, message: string) {
    const others = (loaded.data ?? []).filter((each) => each.site_key !== site.site_key);
    loaded.setData([...others, site].sort((a, b) => a.created_at.localeCompare(b.created_at)));
    setOpen(null);
    announce(message);
  }

  return (
    <section aria-labelledby="site-keys-heading">
      <div class="section-head">
        <h2 id="site-keys-heading" tabIndex={-1}>{t("heading")}</h2>
        <button type="button" class="primary" onClick={() => setOpen({ kind: "create" })}>{t("create")}</button>
      </div>
      <p class="muted">{t("help")}</p>
      <LoadedList items={loaded.data} error={loaded.error} retry={loaded.reload}
        empty={<Empty title={t("empty")}><p class="muted">{t("emptyHelp")}</p></Empty>}>
        {(items) => (
          <ul class="key-list">
            {items.map((site) => {
              const named = (action: string) => ({ "aria-label": `${action}: ${site.name}` });
              return (
                <li key={site.site_key} class="key-card">
                  <article aria-labelledby={`site-${site.site_key}`}>
                    <div class="section-head">
                      <h3 id={`site-${site.site_key}`}>{site.name}</h3>
                      <div class="row-actions">
                        <button type="button" onClick={() => setOpen({ kind: "edit", site })} {...named(t("edit"))}>{t("edit")}</button>
                        <button type="button" class="danger" onClick={() => setOpen({ kind: "remove", site })} {...named(t("remove"))}>{t("remove")}</button>
                      </div>
                    </div>
                    <dl class="key-facts">
                      <dt>{t("key")}</dt>
                      <dd><code>{site.site_key}</code></dd>
                      <dt>{t("allowed")}</dt>
                      <dd><ul class="plain-list">{site.allowed_origins.map((origin) => <li key={origin}><code>{origin}</code></li>)}</ul></dd>
                      <dt>{t("created")}</dt>
                      <dd>{formatDateTime(site.created_at, lang)}</dd>
                    </dl>
                    <CopyText id={`snippet-${site.site_key}`} label={t("snippet")} text={site.snippet} what={site.name} />
                  </article>
                </li>
              );
            })}
          </ul>
        )}
      </LoadedList>
      {(open?.kind === "create" || open?.kind === "edit") && (
        <SiteKeyDialog site={open.kind === "edit" ? open.site : null} onClose={() => setOpen(null)} onDone={saved} />
      )}
      {open?.kind === "remove" && (
        <ConfirmRemoval
          title={t("removeTitle")}
          text={t("removeText", { name: open.site.name })}
          confirm={t("removeConfirm")}
          onClose={() => setOpen(null)}
          remove={async () => {
            const site = open.site;
            await unwrap(api.DELETE("/v1/site-keys/{key}", { params: { path: { key: site.site_key } } }));
            loaded.setData((loaded.data ?? []).filter((each) => each.site_key !== site.site_key));
            setOpen(null);
            announce(t("removed", { name: site.name }));
            refocus("site-keys-heading");
          }}
        />
      )}
    </section>
  );
}

function SiteKeyDialog({ site, onClose, onDone }: {
  site: SiteKey | null;
  onClose: () => void;
  onDone: (site: SiteKey, message: string) => void;
}) {
  const t = useMessages(words);
  const [sent, setSent] = useState(originLines(""));
  const { busy, error, onSubmit } = useSubmit(async (form) => {
    const lines = originLines(String(form.get("allowed_origins")));
    setSent(lines);
    const body = { name: String(form.get("name")).trim(), allowed_origins: lines.map((each) => each.origin) };
    const answer = site
      ? await unwrap(api.PATCH("/v1/site-keys/{key}", { params: { path: { key: site.site_key } }, body }))
      : await unwrap(api.POST("/v1/site-keys", { body }));
    onDone(answer, t(site ? "editedDone" : "createdDone", { name: answer.name }));
  });
  const details = error instanceof ApiError ? error.details : [];
  const originErrors = originMessages(details, sent, (line, origin, message) => t("originLine", { line, origin, message }));
  const originFields = details.map((detail) => detail.field).filter((field) => field.startsWith("allowed_origins"));
  return (
    <Dialog title={site ? t("editTitle", { name: site.name }) : t("createTitle")} onClose={onClose}>
      <form onSubmit={onSubmit} noValidate>
        <FormError error={error} fields={["name", ...originFields]} />
        <Field id="site-key-name" label={t("name")} errors={messagesFor(error, "name")}>
          {(described) => <input {...described} name="name" defaultValue={site?.name ?? ""} maxLength={100} required autofocus />}
        </Field>
        <Field id="site-key-origins" label={t("origins")} hint={t("originsHint")} errors={originErrors}>
          {(described) => (
            <textarea {...described} name="allowed_origins" rows={4} spellcheck={false} autocapitalize="off"
              defaultValue={(site?.allowed_origins ?? []).join("\n")} placeholder="https://www.example.jp" />
          )}
        </Field>
        <FormActions busy={busy} label={t(site ? "submitEdit" : "submitCreate")} onCancel={onClose} />
      </form>
    </Dialog>
  );
}
