// Shared helpers of the interop tests: where the system is, the committed documents, JSON Schema
// validators and a small HTTP client.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import YAML from 'yaml';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const docs = join(root, 'docs');

export function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the interop tests with interop/run`);
  return value;
}

export const services = () => ({
  posts: env('POSTS_URL'),
  comments: env('COMMENTS_URL'),
  query: env('QUERY_URL'),
  moderation: env('MODERATION_URL'),
});

export const natsOptions = () => ({
  servers: env('NATS_URL'),
  ...(process.env.NATS_USER ? { user: process.env.NATS_USER, pass: process.env.NATS_PASSWORD } : {}),
});

export function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

// docs/schemas/<Type>/v<N>.json by "<Type>/v<N>", as generated from the C++ catalog.
export function eventSchemas() {
  const out = {};
  for (const type of readdirSync(join(docs, 'schemas'))) {
    for (const file of readdirSync(join(docs, 'schemas', type))) {
      if (file.endsWith('.json')) out[`${type}/${file.replace(/\.json$/, '')}`] = readJson(join(docs, 'schemas', type, file));
    }
  }
  return out;
}

// The current (highest) version's schema of each event type, by type.
export function currentSchemas() {
  const out = {};
  const version = (key) => Number(key.split('/v')[1]);
  for (const [key, schema] of Object.entries(eventSchemas())) {
    const type = key.split('/')[0];
    if (!out[type] || version(key) > version(out[type].key)) out[type] = { key, schema };
  }
  return Object.fromEntries(Object.entries(out).map(([type, { schema }]) => [type, schema]));
}

// "<Type>/v<N>" of a stored event: its dataschema names the version; none means v1.
export function schemaKey(event) {
  if (event.dataschema === undefined) return `${event.type}/v1`;
  const match = /\/schemas\/([A-Za-z]+)\/(v[0-9]+)\.json$/.exec(event.dataschema);
  return match ? `${match[1]}/${match[2]}` : `unknown dataschema ${event.dataschema}`;
}

// A draft 2020-12 validator per event type and version ("<Type>/v<N>").
export function eventValidators() {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats(ajv);
  const out = {};
  for (const [key, schema] of Object.entries(eventSchemas())) out[key] = ajv.compile(schema);
  return out;
}

export function asyncApi() {
  return YAML.parse(readFileSync(join(docs, 'asyncapi.yaml'), 'utf8'));
}

export function openApi() {
  return YAML.parse(readFileSync(join(docs, 'openapi.yaml'), 'utf8'));
}

// An OpenAPI 3.0 schema validator: the document is added whole so that its $refs resolve.
export function openApiAjv(document) {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  ajv.addSchema(document, 'openapi.json');
  return ajv;
}

export async function http(base, method, path, { body, headers = {}, raw } = {}) {
  const init = { method, headers: { ...headers } };
  if (raw !== undefined) {
    init.body = raw;
  } else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(base + path, init);
  const text = await response.text();
  let json;
  try {
    json = text.length ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

export async function eventually(what, check, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// A post with a moderated comment, so that every event type is stored.
export async function postWithComment(title, content) {
  const s = services();
  const post = await http(s.posts, 'POST', '/posts/create', { body: { title } });
  if (post.status !== 201) throw new Error(`create post: ${post.status} ${post.text}`);
  const comment = await http(s.comments, 'POST', `/posts/${post.json.id}/comments`, { body: { content } });
  if (comment.status !== 201) throw new Error(`add comment: ${comment.status} ${comment.text}`);
  const commentId = comment.json.at(-1).id;
  await eventually('the comment to be moderated in the query service', async () => {
    const view = await http(s.query, 'GET', `/posts/${post.json.id}`);
    return view.status === 200 && view.json.comments.some((c) => c.id === commentId && c.status !== 'pending');
  });
  return { postId: post.json.id, commentId };
}
