/** A refusal of the API as the user reads it: its message and each of its details. */
import { ApiError } from "../api/client";

export function ErrorSummary({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  const details = error instanceof ApiError ? error.details : [];
  return (
    <div class="error-summary" role="alert">
      <p>{message}</p>
      {details.length > 0 && (
        <ul>
          {details.map((detail) => (
            <li key={`${detail.field}:${detail.message}`}>
              <code>{detail.field}</code> {detail.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The messages of one field, shown under it and named by its aria-describedby. */
export function FieldErrors({ id, messages }: { id: string; messages: string[] }) {
  if (messages.length === 0) return null;
  return (
    <p class="field-error" id={id}>
      {messages.join(" ")}
    </p>
  );
}
