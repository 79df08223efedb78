/** /settings/tags: the tenant's tags with how many contacts carry each; create, and delete (which
 * takes the tag off every contact, said before it is done). */
import { useState } from "preact/hooks";
import { api, unwrap } from "../../api/client";
import type { Tag } from "../../api/types";
import { defineMessages, formatNumber, useLanguage, useMessages } from "../../i18n";
import { roleOf, useMe, useSettings } from "../../lib/account";
import { canDeleteTags } from "../../lib/roles";
import { Empty, LoadedList } from "../../ui/states";
import { announce, ConfirmRemoval, NameForm, refocus } from "../../ui/forms";
import { useLoaded, useSubmit } from "../../lib/async";

const words = defineMessages(
  {
    heading: "タグ",
    caption: "タグ一覧",
    name: "タグ名",
    count: "連絡先数",
    actions: "操作",
    create: "タグを作成",
    created: "タグ「{name}」を作成しました。",
    remove: "削除",
    empty: "タグはまだありません。",
    unknownCount: "—",
    removeTitle: "タグを削除",
    removeText: "タグ「{name}」を削除します。このタグは {count} 件の連絡先から外されます。元に戻すことはできません。",
    removeTextUncounted: "タグ「{name}」を削除します。このタグはすべての連絡先から外されます。元に戻すことはできません。",
    removeConfirm: "削除する",
    removed: "タグ「{name}」を削除しました。",
    removing: "タグ「{name}」を削除しました。連絡先からは順に外されます。",
  },
  {
    heading: "Tags",
    caption: "Tags",
    name: "Tag name",
    count: "Contacts",
    actions: "Actions",
    create: "Create tag",
    created: "Tag {name} was created.",
    remove: "Delete",
    empty: "No tags yet.",
    unknownCount: "—",
    removeTitle: "Delete tag",
    removeText: "Tag {name} will be deleted and taken off {count} contacts. This cannot be undone.",
    removeTextUncounted: "Tag {name} will be deleted and taken off every contact carrying it. This cannot be undone.",
    removeConfirm: "Delete",
    removed: "Tag {name} was deleted.",
    removing: "Tag {name} was deleted; it is being taken off its contacts.",
  },
);

export function Tags() {
  const t = useMessages(words);
  const lang = useLanguage();
  const deletes = canDeleteTags(roleOf(useMe()), useSettings());
  const loaded = useLoaded(async () => (await unwrap(api.GET("/v1/tags"))).items);
  const [removing, setRemoving] = useState<Tag | null>(null);
  const [name, setName] = useState("");
  const create = useSubmit(async () => {
    const tag = await unwrap(api.POST("/v1/tags", { body: { name } }));
    loaded.setData([...(loaded.data ?? []), tag].sort((a, b) => a.name.localeCompare(b.name)));
    setName("");
    announce(t("created", { name: tag.name }));
  });

  return (
    <section aria-labelledby="tags-heading">
      <h2 id="tags-heading" tabIndex={-1}>{t("heading")}</h2>
      <NameForm id="tag-name" label={t("name")} submitLabel={t("create")} name={name}
        maxLength={50} onName={setName} submit={create} />
      <LoadedList items={loaded.data} error={loaded.error} retry={loaded.reload}
        empty={<Empty title={t("empty")} />}>
        {(items) => (
          <table class="data">
            <caption class="visually-hidden">{t("caption")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("name")}</th>
                <th scope="col" class="numeric">{t("count")}</th>
                {deletes && <th scope="col">{t("actions")}</th>}
              </tr>
            </thead>
            <tbody>
              {items.map((tag) => (
                <tr key={tag.name}>
                  <td>{tag.name}</td>
                  <td class="numeric">{tag.contact_count === null || tag.contact_count === undefined ? t("unknownCount") : formatNumber(tag.contact_count, lang)}</td>
                  {deletes && (
                    <td><div class="row-actions">
                      <button type="button" class="danger" onClick={() => setRemoving(tag)} aria-label={`${t("remove")}: ${tag.name}`}>
                        {t("remove")}
                      </button>
                    </div></td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </LoadedList>
      {removing && (
        <RemoveTag
          tag={removing}
          onClose={() => setRemoving(null)}
          onDone={(message) => {
            loaded.setData((loaded.data ?? []).filter((each) => each.name !== removing.name));
            setRemoving(null);
            announce(message);
            refocus("tags-heading");
          }}
        />
      )}
    </section>
  );
}

function RemoveTag({ tag, onClose, onDone }: { tag: Tag; onClose: () => void; onDone: (message: string) => void }) {
  const t = useMessages(words);
  const counted = typeof tag.contact_count === "number";
  return (
    <ConfirmRemoval
      title={t("removeTitle")}
      text={counted ? t("removeText", { name: tag.name, count: tag.contact_count! }) : t("removeTextUncounted", { name: tag.name })}
      confirm={t("removeConfirm")}
      onClose={onClose}
      remove={async () => {
        const job = await unwrap(api.DELETE("/v1/tags/{name}", { params: { path: { name: tag.name } } }));
        onDone(t(job ? "removing" : "removed", { name: tag.name }));
      }}
    />
  );
}
