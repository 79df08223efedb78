/** A mail folder, page after page: each page is ONE call of GET /v1/emails?folder=… (lib/cursorPages). */
import { api, unwrap } from "../../api/client";
import type { Email } from "../../api/types";
import { useCursorPages, type CursorPages } from "../../lib/cursorPages";
import type { Folder } from "./mailView";

const PAGE_SIZE = 50;

export type FolderPages = CursorPages<Email>;

/** FOLDER's emails; VERSION changes when something in it changed (a deletion, a cancellation). */
export function useFolder(folder: Folder | null, version: number): FolderPages {
  return useCursorPages<Email>(folder, (cursor) => unwrap(api.GET("/v1/emails", {
    params: { query: { folder: folder!, limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) } },
  })), version);
}
