/** /settings/properties: custom properties (create, change label and options, archive, restore).
 * GET /v1/properties lists every definition, archived ones included: those are listed apart. */
import { useState } from "preact/hooks";
import { api, unwrap } from "../../api/client";
import type { PropertyDefinition } from "../../api/types";
import { defineMessages, useMessages } from "../../i18n";
import { ErrorSummary } from "../../ui/ErrorSummary";
import { Empty, Loading, LoadError } from "../../ui/states";
import { announce, refocus } from "../../ui/forms";
import { useAction, useLoaded } from "../../lib/async";
import { PropertyDialog, typeLabels } from "./PropertyDialog";
import { splitArchived } from "./propertyRules";

export const propertyWords = defineMessages(
  {
    heading: "カスタム項目",
    help: "連絡先に独自の項目を追加できます。アーカイブした項目は表示されなくなりますが、値は保持され、復元できます。",
    create: "カスタム項目を追加",
    caption: "使用中のカスタム項目",
    archivedHeading: "アーカイブ済み",
    archivedCaption: "アーカイブ済みのカスタム項目",
    key: "キー",
    label: "表示名",
    type: "種類",
    options: "選択肢",
    actions: "操作",
    edit: "編集",
    archive: "アーカイブ",
    restore: "復元",
    empty: "カスタム項目はまだありません。",
    archivedDone: "「{label}」をアーカイブしました。",
    restoredDone: "「{label}」を復元しました。",
  },
  {
    heading: "Custom fields",
    help: "Add fields of your own to contacts. An archived field is hidden but its values are kept, and it can be restored.",
    create: "Add a custom field",
    caption: "Custom fields in use",
    archivedHeading: "Archived",
    archivedCaption: "Archived custom fields",
    key: "Key",
    label: "Label",
    type: "Type",
    options: "Options",
    actions: "Actions",
    edit: "Edit",
    archive: "Archive",
    restore: "Restore",
    empty: "No custom fields yet.",
    archivedDone: "{label} is archived.",
    restoredDone: "{label} is restored.",
  },
);

type Open = { kind: "create" } | { kind: "edit"; property: PropertyDefinition } | null;

export function Properties() {
  const t = useMessages(propertyWords);
  const types = useMessages(typeLabels);
  const loaded = useLoaded(async () => (await unwrap(api.GET("/v1/properties"))).items as PropertyDefinition[]);
  const [open, setOpen] = useState<Open>(null);
  const { busy, error, run } = useAction();

  function setArchived(property: PropertyDefinition, archived: boolean) {
    return run(async () => {
      const changed = await unwrap(api.PATCH("/v1/properties/{key}", { params: { path: { key: property.key } }, body: { archived } }));
      replace(changed as PropertyDefinition);
      announce(t(archived ? "archivedDone" : "restoredDone", { label: property.label }));
      refocus("properties-heading");
    });
  }

  function replace(property: PropertyDefinition) {
    const others = (loaded.data ?? []).filter((each) => each.key !== property.key);
    loaded.setData([...others, property].sort((a, b) => a.key.localeCompare(b.key)));
  }

  function table(items: PropertyDefinition[], caption: string, archived: boolean) {
    return (
      <table class="data">
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t("label")}</th>
            <th scope="col">{t("key")}</th>
            <th scope="col">{t("type")}</th>
            <th scope="col">{t("options")}</th>
            <th scope="col">{t("actions")}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((property) => {
            const named = (action: string) => ({ "aria-label": `${action}: ${property.label}` });
            return (
              <tr key={property.key}>
                <td>{property.label}</td>
                <td><code>{property.key}</code></td>
                <td>{types(property.type as keyof typeof typeLabels.ja)}</td>
                <td>{(property.options ?? []).join("、")}</td>
                <td><div class="row-actions">
                  {archived ? (
                    <button type="button" disabled={busy} onClick={() => setArchived(property, false)} {...named(t("restore"))}>{t("restore")}</button>
                  ) : (
                    <>
                      <button type="button" disabled={busy} onClick={() => setOpen({ kind: "edit", property })} {...named(t("edit"))}>{t("edit")}</button>
                      <button type="button" disabled={busy} onClick={() => setArchived(property, true)} {...named(t("archive"))}>{t("archive")}</button>
                    </>
                  )}
                </div></td>
              </tr>
            );
          })}
        </tbody>
      </table>
    );
  }

  const split = loaded.data ? splitArchived(loaded.data) : null;
  return (
    <section aria-labelledby="properties-heading">
      <div class="section-head">
        <h2 id="properties-heading" tabIndex={-1}>{t("heading")}</h2>
        <button type="button" class="primary" onClick={() => setOpen({ kind: "create" })}>{t("create")}</button>
      </div>
      <p class="muted">{t("help")}</p>
      <ErrorSummary error={error} />
      {loaded.error ? <LoadError error={loaded.error} retry={loaded.reload} />
        : !split ? <Loading />
        : (
          <>
            {split.active.length ? table(split.active, t("caption"), false) : <Empty title={t("empty")} />}
            {split.archived.length > 0 && (
              <section aria-labelledby="archived-heading" class="archived">
                <h3 id="archived-heading">{t("archivedHeading")}</h3>
                {table(split.archived, t("archivedCaption"), true)}
              </section>
            )}
          </>
        )}
      {open && (
        <PropertyDialog
          property={open.kind === "edit" ? open.property : null}
          onClose={() => setOpen(null)}
          onDone={(property, message) => { replace(property); setOpen(null); announce(message); }}
        />
      )}
    </section>
  );
}
