/** The signed-in session: tokens kept for this tab (sessionStorage), refreshed before they expire. */
import type { AuthConfig } from "../api/types";
import { refresh, revoke, type Tokens } from "./cognito";

const STORAGE_KEY = "crm.session";
/** Refresh this long before the ID token expires (Cognito's tokens live 60 minutes here). */
export const REFRESH_MARGIN_MS = 5 * 60 * 1000;

let config: AuthConfig | null = null;
let tokens: Tokens | null = readStored();
let refreshing: Promise<Tokens | null> | null = null;
let timer: ReturnType<typeof setTimeout> | undefined;
const listeners = new Set<() => void>();

function readStored(): Tokens | null {
  try {
    const raw = globalThis.sessionStorage?.getItem(STORAGE_KEY);
    return raw ? (JSON.parse(raw) as Tokens) : null;
  } catch {
    return null;
  }
}

function store(next: Tokens | null): void {
  tokens = next;
  try {
    if (next) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(next));
    else sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // storage blocked: the session lives in memory only
  }
  schedule();
  listeners.forEach((listener) => listener());
}

/** The pool to sign in with: GET /auth/config, once. */
export async function authConfig(): Promise<AuthConfig> {
  if (!config) {
    const response = await fetch("/auth/config", { headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(`GET /auth/config answered ${response.status}`);
    config = (await response.json()) as AuthConfig;
  }
  return config;
}

export function isSignedIn(): boolean {
  return tokens !== null && tokens.expiresAt > Date.now() - 1;
}

export function onSessionChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => void listeners.delete(listener);
}

export function startSession(next: Tokens): void {
  store(next);
}

/** Whether a token expiring at EXPIRES_AT should be refreshed at NOW. */
export function needsRefresh(expiresAt: number, now: number = Date.now()): boolean {
  return expiresAt - now <= REFRESH_MARGIN_MS;
}

/** A valid ID token for the API, refreshed first when it is about to expire; null when signed out. */
export async function idToken(): Promise<string | null> {
  if (!tokens) return null;
  if (needsRefresh(tokens.expiresAt)) await refreshNow();
  return tokens ? tokens.idToken : null;
}

async function refreshNow(): Promise<Tokens | null> {
  if (!tokens) return null;
  if (!refreshing) {
    const refreshToken = tokens.refreshToken;
    refreshing = authConfig()
      .then((current) => refresh(current, refreshToken))
      .then((fresh) => {
        store(fresh);
        return fresh;
      })
      .catch(() => {
        // the refresh token expired or was revoked: sign in again
        store(null);
        return null;
      })
      .finally(() => {
        refreshing = null;
      });
  }
  return refreshing;
}

function schedule(): void {
  if (timer !== undefined) clearTimeout(timer);
  timer = undefined;
  if (!tokens || typeof setTimeout === "undefined") return;
  const wait = Math.max(0, tokens.expiresAt - REFRESH_MARGIN_MS - Date.now());
  timer = setTimeout(() => void refreshNow(), wait);
}

export async function signOut(): Promise<void> {
  const refreshToken = tokens?.refreshToken;
  store(null);
  if (refreshToken) await revoke(await authConfig(), refreshToken);
}

/** The API refused the token (a disabled or removed member): end the session here. */
export function sessionRefused(): void {
  store(null);
}

schedule();
