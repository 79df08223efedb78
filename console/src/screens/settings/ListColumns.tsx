/** /settings/list: the contact list's columns (order with up/down buttons, add, remove, back to
 * the default; the name always first) and the name order. */
import { useState } from "preact/hooks";
import { api, unwrap } from "../../api/client";
import type { PropertyDefinition } from "../../api/types";
import { defineMessages, useLanguage, useMessages } from "../../i18n";
import { useSettings } from "../../lib/account";
import { ReorderableList } from "../../ui/ReorderableList";
import { Loading, LoadError } from "../../ui/states";
import { announce, DetailErrors, FormError, SaveButton } from "../../ui/forms";
import { useLoaded, useSubmit } from "../../lib/async";
import {
  addColumn, availableColumns, columnLabel, DEFAULT_LIST_COLUMNS, DEFAULT_NAME_ORDER, NAME_COLUMN, normalizeColumns, removeColumn,
} from "./columns";
import { saveSettings } from "./save";

const words = defineMessages(
  {
    heading: "一覧の表示項目",
    help: "連絡先一覧に表示する項目と、その並び順です。名前は常に先頭に表示されます。",
    columns: "表示する項目と順番",
    fixed: "（固定）",
    archived: "（アーカイブ済み）",
    remove: "外す",
    addLabel: "追加する項目",
    add: "追加",
    nothingToAdd: "追加できる項目はありません",
    fields: "連絡先の項目",
    customFields: "カスタム項目",
    reset: "初期設定に戻す",
    resetDone: "初期設定の項目と表示順に戻しました。保存すると一覧に反映されます。",
    nameOrder: "氏名の表示順",
    family_given: "姓 名（例: 山田 太郎）",
    given_family: "名 姓（例: 太郎 山田）",
  },
  {
    heading: "List columns",
    help: "The columns of the contact list and their order. The name always comes first.",
    columns: "Columns and their order",
    fixed: " (fixed)",
    archived: " (archived)",
    remove: "Remove",
    addLabel: "Column to add",
    add: "Add",
    nothingToAdd: "Every column is shown",
    fields: "Contact fields",
    customFields: "Custom fields",
    reset: "Back to the default",
    resetDone: "The default columns and name order are back: save to apply them to the list.",
    nameOrder: "Name order",
    family_given: "Family name first (e.g. Yamada Taro)",
    given_family: "Given name first (e.g. Taro Yamada)",
  },
);

const NAME_ORDERS = ["family_given", "given_family"] as const;
type NameOrder = (typeof NAME_ORDERS)[number];

export function ListColumns() {
  const t = useMessages(words);
  const lang = useLanguage();
  const settings = useSettings();
  const properties = useLoaded(async () => (await unwrap(api.GET("/v1/properties"))).items as PropertyDefinition[]);
  const [columns, setColumns] = useState<string[]>(normalizeColumns(settings?.list_columns ?? DEFAULT_LIST_COLUMNS));
  const [nameOrder, setNameOrder] = useState<NameOrder>((settings?.name_order as NameOrder | undefined) ?? DEFAULT_NAME_ORDER);
  const [adding, setAdding] = useState("");
  const { busy, error, onSubmit } = useSubmit(async () => {
    const saved = await saveSettings({ list_columns: columns, name_order: nameOrder });
    setColumns(normalizeColumns(saved.list_columns));
  });

  if (properties.error) return <LoadError error={properties.error} retry={properties.reload} />;
  if (!properties.data) return <Loading />;
  const definitions = properties.data;
  const addable = availableColumns(columns, definitions);
  const archived = new Set(definitions.filter((each) => each.archived).map((each) => `properties.${each.key}`));
  const label = (column: string) => columnLabel(column, lang, definitions);
  const focusAdd = () => setTimeout(() => document.getElementById("column-add")?.focus());
  const option = (column: string) => <option key={column} value={column}>{label(column)}</option>;
  const fieldsToAdd = addable.filter((column) => !column.startsWith("properties."));
  const propertiesToAdd = addable.filter((column) => column.startsWith("properties."));
  return (
    <section aria-labelledby="list-heading">
      <h2 id="list-heading">{t("heading")}</h2>
      <p class="muted">{t("help")}</p>
      <form onSubmit={onSubmit}>
        <FormError error={error} fields={["list_columns", "name_order"]} />
        <fieldset>
          <legend>{t("columns")}</legend>
          <ReorderableList items={columns} label={label} idPrefix="column" pinned={1} onChange={setColumns}
            lead={(column) => (
              <span class="column-name">
                {label(column)}
                {column === NAME_COLUMN && <span class="muted">{t("fixed")}</span>}
                {archived.has(column) && <span class="muted">{t("archived")}</span>}
              </span>
            )}
            trail={(column) => (
              <button type="button" onClick={() => { setColumns(removeColumn(columns, column)); focusAdd(); }} aria-label={`${t("remove")}: ${label(column)}`}>
                {t("remove")}
              </button>
            )} />
          <DetailErrors error={error} field="list_columns" />
          <div class="add-column">
            <label for="column-add">{t("addLabel")}</label>
            <select id="column-add" value={adding} disabled={addable.length === 0}
              onChange={(event) => setAdding((event.currentTarget as HTMLSelectElement).value)}>
              <option value="">{addable.length ? "—" : t("nothingToAdd")}</option>
              <optgroup label={t("fields")}>{fieldsToAdd.map(option)}</optgroup>
              {propertiesToAdd.length > 0 && <optgroup label={t("customFields")}>{propertiesToAdd.map(option)}</optgroup>}
            </select>
            <button type="button" disabled={!adding} onClick={() => { setColumns(addColumn(columns, adding)); setAdding(""); }}>{t("add")}</button>
          </div>
        </fieldset>
        <fieldset>
          <legend>{t("nameOrder")}</legend>
          {NAME_ORDERS.map((order) => (
            <label class="choice" key={order}>
              <input type="radio" name="name_order" value={order} checked={nameOrder === order} onChange={() => setNameOrder(order)} />
              {t(order)}
            </label>
          ))}
          <DetailErrors error={error} field="name_order" />
        </fieldset>
        <div class="actions">
          <SaveButton busy={busy} />
          <button type="button" onClick={() => { setColumns([...DEFAULT_LIST_COLUMNS]); setNameOrder(DEFAULT_NAME_ORDER); announce(t("resetDone")); }}>{t("reset")}</button>
        </div>
      </form>
    </section>
  );
}
