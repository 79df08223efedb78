/** Create or edit a template: テンプレート名, 件名, 本文 and an optional HTML version, merge fields
 * inserted at the cursor and checked as the user types, by the API's own rules (lib/mergeFields).
 * The API's refusals show on the field they name until that field is changed. */
import { useEffect, useRef, useState } from "preact/hooks";
import { api, ApiError, unwrap } from "../../api/client";
import type { EmailTemplate, PropertyDefinition } from "../../api/types";
import { useMessages } from "../../i18n";
import { detailsBeyond, mergeFieldProblems, refusedByApi, type MergeProblem } from "../../lib/mergeFields";
import { Dialog } from "../../ui/Dialog";
import { MergeFieldPicker, useMergeProblemText, useMergeTargets } from "../../ui/MergeFieldPicker";
import { Loading, LoadError } from "../../ui/states";
import { Field, FormActions, FormError } from "../../ui/forms";
import { templateMessages } from "./messages";

interface TemplateForm {
  name: string;
  subject: string;
  body: string;
  html: string;
}
type FormField = keyof TemplateForm;
type MergeTarget = Exclude<FormField, "name">;

/** The API's field of each form field (its details name these). */
const API_FIELDS: Record<FormField, string> = { name: "name", subject: "subject", body: "body_text", html: "body_html" };
const MERGE_TARGETS: MergeTarget[] = ["subject", "body", "html"];

function formOf(template: EmailTemplate | null): TemplateForm {
  return { name: template?.name ?? "", subject: template?.subject ?? "", body: template?.body_text ?? "", html: template?.body_html ?? "" };
}

export function TemplateDialog({ template, onClose, onSaved }: {
  /** null: a new template. */
  template: EmailTemplate | null;
  onClose: () => void;
  onSaved: (template: EmailTemplate) => void;
}) {
  const t = useMessages(templateMessages);
  const problemText = useMergeProblemText();
  const [properties, setProperties] = useState<PropertyDefinition[] | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [form, setForm] = useState<TemplateForm>(() => formOf(template));
  const [error, setError] = useState<unknown>(null);
  /** The fields changed since the API's refusal: its messages for them no longer hold. */
  const [changed, setChanged] = useState<Set<FormField>>(new Set());
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState(false);
  const nameRef = useRef<HTMLInputElement>(null);

  const loadProperties = () => {
    setLoadError(null);
    unwrap(api.GET("/v1/properties")).then((page) => setProperties(page.items), setLoadError);
  };
  useEffect(loadProperties, []);
  useEffect(() => {
    if (properties) nameRef.current?.focus();
  }, [properties !== null]);

  const update = (field: FormField, value: string) => {
    setForm((current) => ({ ...current, [field]: value }));
    setChanged((current) => new Set(current).add(field));
  };
  const targets = useMergeTargets<MergeTarget>("body", form, update);

  const problems: Record<MergeTarget, MergeProblem[]> = {
    subject: mergeFieldProblems(form.subject, properties ?? []),
    body: mergeFieldProblems(form.body, properties ?? []),
    html: mergeFieldProblems(form.html, properties ?? []),
  };
  const refused = MERGE_TARGETS.filter((field) => refusedByApi(problems[field]));
  const errorsOf = (field: FormField) => {
    const live = field === "name" ? [] : problems[field];
    const details = error instanceof ApiError && !changed.has(field)
      ? error.details.filter((detail) => detail.field === API_FIELDS[field]) : [];
    return [...problemText(live), ...detailsBeyond(details, live).map((detail) => detail.message)];
  };

  const save = async (event: Event) => {
    event.preventDefault();
    setTried(true);
    if (refused.length) {
      targets.element(refused[0]!)?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const body = { name: form.name, subject: form.subject, body_text: form.body, body_html: form.html.trim() ? form.html : null };
      onSaved(await unwrap(template
        ? api.PUT("/v1/email-templates/{id}", { params: { path: { id: template.id } }, body })
        : api.POST("/v1/email-templates", { body })));
    } catch (failure) {
      setError(failure);
      setChanged(new Set());
    } finally {
      setBusy(false);
    }
  };

  const input = (field: FormField) => (event: Event) => update(field, (event.currentTarget as HTMLInputElement).value);
  return (
    <Dialog title={template ? t("editTitle") : t("create")} onClose={onClose} wide>
      {loadError ? <LoadError error={loadError} retry={loadProperties} />
        : !properties ? <Loading />
        : (
          <form class="template-form" noValidate onSubmit={save}>
            <FormError error={error} fields={Object.values(API_FIELDS)} />
            {tried && refused.length > 0 && <p class="error-summary" role="alert">{t("fixMergeFields")}</p>}
            <Field id="template-name" label={t("name")} errors={errorsOf("name")}>
              {(described) => <input {...described} ref={nameRef} value={form.name} maxLength={100} onInput={input("name")} />}
            </Field>
            <MergeFieldPicker id="template-merge" properties={properties} help={t("mergeHelp")} onInsert={targets.insert} />
            <Field id="template-subject" label={t("subject")} errors={errorsOf("subject")}>
              {(described) => <input {...described} {...targets.bind("subject")} value={form.subject} onInput={input("subject")} />}
            </Field>
            <Field id="template-body" label={t("body")} errors={errorsOf("body")}>
              {(described) => <textarea {...described} {...targets.bind("body")} rows={8} value={form.body} onInput={input("body")} />}
            </Field>
            <Field id="template-html" label={t("html")} hint={t("htmlHelp")} errors={errorsOf("html")}>
              {(described) => <textarea {...described} {...targets.bind("html")} class="code" rows={5} value={form.html} onInput={input("html")} />}
            </Field>
            <FormActions busy={busy} onCancel={onClose} />
          </form>
        )}
    </Dialog>
  );
}
