/** A template's stats as people read them: a rate of the emails sent from it. Pure. */
import type { Language } from "../../i18n";

const LOCALES: Record<Language, string> = { ja: "ja-JP", en: "en-US" };

/** COUNT of SENT as a percentage ("33.3%"), or null when nothing was sent (no rate to speak of). */
export function formatRate(count: number, sent: number, lang: Language): string | null {
  if (sent <= 0) return null;
  return new Intl.NumberFormat(LOCALES[lang], { style: "percent", maximumFractionDigits: 1 }).format(count / sent);
}
