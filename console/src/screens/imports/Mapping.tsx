/** An uploaded import before its start: what the file holds (format, encoding, its first rows) and
 * one select per column, the API's suggestions preselected; then POST /v1/imports/{id}/start. */
import { useState } from "preact/hooks";
import { api, ApiError, unwrap } from "../../api/client";
import type { Import, ImportPreview, PropertyDefinition } from "../../api/types";
import { useLanguage, useMessages } from "../../i18n";
import { useLoaded, useSubmit } from "../../lib/async";
import { fieldLabel } from "../../lib/fields";
import { ErrorSummary, FieldErrors } from "../../ui/ErrorSummary";
import { Loading, LoadError } from "../../ui/states";
import { IMPORT_FIELDS, initialChoices, mappingOf, SKIP } from "./importRules";
import { importWords } from "./messages";

type Loaded = { preview: ImportPreview; properties: PropertyDefinition[] };

export function Mapping({ id, onStarted }: { id: string; onStarted: (job: Import) => void }) {
  const t = useMessages(importWords);
  const loaded = useLoaded<Loaded>(async () => {
    const [preview, properties] = await Promise.all([
      unwrap(api.GET("/v1/imports/{id}/preview", { params: { path: { id } } })),
      unwrap(api.GET("/v1/properties")),
    ]);
    return { preview, properties: properties.items.filter((definition) => !definition.archived) };
  });
  if (loaded.error instanceof ApiError && loaded.error.status === 409) {
    return (
      <>
        <ErrorSummary error={loaded.error} />
        <a class="button" href="/imports">{t("startOver")}</a>
      </>
    );
  }
  if (loaded.error) return <LoadError error={loaded.error} retry={loaded.reload} />;
  if (!loaded.data) return <Loading />;
  return <MappingForm id={id} {...loaded.data} onStarted={onStarted} />;
}

function MappingForm({ id, preview, properties, onStarted }: Loaded & { id: string; onStarted: (job: Import) => void }) {
  const t = useMessages(importWords);
  const lang = useLanguage();
  const [choices, setChoices] = useState(() => initialChoices(preview.columns, preview.suggested_mapping));
  const [empty, setEmpty] = useState(false);
  const { busy, error, onSubmit } = useSubmit(async (form) => {
    const mapping = mappingOf(choices);
    setEmpty(Object.keys(mapping).length === 0);
    if (Object.keys(mapping).length === 0) return;
    const onDuplicate = form.get("on_duplicate") === "skip" ? "skip" : "update";
    onStarted(await unwrap(api.POST("/v1/imports/{id}/start", {
      params: { path: { id } }, body: { mapping, on_duplicate: onDuplicate },
    })));
  });
  const errorsOf = (column: string) => (error instanceof ApiError ? error.detailsFor(`mapping.${column}`) : []);
  const choose = (column: string) => (event: Event) =>
    setChoices({ ...choices, [column]: (event.currentTarget as HTMLSelectElement).value });
  return (
    <>
      <section aria-labelledby="import-preview-heading">
        <h2 id="import-preview-heading">{t("previewHeading")}</h2>
        <dl class="import-facts">
          <div><dt>{t("format")}</dt><dd>{t(`format_${preview.format}`)}</dd></div>
          {preview.format === "csv" && (
            <div><dt>{t("encoding")}</dt><dd>{t(`enc_${preview.encoding as Exclude<ImportPreview["encoding"], "xlsx">}`)}</dd></div>
          )}
          <div><dt>{t("columnsCount")}</dt><dd>{preview.columns.length}</dd></div>
        </dl>
        {preview.rows.length === 0 ? <p class="notice">{t("noRows")}</p> : (
          <div class="table-scroll" role="region" aria-label={t("firstRowsRegion")} tabIndex={0}>
            <table class="data import-rows">
              <caption>{t("firstRows", { count: preview.rows.length })}</caption>
              <thead><tr>{preview.columns.map((column) => <th scope="col" key={column}>{column}</th>)}</tr></thead>
              <tbody>
                {preview.rows.map((row, index) => (
                  <tr key={index}>{row.map((cell, at) => <td key={at}>{cell}</td>)}</tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <form onSubmit={onSubmit} aria-labelledby="import-mapping-heading" aria-busy={busy}>
        <h2 id="import-mapping-heading">{t("mappingHeading")}</h2>
        <p class="muted">{t("mappingHelp")}</p>
        <table class="data import-mapping">
          <caption class="visually-hidden">{t("mappingCaption")}</caption>
          <thead>
            <tr><th scope="col">{t("column")}</th><th scope="col">{t("example")}</th><th scope="col">{t("target")}</th></tr>
          </thead>
          <tbody>
            {preview.columns.map((column, index) => {
              const selectId = `import-target-${index}`;
              const problems = errorsOf(column);
              return (
                <tr key={column}>
                  <th scope="row">{column}</th>
                  <td class="import-example">{preview.rows[0]?.[index] ?? ""}</td>
                  <td>
                    <select id={selectId} aria-label={t("mapTo", { column })} value={choices[column]} onChange={choose(column)}
                      aria-invalid={problems.length ? "true" : undefined}
                      aria-describedby={problems.length ? `${selectId}-error` : undefined}>
                      <option value={SKIP}>{t("skip")}</option>
                      <optgroup label={t("fields")}>
                        {IMPORT_FIELDS.map((field) => <option key={field} value={field}>{fieldLabel(field, lang)}</option>)}
                      </optgroup>
                      {properties.length > 0 && (
                        <optgroup label={t("properties")}>
                          {properties.map((definition) => (
                            <option key={definition.key} value={`properties.${definition.key}`}>{definition.label}</option>
                          ))}
                        </optgroup>
                      )}
                      <option value="tags">{t("tags")}</option>
                    </select>
                    <FieldErrors id={`${selectId}-error`} messages={problems} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        <fieldset class="import-duplicates">
          <legend>{t("duplicates")}</legend>
          <label><input type="radio" name="on_duplicate" value="update" defaultChecked /> {t("update")}</label>
          <label><input type="radio" name="on_duplicate" value="skip" /> {t("skipDuplicate")}</label>
        </fieldset>
        {empty && <p class="error-summary" role="alert">{t("nothingMapped")}</p>}
        <ErrorSummary error={error} />
        <button type="submit" class="primary" disabled={busy}>{busy ? t("starting") : t("start")}</button>
      </form>
    </>
  );
}
