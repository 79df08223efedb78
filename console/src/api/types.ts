/** The API's own types, generated from functions/contacts_api/openapi.json (npm run types). */
import type { components } from "./schema.gen";

type Schemas = components["schemas"];
export type Contact = Schemas["Contact"];
export type ContactInput = Schemas["ContactInput"];
export type Settings = Schemas["Settings"];
export type SettingsUpdate = Schemas["SettingsUpdate"];
export type Member = Schemas["Member"];
export type Me = Schemas["Me"];
export type Activity = Schemas["Activity"];
export type HistoryEntry = Schemas["HistoryEntry"];
export type Tag = Schemas["Tag"];
export type PropertyDefinition = Schemas["PropertyDefinition"];
export type Segment = Schemas["Segment"];
export type Job = Schemas["Job"];
export type Email = Schemas["Email"];
export type EmailTemplate = Schemas["EmailTemplate"];
export type AuthConfig = Schemas["AuthConfig"];
export type ErrorBody = Schemas["Error"];
export type ErrorDetail = Schemas["ErrorDetail"];
export type Filter = Schemas["Filter"];
export type SearchRequest = Schemas["SearchRequest"];
export type BulkRequest = Schemas["BulkRequest"];
export type BulkEmailRequest = Schemas["BulkEmailRequest"];
export type BulkEmailPreview = Schemas["BulkEmailPreview"];
export type BulkEmailJob = Schemas["BulkEmailJob"];
export type Company = Schemas["Company"];
export type EmailRequest = Schemas["EmailRequest"];
export type EmailPreview = Schemas["EmailPreview"];
export type Call = Schemas["Call"];
export type Notification = Schemas["Notification"];
/** A PATCH of a contact: any of the writable fields (the generated type makes defaulted ones required). */
export type ContactPatch = Partial<ContactInput>;
export type Import = Schemas["Import"];
export type ImportPreview = Schemas["ImportPreview"];
export type ImportError = Import["errors"][number];
export type SiteKey = Schemas["SiteKey"];
export type ApiKey = Schemas["ApiKey"];
export type ApiKeyCreated = Schemas["ApiKeyCreated"];
export type Mailbox = Schemas["Mailbox"];
export type MailboxInput = Schemas["MailboxInput"];
export type SettingsWithUsage = Schemas["SettingsWithUsage"];
export type ExportRequest = Schemas["ExportRequest"];
export type Export = Schemas["Export"];
export type ExportDownload = Schemas["ExportDownload"];
/** An item of GET /v1/jobs: a bulk action, an export or an import. */
export type AnyJob = Schemas["JobPage"]["items"][number];
