/** /settings/api-keys (owner and admin): the keys a tenant's servers send events with (POST /v1/events,
 * header X-Api-Key). A new key's secret is shown once, in a dialog, to copy; the list never has it.
 * Deleting a key stops it at once. */
import { useState } from "preact/hooks";
import { api, unwrap } from "../../api/client";
import type { ApiKey, ApiKeyCreated } from "../../api/types";
import { defineMessages, formatDateTime, useLanguage, useMessages } from "../../i18n";
import { memberNames, useMembers } from "../../lib/members";
import { Dialog } from "../../ui/Dialog";
import { Empty, LoadedList } from "../../ui/states";
import { CopyText } from "./CopyText";
import { announce, ConfirmRemoval, NameForm, refocus } from "../../ui/forms";
import { useLoaded, useSubmit } from "../../lib/async";

const words = defineMessages(
  {
    heading: "API キー",
    help: "自社のサーバーから連絡先の行動（購入など）を送るためのキーです。POST /v1/events に、X-Api-Key ヘッダーで付けて送ります。",
    caption: "API キー一覧",
    keyName: "キーの名前",
    create: "API キーを作成",
    name: "名前",
    created: "作成日時",
    createdBy: "作成者",
    actions: "操作",
    formerMember: "（退会したメンバー）",
    remove: "削除",
    empty: "API キーはまだありません。",
    secretTitle: "API キーを作成しました",
    secretWarning: "このキーが表示されるのは今だけです。閉じると二度と表示できません。今すぐコピーし、安全な場所に保管してください。",
    secretLabel: "API キー「{name}」",
    done: "保管したので閉じる",
    createdDone: "API キー「{name}」を作成しました。",
    removeTitle: "API キーを削除",
    removeText: "API キー「{name}」を削除します。このキーを使っている連携は、すぐにイベントを送れなくなります。元に戻すことはできません。",
    removeConfirm: "削除する",
    removed: "API キー「{name}」を削除しました。",
  },
  {
    heading: "API keys",
    help: "Keys your own servers send contacts' actions (purchases and the like) with: POST /v1/events with the key in the X-Api-Key header.",
    caption: "API keys",
    keyName: "Key name",
    create: "Create API key",
    name: "Name",
    created: "Created",
    createdBy: "Created by",
    actions: "Actions",
    formerMember: "(former member)",
    remove: "Delete",
    empty: "No API keys yet.",
    secretTitle: "API key created",
    secretWarning: "This key is shown now only: once closed, it cannot be shown again. Copy it now and keep it somewhere safe.",
    secretLabel: "API key {name}",
    done: "I have stored it: close",
    createdDone: "API key {name} was created.",
    removeTitle: "Delete API key",
    removeText: "API key {name} will be deleted: integrations using it can no longer send events, at once. This cannot be undone.",
    removeConfirm: "Delete",
    removed: "API key {name} was deleted.",
  },
);

export function ApiKeys() {
  const t = useMessages(words);
  const lang = useLanguage();
  const names = memberNames(useMembers());
  const loaded = useLoaded(async () => (await unwrap(api.GET("/v1/api-keys"))).items);
  const [name, setName] = useState("");
  const [secret, setSecret] = useState<ApiKeyCreated | null>(null);
  const [removing, setRemoving] = useState<ApiKey | null>(null);
  const create = useSubmit(async () => {
    const created = await unwrap(api.POST("/v1/api-keys", { body: { name: name.trim() } }));
    const { secret: _shownOnce, ...listed } = created;
    loaded.setData([...(loaded.data ?? []), listed]);
    setName("");
    setSecret(created);
  });

  function closeSecret() {
    announce(t("createdDone", { name: secret!.name }));
    setSecret(null);
  }

  return (
    <section aria-labelledby="api-keys-heading">
      <h2 id="api-keys-heading" tabIndex={-1}>{t("heading")}</h2>
      <p class="muted">{t("help")}</p>
      <NameForm id="api-key-name" label={t("keyName")} submitLabel={t("create")} name={name}
        maxLength={100} onName={setName} submit={create} />
      <LoadedList items={loaded.data} error={loaded.error} retry={loaded.reload}
        empty={<Empty title={t("empty")} />}>
        {(items) => (
          <table class="data">
            <caption class="visually-hidden">{t("caption")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("name")}</th>
                <th scope="col">{t("created")}</th>
                <th scope="col">{t("createdBy")}</th>
                <th scope="col">{t("actions")}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((key) => (
                <tr key={key.id}>
                  <td>{key.name}</td>
                  <td>{formatDateTime(key.created_at, lang)}</td>
                  <td>{names[key.created_by] ?? t("formerMember")}</td>
                  <td><div class="row-actions">
                    <button type="button" class="danger" onClick={() => setRemoving(key)} aria-label={`${t("remove")}: ${key.name}`}>{t("remove")}</button>
                  </div></td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </LoadedList>
      {secret && (
        <Dialog title={t("secretTitle")} onClose={closeSecret}>
          <p class="notice notice-warn"><strong>{t("secretWarning")}</strong></p>
          <CopyText id="api-key-secret" label={t("secretLabel", { name: secret.name })} text={secret.secret} what={secret.name} />
          <div class="actions">
            <button type="button" class="primary" onClick={closeSecret}>{t("done")}</button>
          </div>
        </Dialog>
      )}
      {removing && (
        <ConfirmRemoval
          title={t("removeTitle")}
          text={t("removeText", { name: removing.name })}
          confirm={t("removeConfirm")}
          onClose={() => setRemoving(null)}
          remove={async () => {
            const key = removing;
            await unwrap(api.DELETE("/v1/api-keys/{id}", { params: { path: { id: key.id } } }));
            loaded.setData((loaded.data ?? []).filter((each) => each.id !== key.id));
            setRemoving(null);
            announce(t("removed", { name: key.name }));
            refocus("api-keys-heading");
          }}
        />
      )}
    </section>
  );
}
