/** The signed-in member (GET /v1/me) and the tenant's settings (GET /v1/settings), loaded once per
 * session and shared by every screen. */
import { api, unwrap } from "../api/client";
import type { Me, Settings } from "../api/types";
import { onSessionChange } from "../auth/session";
import type { Role } from "./roles";
import { createStore, useStore } from "./store";

export const meStore = createStore<Me | null>(null);
export const settingsStore = createStore<Settings | null>(null);

export async function loadAccount(): Promise<void> {
  const [me, settings] = await Promise.all([unwrap(api.GET("/v1/me")), unwrap(api.GET("/v1/settings"))]);
  meStore.set(me);
  settingsStore.set(settings as Settings);
}

export function useMe(): Me | null {
  return useStore(meStore);
}

export function useSettings(): Settings | null {
  return useStore(settingsStore);
}

export function roleOf(me: Me | null): Role {
  return ((me?.role as Role | undefined) ?? "user");
}

onSessionChange(() => {
  meStore.set(null);
  settingsStore.set(null);
});
