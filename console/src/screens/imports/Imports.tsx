/** /imports: upload a CSV or .xlsx and see the recent imports; /imports/{id}: the import's preview
 * and column mapping until it is started, then its progress, counts and failed rows. */
import { useLocation } from "preact-iso";
import { api, unwrap } from "../../api/client";
import type { Import } from "../../api/types";
import { formatDateTime, useMessages } from "../../i18n";
import { useAction, useLoaded } from "../../lib/async";
import { ErrorSummary } from "../../ui/ErrorSummary";
import { Empty, LoadedList } from "../../ui/states";
import { usePageTitle } from "../../ui/title";
import { JobStatusBadge } from "../../ui/JobStatusBadge";
import { ImportPage } from "./ImportPage";
import { importWords } from "./messages";

export function Imports({ id }: { id?: string; params?: Record<string, string> }) {
  const t = useMessages(importWords);
  usePageTitle(t("title"));
  return id ? <ImportPage key={id} id={id} /> : (
    <section class="imports">
      <h1>{t("title")}</h1>
      <p class="muted">{t("intro")}</p>
      <UploadForm />
      <RecentImports />
    </section>
  );
}

class UploadRefused extends Error {}

/** Choose a file, POST /v1/imports, PUT the file to its upload URL, then open /imports/{id}. */
function UploadForm() {
  const t = useMessages(importWords);
  const { route } = useLocation();
  const { busy, error, run } = useAction();
  const onSubmit = (event: Event) => {
    event.preventDefault();
    const file = (new FormData(event.currentTarget as HTMLFormElement).get("file") as File | null);
    return run(async () => {
      if (!file || !file.name) throw new UploadRefused(t("chooseFile"));
      const created = await unwrap(api.POST("/v1/imports", { body: {} }));
      const max = created.max_bytes ?? Number.POSITIVE_INFINITY;
      if (file.size > max) {
        throw new UploadRefused(t("tooLarge", { size: Math.ceil(file.size / 2 ** 20), max: Math.floor(max / 2 ** 20) }));
      }
      // S3's presigned URL signs only the host: any Content-Type goes (moto would read none as a form)
      const put = await fetch(created.upload_url, {
        method: created.upload_method ?? "PUT", body: file, headers: { "Content-Type": file.type || "application/octet-stream" },
      }).catch(() => {
        throw new UploadRefused(t("uploadUnreachable"));
      });
      if (!put.ok) throw new UploadRefused(t("uploadFailed", { status: put.status }));
      route(`/imports/${created.id}`);
    });
  };
  return (
    <form class="import-upload" onSubmit={onSubmit} aria-busy={busy}>
      <div class="field">
        <label for="import-file">{t("file")}</label>
        <p class="muted field-hint" id="import-file-hint">{t("fileHint")}</p>
        <input id="import-file" name="file" type="file" aria-describedby="import-file-hint"
          accept=".csv,.tsv,.txt,.xlsx,text/csv,text/plain,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" />
      </div>
      <ErrorSummary error={error} />
      <button type="submit" class="primary" disabled={busy}>{busy ? t("uploading") : t("upload")}</button>
    </form>
  );
}

type Listed = Import & { type?: string };

/** The imports of GET /v1/jobs (one call), newest first, each linking to its page. */
function RecentImports() {
  const t = useMessages(importWords);
  const loaded = useLoaded(async () => {
    const page = await unwrap(api.GET("/v1/jobs", { params: { query: { limit: 100 } } }));
    return (page.items as Listed[]).filter((job) => job.type === "import");
  });
  return (
    <section class="imports-recent" aria-labelledby="imports-recent-heading">
      <h2 id="imports-recent-heading">{t("recent")}</h2>
      <LoadedList items={loaded.data} error={loaded.error} retry={loaded.reload}
        empty={<Empty title={t("noImports")} />}>
        {(items) => (
          <table class="data">
            <caption class="visually-hidden">{t("recentCaption")}</caption>
            <thead>
              <tr><th scope="col">{t("createdAt")}</th><th scope="col">{t("status")}</th><th scope="col">{t("results")}</th></tr>
            </thead>
            <tbody>
              {items.map((job) => (
                <tr key={job.id}>
                  <td><a href={`/imports/${job.id}`}>{formatDateTime(job.created_at)}</a></td>
                  <td><JobStatusBadge status={job.status} /></td>
                  <td>{job.status === "created" ? "" : t("resultsText", {
                    created: job.created, updated: job.updated, skipped: job.skipped, failed: job.failed ?? 0,
                  })}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </LoadedList>
    </section>
  );
}
