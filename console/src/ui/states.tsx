/** The designed loading, error and empty states every screen uses. */
import type { ComponentChildren } from "preact";
import { useMessages } from "../i18n";
import { shell } from "./messages";

export function Loading() {
  const t = useMessages(shell);
  return (
    <p class="state state-loading" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" />
      {t("loading")}
    </p>
  );
}

export function LoadError({ error, retry }: { error: unknown; retry?: () => void }) {
  const t = useMessages(shell);
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div class="state state-error" role="alert">
      <p>{t("loadFailed", { message })}</p>
      {retry && (
        <button type="button" onClick={retry}>
          {t("retry")}
        </button>
      )}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="state state-empty">
      <p class="state-title">{title}</p>
      {children}
    </div>
  );
}

/** The states of a list a screen loaded: its ERROR (with 再読み込み), loading while ITEMS is null,
 * EMPTY when it holds nothing, else CHILDREN with the items. */
export function LoadedList<T>({ items, error, retry, empty, children }: {
  items: T[] | null | undefined;
  error: unknown;
  retry?: () => void;
  empty: ComponentChildren;
  children: (items: T[]) => ComponentChildren;
}) {
  if (error) return <LoadError error={error} retry={retry} />;
  if (!items) return <Loading />;
  if (items.length === 0) return <>{empty}</>;
  return <>{children(items)}</>;
}
