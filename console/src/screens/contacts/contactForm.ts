/** The add-contact form's values as the body of POST /v1/contacts. Pure. Values are sent as typed:
 * what the API refuses (a bad address, a number that is not one) comes back as its own 422. */
import type { PropertyDefinition } from "../../api/types";
import { tagNames } from "./bulk";

export type FormValues = Record<string, string | boolean | undefined>;

export function contactBody(values: FormValues, properties: PropertyDefinition[]): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const custom: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(values)) {
    if (raw === undefined) continue;
    if (name.startsWith("properties.")) continue;
    if (name === "owner_id") {
      body.owner_id = raw === "" ? null : raw;
    } else if (name === "tags") {
      const tags = tagNames(String(raw));
      if (tags.length) body.tags = tags;
    } else if (typeof raw === "string" && raw.trim() !== "") {
      body[name] = raw.trim();
    }
  }
  for (const property of properties) {
    const raw = values[`properties.${property.key}`];
    if (raw === undefined || raw === "") continue;
    if (property.type === "boolean") {
      custom[property.key] = raw === true;
    } else if (property.type === "number") {
      const text = String(raw).replace(/[,，]/g, "").trim();
      custom[property.key] = text !== "" && Number.isFinite(Number(text)) ? Number(text) : String(raw);
    } else {
      custom[property.key] = String(raw).trim();
    }
  }
  if (Object.keys(custom).length) body.properties = custom;
  return body;
}
