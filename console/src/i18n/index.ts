/** The console's languages: Japanese by default, English on request (kept in localStorage).
 *
 * Each screen keeps its own messages beside it (`defineMessages`); the English table must have
 * exactly the Japanese keys, which the types enforce.
 */
import { useEffect, useState } from "preact/hooks";

export type Language = "ja" | "en";
export const LANGUAGES: readonly Language[] = ["ja", "en"];
const STORAGE_KEY = "crm.language";

type Params = Record<string, string | number>;
export type Messages<K extends string> = { ja: Record<K, string>; en: Record<K, string> };

export function defineMessages<K extends string>(ja: Record<K, string>, en: Record<K, string>): Messages<K> {
  return { ja, en };
}

let current: Language = initialLanguage();
const listeners = new Set<(language: Language) => void>();

function initialLanguage(): Language {
  try {
    const stored = globalThis.localStorage?.getItem(STORAGE_KEY);
    if (stored === "ja" || stored === "en") return stored;
  } catch {
    // storage blocked: the default
  }
  return "ja";
}

export function language(): Language {
  return current;
}

export function setLanguage(next: Language): void {
  current = next;
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, next);
  } catch {
    // storage blocked: this page only
  }
  if (globalThis.document) document.documentElement.lang = next;
  listeners.forEach((listener) => listener(next));
}

/** MESSAGE with each `{name}` replaced by PARAMS[name]; numbers get the language's separators. */
export function format(message: string, params: Params = {}, lang: Language = current): string {
  return message.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    if (value === undefined) return whole;
    return typeof value === "number" ? formatNumber(value, lang) : value;
  });
}

export function translate<K extends string>(messages: Messages<K>, key: K, params?: Params, lang: Language = current): string {
  return format(messages[lang][key], params, lang);
}

/** A translator bound to MESSAGES that re-renders its component when the language changes. */
export function useMessages<K extends string>(messages: Messages<K>): (key: K, params?: Params) => string {
  const [lang, setLang] = useState(current);
  useEffect(() => {
    listeners.add(setLang);
    return () => void listeners.delete(setLang);
  }, []);
  return (key, params) => translate(messages, key, params, lang);
}

export function useLanguage(): Language {
  const [lang, setLang] = useState(current);
  useEffect(() => {
    listeners.add(setLang);
    return () => void listeners.delete(setLang);
  }, []);
  return lang;
}

const LOCALES: Record<Language, string> = { ja: "ja-JP", en: "en-US" };

/** Formatters are costly to make (a long list formats thousands of cells): one per kind, language and zone. */
const formatters = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();

function formatter<T extends Intl.NumberFormat | Intl.DateTimeFormat>(key: string, make: () => T): T {
  let made = formatters.get(key) as T | undefined;
  if (!made) {
    made = make();
    formatters.set(key, made);
  }
  return made;
}

export function formatNumber(value: number, lang: Language = current): string {
  return formatter(`number|${lang}`, () => new Intl.NumberFormat(LOCALES[lang])).format(value);
}

export const DEFAULT_TIME_ZONE = "Asia/Tokyo";

let userZone: string | undefined;

/** The user's time zone: the browser's, JST where the browser does not say (read once: it is asked per cell). */
export function timeZone(): string {
  if (userZone === undefined) {
    try {
      userZone = Intl.DateTimeFormat().resolvedOptions().timeZone || DEFAULT_TIME_ZONE;
    } catch {
      userZone = DEFAULT_TIME_ZONE;
    }
  }
  return userZone;
}

/** An ISO 8601 UTC timestamp as the user reads it, in their time zone ("2026/12/07 20:45"). */
export function formatDateTime(iso: string | null | undefined, lang: Language = current, zone: string = timeZone()): string {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return formatter(`datetime|${lang}|${zone}`, () => new Intl.DateTimeFormat(LOCALES[lang], {
    year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false, timeZone: zone,
  })).format(date);
}

export function formatDate(iso: string | null | undefined, lang: Language = current, zone: string = timeZone()): string {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return formatter(`date|${lang}|${zone}`, () => new Intl.DateTimeFormat(LOCALES[lang], { year: "numeric", month: "2-digit", day: "2-digit", timeZone: zone }))
    .format(date);
}

/** The time of day as the user reads it, in their time zone ("16:42"). */
export function formatTime(iso: string | null | undefined, lang: Language = current, zone: string = timeZone()): string {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return formatter(`time|${lang}|${zone}`, () => new Intl.DateTimeFormat(LOCALES[lang], { hour: "2-digit", minute: "2-digit", hour12: false, timeZone: zone }))
    .format(date);
}
