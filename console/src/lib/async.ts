/** What a screen does asynchronously: loading its data, and a change the user started. */
import { useEffect, useState } from "preact/hooks";

/** LOAD's answer for a screen or section: null while loading, the error when it failed, and reload. */
export function useLoaded<T>(load: () => Promise<T>): {
  data: T | null; error: unknown; reload: () => void; setData: (data: T) => void;
} {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const reload = () => {
    setError(null);
    load().then(setData, setError);
  };
  useEffect(reload, []);
  return { data, error, reload, setData };
}

/** A change the user started: busy while it runs, its refusal kept for the screen to show. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  async function run(action: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, setError, run };
}

/** A form's submission as an action, given the form's data. */
export function useSubmit(action: (form: FormData) => Promise<void>) {
  const { busy, error, run } = useAction();
  function onSubmit(event: Event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    return run(() => action(form));
  }
  return { busy, error, onSubmit };
}
