/** /contacts: the tenant's contacts, as the contract's "Console" section names them: the table
 * (columns of settings.list_columns, 名前 first, sortable headers), the quick search "検索",
 * filters, the advanced search and segments, paging as the user scrolls, selection with bulk
 * actions, and "連絡先を追加". What is shown lives in the URL's query string. */
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import type { Segment } from "../../api/types";
import { formatNumber, useLanguage, useMessages } from "../../i18n";
import { roleOf, useMe, useSettings } from "../../lib/account";
import { exportHref } from "../../lib/exportSelection";
import { DEFAULT_LIST_COLUMNS, STATUSES, statusLabels } from "../../lib/fields";
import { memberNames, useMembers } from "../../lib/members";
import { canExport } from "../../lib/roles";
import { Empty, Loading, LoadError } from "../../ui/states";
import { usePageTitle } from "../../ui/title";
import { AddContactDialog } from "./AddContactDialog";
import { actionsFor } from "./bulk";
import { BulkBar } from "./BulkBar";
import { ContactsTable } from "./ContactsTable";
import { buildFilter, builderFields, emptyBuilder, type Builder } from "./filterBuilder";
import {
  isFiltered, listQuery, listRequest, matchingSelection, parseListState, toggleSort,
  type ListState, type Sort,
} from "./listState";
import { messages } from "./messages";
import { properties as propertiesStore, segments as segmentsStore, tags as tagsStore } from "../../lib/reference";
import { SearchBuilder } from "./SearchBuilder";
import { usePages } from "./usePages";

/** How long typing in 検索 waits before asking (each keystroke would be a request). */
export const SEARCH_DEBOUNCE_MS = 250;
const NO_FILTERS = { q: "", tag: "", status: "", owner: "", starred: "", company: "", segment: "", advanced: null };

export function ContactsList() {
  const t = useMessages(messages);
  const status = useMessages(statusLabels);
  const lang = useLanguage();
  usePageTitle(t("title"));
  const { query, route } = useLocation();
  const state = useMemo(() => parseListState(query), [JSON.stringify(query)]);
  const settings = useSettings();
  const me = useMe();
  const members = useMembers();
  const properties = propertiesStore.use();
  const tags = tagsStore.use();
  const segments = segmentsStore.use();
  const role = roleOf(me);

  const fields = useMemo(() => builderFields(properties ?? []), [properties]);
  const advanced = state.advanced && properties ? buildFilter(state.advanced, fields).filter : null;
  // an advanced search waits for the property types it compares by
  const request = state.advanced && !properties ? null : listRequest(state, advanced);
  const pages = usePages(request);
  const requestKey = JSON.stringify(request);

  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [matching, setMatching] = useState(false);
  const [dialog, setDialog] = useState<"add" | "builder" | null>(null);
  const [notice, setNotice] = useState("");
  useEffect(() => {
    setSelected(new Set());
    setMatching(false);
  }, [requestKey]);

  // the state as of the last render: a debounced search must not undo a filter chosen meanwhile
  const latest = useRef(state);
  latest.current = state;
  const update = (change: Partial<ListState>, replace = false) => {
    const next = { ...latest.current, ...change };
    route(`/contacts${listQuery(next)}`, replace);
  };

  // 検索: what is typed shows at once; the URL (and the request) follows after a pause
  const [text, setText] = useState(state.q);
  const sent = useRef(state.q);
  useEffect(() => {
    if (state.q !== sent.current) {
      sent.current = state.q;
      setText(state.q);
    }
  }, [state.q]);
  useEffect(() => {
    if (text === sent.current) return;
    const timer = setTimeout(() => {
      sent.current = text;
      update({ q: text, segment: "" }, true);
    }, SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text]);

  // endless scroll: the sentinel below the table loads the next page (the button is the fallback)
  const sentinel = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = sentinel.current;
    if (!element || typeof IntersectionObserver === "undefined" || !pages.more) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) pages.loadMore();
    }, { rootMargin: "400px 0px" });
    observer.observe(element);
    return () => observer.disconnect();
  }, [pages.rows.length, pages.more, pages.loadingMore, pages.status]);

  const columns = settings?.list_columns?.length ? settings.list_columns : [...DEFAULT_LIST_COLUMNS];
  const propertyLabels = Object.fromEntries((properties ?? []).map((property) => [property.key, property.label]));
  const names = useMemo(() => memberNames(members), [members]);
  const matchingTarget = matchingSelection(state, advanced);
  const bulkSelection = matching && matchingTarget ? matchingTarget : { ids: [...selected] };
  const filtered = isFiltered(state);
  const empty = pages.status === "ready" && pages.rows.length === 0;
  const showAddInHeader = !(empty && !filtered);
  const segment = segments?.find((item) => item.id === state.segment);
  const pageSelected = pages.rows.length > 0 && pages.rows.every((contact) => selected.has(contact.id));
  const everythingLoaded = !pages.more;

  const addButton = (
    <button type="button" class="primary" onClick={() => setDialog("add")}>{t("add")}</button>
  );
  const refreshAfterBulk = () => {
    pages.reload();
    tagsStore.reload().catch(() => undefined);
  };
  const savedSegment = (saved: Segment, builder: Builder) => {
    segmentsStore.reload().catch(() => undefined);
    setNotice(t("segmentSaved", { name: saved.name }));
    setDialog(null);
    update({ advanced: builder, segment: "" });
  };

  return (
    <section class="contacts">
      <div class="contacts-head">
        <h1>{t("title")}</h1>
        {showAddInHeader && addButton}
      </div>

      <div class="contacts-toolbar" role="search">
        <div class="field search-field">
          <label for="contacts-q">{t("search")}</label>
          <input id="contacts-q" type="search" value={text} autocomplete="off" maxLength={200} aria-describedby="contacts-q-hint"
            onInput={(event) => setText((event.currentTarget as HTMLInputElement).value)} />
          <span id="contacts-q-hint" class="muted hint">{t("searchHint")}</span>
        </div>
        <div class="field">
          <label for="filter-tag">{t("tag")}</label>
          <select id="filter-tag" value={state.tag} onChange={(event) => update({ tag: (event.currentTarget as HTMLSelectElement).value, segment: "" })}>
            <option value="">{t("any")}</option>
            {state.tag && !tags?.some((tag) => tag.name === state.tag) && <option value={state.tag}>{state.tag}</option>}
            {(tags ?? []).map((tag) => (
              <option key={tag.name} value={tag.name}>
                {tag.contact_count === null || tag.contact_count === undefined ? tag.name : `${tag.name} (${formatNumber(tag.contact_count, lang)})`}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="filter-status">{t("status")}</label>
          <select id="filter-status" value={state.status} onChange={(event) => update({ status: (event.currentTarget as HTMLSelectElement).value, segment: "" })}>
            <option value="">{t("any")}</option>
            {STATUSES.map((code) => <option key={code} value={code}>{status(code)}</option>)}
          </select>
        </div>
        <div class="field">
          <label for="filter-owner">{t("owner")}</label>
          <select id="filter-owner" value={state.owner} onChange={(event) => update({ owner: (event.currentTarget as HTMLSelectElement).value, segment: "" })}>
            <option value="">{t("any")}</option>
            {(members ?? []).map((member) => <option key={member.id} value={member.id}>{member.name || member.email}</option>)}
          </select>
        </div>
        <div class="field">
          <label for="filter-star">{t("star")}</label>
          <select id="filter-star" value={state.starred} onChange={(event) => update({ starred: (event.currentTarget as HTMLSelectElement).value, segment: "" })}>
            <option value="">{t("any")}</option>
            <option value="true">{t("starredOnly")}</option>
            <option value="false">{t("unstarredOnly")}</option>
          </select>
        </div>
        <div class="field">
          <label for="filter-company">{t("company")}</label>
          <input id="filter-company" type="text" value={state.company}
            onChange={(event) => update({ company: (event.currentTarget as HTMLInputElement).value.trim(), segment: "" })} />
        </div>
        <div class="field">
          <label for="filter-segment">{t("segment")}</label>
          <select id="filter-segment" value={state.segment}
            onChange={(event) => {
              const id = (event.currentTarget as HTMLSelectElement).value;
              setNotice("");
              update(id ? { ...NO_FILTERS, segment: id } : { segment: "" });
            }}>
            <option value="">{t("noSegment")}</option>
            {state.segment && !segment && <option value={state.segment}>{state.segment}</option>}
            {(segments ?? []).map((item) => <option key={item.id} value={item.id}>{item.name}</option>)}
          </select>
        </div>
        <div class="toolbar-buttons">
          <button type="button" onClick={() => setDialog("builder")} disabled={!properties}>{t("advanced")}</button>
          {filtered && <button type="button" class="link" onClick={() => { setNotice(""); update(NO_FILTERS); }}>{t("clearFilters")}</button>}
        </div>
      </div>

      {notice && <p class="notice" role="status">{notice}</p>}
      {state.advanced && (
        <p class="notice">
          {t("advancedOn")}{" "}
          <button type="button" class="link" onClick={() => update({ advanced: null })}>{t("clearAdvanced")}</button>
        </p>
      )}
      {state.segment && <p class="notice">{t("segmentShown", { name: segment?.name ?? state.segment })}</p>}

      {(selected.size > 0 || matching) && (
        <BulkBar count={selected.size} total={pages.total} matching={matching} actions={actionsFor(role)}
          selection={bulkSelection} members={members ?? []}
          tagNames={(tags ?? []).map((tag) => tag.name)}
          onExport={canExport(role, settings) ? () => route(exportHref(bulkSelection)) : undefined}
          onClear={() => { setSelected(new Set()); setMatching(false); }} onDone={refreshAfterBulk} />
      )}
      {pageSelected && !matching && !everythingLoaded && (
        <p class="notice">
          {matchingTarget
            ? <button type="button" class="link" onClick={() => setMatching(true)}>
                {pages.total === null ? t("selectMatching") : t("selectMatchingTotal", { total: pages.total })}
              </button>
            : t("matchingUnavailable")}
        </p>
      )}

      {pages.status === "loading" && <Loading />}
      {pages.status === "error" && <LoadError error={pages.error} retry={pages.reload} />}
      {empty && !filtered && (
        <Empty title={t("empty")}>
          <p>{t("emptyHelp")}</p>
          {addButton}
        </Empty>
      )}
      {empty && filtered && (
        <Empty title={t("noMatch")}>
          <p>{t("noMatchHelp")}</p>
        </Empty>
      )}
      {pages.status === "ready" && pages.rows.length > 0 && (
        <>
          <p class="list-count" role="status" aria-live="polite">
            {pages.total === null ? t("loaded", { count: pages.rows.length }) : t("loadedOfTotal", { count: pages.rows.length, total: pages.total })}
          </p>
          <div class="table-scroll">
            <ContactsTable rows={pages.rows} columns={columns} propertyLabels={propertyLabels} memberNames={names}
              sort={state.sort} order={state.order} onSort={(sort: Sort) => update(toggleSort(state, sort))}
              selected={selected} allSelected={matching}
              onToggle={(id, on) => {
                const next = new Set(selected);
                if (on) next.add(id);
                else next.delete(id);
                setSelected(next);
              }}
              onTogglePage={(on) => setSelected(on ? new Set(pages.rows.map((contact) => contact.id)) : new Set())} />
          </div>
          <div ref={sentinel} class="list-end">
            {pages.more ? (
              <button type="button" onClick={pages.loadMore} disabled={pages.loadingMore}>
                {pages.loadingMore ? t("loadingMore") : t("loadMore")}
              </button>
            ) : (
              <span class="muted">{t("allLoaded")}</span>
            )}
            {pages.moreError !== null && <LoadError error={pages.moreError} retry={pages.loadMore} />}
          </div>
        </>
      )}

      {dialog === "add" && me && (
        <AddContactDialog properties={properties ?? []} members={members ?? []} me={me.id} onClose={() => setDialog(null)} />
      )}
      {dialog === "builder" && properties && (
        <SearchBuilder initial={state.advanced ?? emptyBuilder(fields[0]!)} fields={fields} members={members ?? []}
          onApply={(builder) => {
            setDialog(null);
            setNotice("");
            update({ advanced: builder, segment: "" });
          }}
          onSaved={savedSegment} onClose={() => setDialog(null)} />
      )}
    </section>
  );
}
