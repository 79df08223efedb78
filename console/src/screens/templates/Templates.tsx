/** /mail/templates: the tenant's email templates (one GET /v1/email-templates), each with what
 * became of the emails sent from it (送信数, 開封率, クリック率: a person's first open or click),
 * created and updated dates; create, edit (TemplateDialog) and delete, asked once more. Edit and
 * delete are offered to the template's creator, owners and admins (the API decides). */
import { useState } from "preact/hooks";
import { api, unwrap } from "../../api/client";
import type { EmailTemplate } from "../../api/types";
import { formatDate, formatNumber, useLanguage, useMessages } from "../../i18n";
import { roleOf, useMe } from "../../lib/account";
import { canEditTemplate } from "../../lib/roles";
import { Empty, LoadedList } from "../../ui/states";
import { usePageTitle } from "../../ui/title";
import { announce, Announcer, ConfirmRemoval, refocus } from "../../ui/forms";
import { useLoaded } from "../../lib/async";
import { templateMessages } from "./messages";
import { formatRate } from "./stats";
import { TemplateDialog } from "./TemplateDialog";

/** The API's order: by name, then id (code points, as Python sorts). */
function byName(a: EmailTemplate, b: EmailTemplate): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

type Editing = { template: EmailTemplate | null } | null;

export function Templates() {
  const t = useMessages(templateMessages);
  const lang = useLanguage();
  const me = useMe();
  const role = roleOf(me);
  usePageTitle(t("title"));
  const loaded = useLoaded(async () => (await unwrap(api.GET("/v1/email-templates"))).items);
  const [editing, setEditing] = useState<Editing>(null);
  const [removing, setRemoving] = useState<EmailTemplate | null>(null);

  const saved = (template: EmailTemplate) => {
    const others = (loaded.data ?? []).filter((each) => each.id !== template.id);
    loaded.setData([...others, template].sort(byName));
    announce(t(editing?.template ? "saved" : "created", { name: template.name }));
    setEditing(null);
  };
  const rate = (count: number, sent: number, words: "openedCount" | "clickedCount") => (
    <>
      {formatRate(count, sent, lang) ?? t("noRate")}
      <span class="muted stat-count">{t(words, { count })}</span>
    </>
  );

  return (
    <section class="templates" aria-labelledby="templates-heading">
      <p class="back-link"><a href="/mail">← {t("backToMail")}</a></p>
      <div class="page-head">
        <h1 id="templates-heading" tabIndex={-1}>{t("title")}</h1>
        <button type="button" class="primary" onClick={() => setEditing({ template: null })}>{t("create")}</button>
      </div>
      <Announcer />
      <LoadedList items={loaded.data} error={loaded.error} retry={loaded.reload}
        empty={<Empty title={t("empty")}><p>{t("emptyHelp")}</p></Empty>}>
        {(items) => (
          <>
            <p class="muted hint" id="templates-stats-help">{t("statsHelp")}</p>
            <div class="table-scroll">
              <table class="data templates-table" aria-describedby="templates-stats-help">
                <caption class="visually-hidden">{t("caption")}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t("name")}</th>
                    <th scope="col">{t("subject")}</th>
                    <th scope="col" class="numeric">{t("sent")}</th>
                    <th scope="col" class="numeric">{t("openRate")}</th>
                    <th scope="col" class="numeric">{t("clickRate")}</th>
                    <th scope="col">{t("createdAt")}</th>
                    <th scope="col">{t("updatedAt")}</th>
                    <th scope="col">{t("actions")}</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((template) => (
                    <tr key={template.id}>
                      <th scope="row">{template.name}</th>
                      <td class="template-subject">{template.subject}</td>
                      <td class="numeric">{formatNumber(template.stats.sent, lang)}</td>
                      <td class="numeric">{rate(template.stats.opened, template.stats.sent, "openedCount")}</td>
                      <td class="numeric">{rate(template.stats.clicked, template.stats.sent, "clickedCount")}</td>
                      <td>{formatDate(template.created_at, lang)}</td>
                      <td>{formatDate(template.updated_at, lang)}</td>
                      <td>
                        {me && canEditTemplate(role, template.created_by, me.id) && (
                          <div class="row-actions">
                            <button type="button" onClick={() => setEditing({ template })} aria-label={`${t("edit")}: ${template.name}`}>
                              {t("edit")}
                            </button>
                            <button type="button" class="danger" onClick={() => setRemoving(template)} aria-label={`${t("remove")}: ${template.name}`}>
                              {t("remove")}
                            </button>
                          </div>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </LoadedList>
      {editing && <TemplateDialog template={editing.template} onClose={() => setEditing(null)} onSaved={saved} />}
      {removing && (
        <ConfirmRemoval
          title={t("removeTitle")}
          text={t("removeText", { name: removing.name })}
          confirm={t("removeConfirm")}
          onClose={() => setRemoving(null)}
          remove={async () => {
            await unwrap(api.DELETE("/v1/email-templates/{id}", { params: { path: { id: removing.id } } }));
            loaded.setData((loaded.data ?? []).filter((each) => each.id !== removing.id));
            announce(t("removed", { name: removing.name }));
            setRemoving(null);
            refocus("templates-heading");
          }}
        />
      )}
    </section>
  );
}
