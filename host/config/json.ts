// Strict JSON config reading shared by the daemons' config files: every key checked, unknown
// keys and bad values are InputErrors naming the file and the key.
import { readFileSync } from "node:fs";
import { InputError } from "../errors.js";

export type Json = Record<string, unknown>;

export function readJsonFile(path: string, what: string): Json {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new InputError(`cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InputError(`${what} ${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InputError(`${what} ${path} must hold a JSON object`);
  }
  return value as Json;
}

export function rejectUnknown(json: Json, allowed: string[], where: string): void {
  const unknown = Object.keys(json).filter((k) => !allowed.includes(k));
  if (unknown.length) throw new InputError(`${where}: unknown key${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `"${k}"`).join(", ")} (allowed: ${allowed.join(", ")})`);
}

export function integer(json: Json, key: string, fallback: number | undefined, min: number, max: number, where: string): number {
  const value = json[key] ?? fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new InputError(`${where}: "${key}" must be an integer from ${min} to ${max}, not ${JSON.stringify(json[key])}`);
  }
  return value;
}

export function text(json: Json, key: string, where: string, fallback?: string): string {
  const value = json[key] ?? fallback;
  if (typeof value !== "string" || value === "") {
    throw new InputError(`${where}: "${key}" must be a non-empty string${fallback === undefined ? " and is required" : ""}`);
  }
  return value;
}

export function bool(json: Json, key: string, fallback: boolean, where: string): boolean {
  const value = json[key] ?? fallback;
  if (typeof value !== "boolean") throw new InputError(`${where}: "${key}" must be true or false`);
  return value;
}
