/** PUT /v1/settings (a partial update) from any section: the shared settings follow at once (the
 * contact list reads them), and the live region says it was saved. */
import { api, unwrap } from "../../api/client";
import type { Settings, SettingsUpdate } from "../../api/types";
import { translate } from "../../i18n";
import { settingsStore } from "../../lib/account";
import { announce } from "../../ui/forms";
import { common } from "./messages";

export async function saveSettings(body: SettingsUpdate): Promise<Settings> {
  const saved = (await unwrap(api.PUT("/v1/settings", { body }))) as Settings;
  settingsStore.set(saved);
  announce(translate(common, "saved"));
  return saved;
}
