/** A modal dialog on the platform's <dialog>: focus moves in and is trapped, Escape closes it,
 * focus returns to what opened it. */
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { useMessages } from "../i18n";
import { shell } from "./messages";

export function Dialog({ title, onClose, children, wide = false }: {
  title: string;
  onClose: () => void;
  children: ComponentChildren;
  wide?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const t = useMessages(shell);
  useEffect(() => {
    const dialog = ref.current;
    const opener = document.activeElement as HTMLElement | null;
    if (dialog && !dialog.open) dialog.showModal();
    return () => opener?.focus?.();
  }, []);
  const titleId = `dialog-title-${title.length}-${title.charCodeAt(0)}`;
  return (
    <dialog
      ref={ref}
      class={wide ? "dialog dialog-wide" : "dialog"}
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      <div class="dialog-head">
        <h2 id={titleId}>{title}</h2>
        <button type="button" class="icon-button" onClick={onClose} aria-label={t("close")}>
          ×
        </button>
      </div>
      {children}
    </dialog>
  );
}
