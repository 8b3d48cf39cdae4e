// docs/openapi.yaml against the running services: every response of these requests must be
// documented (status, media type, body schema, headers), and every documented operation must be
// exercised on every service that serves it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { eventually, http, openApi, openApiAjv, services } from '../lib/support.mjs';

// Local $refs ("#/components/...") point into the document, which ajv knows as openapi.json.
function rebase(node) {
  if (Array.isArray(node)) return node.map(rebase);
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) =>
      [k, k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `openapi.json${v}` : rebase(v)]));
  }
  return node;
}

const doc = rebase(openApi());
const ajv = openApiAjv(doc);
const covered = new Set();  // "service METHOD /path/template STATUS"

function resolve(node) {
  while (node?.$ref) {
    node = node.$ref.replace('openapi.json#/', '').split('/').reduce((at, key) => at[key], doc);
  }
  return node;
}

function template(path) {
  if (doc.paths[path]) return path;
  return Object.keys(doc.paths).find((t) => new RegExp(`^${t.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path));
}

function validate(schema, value, where) {
  const ok = ajv.validate(schema, value);
  assert.ok(ok, `${where}: ${ajv.errorsText(ajv.errors)}\n${JSON.stringify(value).slice(0, 500)}`);
}

function checkBody(response, r, where) {
  const content = response.content;
  if (!content) return;
  const type = r.headers.get('content-type') ?? '';
  const media = Object.keys(content).find((m) => type.startsWith(m));
  assert.ok(media, `${where}: content-type ${type} is not one of ${Object.keys(content)}`);
  if (media === 'application/json') {
    assert.notEqual(r.json, undefined, `${where}: body is not JSON: ${r.text.slice(0, 200)}`);
    validate(content[media].schema, r.json, where);
  } else {
    validate(content[media].schema, r.text, where);
  }
}

// Sends one request to `service` and checks the answer against the document.
async function call(service, method, target, options = {}) {
  const r = await http(services()[service], method, target, options);
  const path = target.split('?')[0];
  const where = `${service} ${method} ${target} -> ${r.status}`;
  assert.match(r.headers.get('x-trace-id') ?? '', /^[0-9a-f]{32}$/, `${where}: X-Trace-Id`);
  const tpl = template(path);
  // The operations of this path that this service serves (paths are shared between services).
  const served = Object.fromEntries(Object.entries(doc.paths[tpl] ?? {})
    .filter(([, op]) => op['x-services'].includes(service)));
  if (Object.keys(served).length === 0) {
    assert.equal(r.status, 404, where);
    checkBody(resolve(doc.components.responses.NotFound), r, where);
    return r;
  }
  const operation = served[method.toLowerCase()];
  if (!operation) {
    assert.equal(r.status, 405, where);
    assert.ok(r.headers.get('allow'), `${where}: Allow header`);
    checkBody(resolve(doc.components.responses.MethodNotAllowed), r, where);
    return r;
  }
  assert.ok(operation['x-services'].includes(service), `${where}: ${service} is not documented for ${tpl}`);
  const response = resolve(operation.responses[String(r.status)]);
  assert.ok(response, `${where}: status ${r.status} is not documented for ${method} ${tpl}`);
  checkBody(response, r, where);
  for (const [name, header] of Object.entries(response.headers ?? {})) {
    const value = r.headers.get(name);
    if (value !== null) validate(resolve(header).schema, value, `${where}: header ${name}`);
  }
  for (const name of ['X-Next-Cursor', 'ETag', 'Allow']) {
    if (r.headers.get(name) !== null) {
      assert.ok(response.headers?.[name], `${where}: header ${name} is not documented`);
    }
  }
  covered.add(`${service} ${method} ${tpl} ${r.status}`);
  return r;
}

test('posts: create, list with paging, get, and every documented error', async () => {
  const a = await call('posts', 'POST', '/posts/create', { body: { title: 'OpenAPI one' } });
  assert.equal(a.status, 201);
  assert.equal((await call('posts', 'POST', '/posts', { body: { title: 'OpenAPI two' } })).status, 201);
  assert.equal((await call('posts', 'POST', '/posts', { body: { title: '' } })).status, 400);
  assert.equal((await call('posts', 'POST', '/posts/create', { body: { name: 'no title' } })).status, 400);
  assert.equal((await call('posts', 'POST', '/posts/create', { raw: '{"title":', headers: { 'content-type': 'application/json' } })).status, 400);
  assert.equal((await call('posts', 'POST', '/posts', { raw: 'title=x', headers: { 'content-type': 'text/plain' } })).status, 415);
  const huge = JSON.stringify({ title: 'x'.repeat(1100000) });
  assert.equal((await call('posts', 'POST', '/posts', { raw: huge, headers: { 'content-type': 'application/json' } })).status, 413);
  const page = await call('posts', 'GET', '/posts?limit=1');
  assert.equal(page.status, 200);
  const cursor = page.headers.get('x-next-cursor');
  assert.ok(cursor, 'two posts and limit=1: there is a next page');
  assert.equal((await call('posts', 'GET', `/posts?limit=1&cursor=${cursor}`)).status, 200);
  assert.equal((await call('posts', 'GET', '/posts')).status, 200);
  assert.equal((await call('posts', 'GET', '/posts?limit=0')).status, 400);
  assert.equal((await call('posts', 'GET', '/posts?cursor=abc')).status, 400);
  assert.equal((await call('posts', 'GET', `/posts/${a.json.id}`)).status, 200);
  assert.equal((await call('posts', 'GET', `/posts/${randomUUID()}`)).status, 404);
  assert.equal((await call('posts', 'GET', '/posts/not-a-uuid')).status, 404);
  assert.equal((await call('posts', 'DELETE', '/posts')).status, 405);
  assert.equal((await call('posts', 'GET', '/nowhere')).status, 404);
});

test('comments: add and list, with every documented error', async () => {
  const post = await call('posts', 'POST', '/posts/create', { body: { title: 'Commented' } });
  const id = post.json.id;
  const first = await call('comments', 'POST', `/posts/${id}/comments`, { body: { content: 'I like apples' } });
  assert.equal(first.status, 201);
  assert.equal(first.json[0].status, 'pending');
  assert.equal((await call('comments', 'POST', `/posts/${id}/comments`, { body: { content: '  ' } })).status, 400);
  assert.equal((await call('comments', 'POST', `/posts/${id}/comments`, { raw: '[]', headers: { 'content-type': 'application/json' } })).status, 400);
  assert.equal((await call('comments', 'POST', `/posts/${id}/comments`, { raw: 'x', headers: { 'content-type': 'text/plain' } })).status, 415);
  const huge = JSON.stringify({ content: 'x'.repeat(1100000) });
  assert.equal((await call('comments', 'POST', `/posts/${id}/comments`, { raw: huge, headers: { 'content-type': 'application/json' } })).status, 413);
  assert.equal((await call('comments', 'POST', `/posts/${randomUUID()}/comments`, { body: { content: 'lost' } })).status, 404);
  assert.equal((await call('comments', 'GET', `/posts/${id}/comments`)).status, 200);
  assert.equal((await call('comments', 'GET', `/posts/${randomUUID()}/comments`)).status, 404);
  assert.equal((await call('comments', 'GET', '/posts')).status, 404);
});

test('posts and comments: a keyed create is applied once, and misused keys are refused', async () => {
  const key = `"${randomUUID()}"`;
  const keyed = (title) => ({ body: { title }, headers: { 'idempotency-key': key } });
  const first = await call('posts', 'POST', '/posts/create', keyed('Keyed'));
  assert.equal(first.status, 201);
  const again = await call('posts', 'POST', '/posts/create', keyed('Keyed'));
  assert.equal(again.status, 201);
  assert.equal(again.text, first.text);
  assert.equal(again.headers.get('idempotent-replayed'), 'true');
  assert.equal((await call('posts', 'POST', '/posts/create', keyed('Another'))).status, 422);
  assert.equal((await call('posts', 'POST', '/posts', keyed('Keyed'))).status, 422);
  const malformed = { body: { title: 'x' }, headers: { 'idempotency-key': '"no closing quote' } };
  assert.equal((await call('posts', 'POST', '/posts', malformed)).status, 400);

  const id = first.json.id;
  const comment = { body: { content: 'once' }, headers: { 'idempotency-key': randomUUID() } };
  const added = await call('comments', 'POST', `/posts/${id}/comments`, comment);
  assert.equal(added.status, 201);
  const repeated = await call('comments', 'POST', `/posts/${id}/comments`, comment);
  assert.equal(repeated.text, added.text);
  const changed = { ...comment, body: { content: 'twice' } };
  assert.equal((await call('comments', 'POST', `/posts/${id}/comments`, changed)).status, 422);
  // A comment on a post not known yet waits for it (POST_WAIT_MS); a repeat meanwhile gets 409.
  const waiting = { body: { content: 'early' }, headers: { 'idempotency-key': randomUUID() } };
  const unknown = `/posts/${randomUUID()}/comments`;
  const slow = call('comments', 'POST', unknown, waiting);
  await new Promise((r) => setTimeout(r, 300));
  const busy = await call('comments', 'POST', unknown, waiting);
  assert.equal(busy.status, 409);
  assert.equal(busy.headers.get('retry-after'), '1');
  assert.equal((await slow).status, 404);
  assert.equal((await call('comments', 'POST', unknown, { ...waiting, headers: { 'idempotency-key': '' } })).status, 400);
});

test('query: the read model lists and shows posts with their comments', async () => {
  const post = await call('posts', 'POST', '/posts/create', { body: { title: 'Queried' } });
  const id = post.json.id;
  await call('comments', 'POST', `/posts/${id}/comments`, { body: { content: 'orange' } });
  await eventually('the query service to show the rejected comment', async () => {
    const r = await http(services().query, 'GET', `/posts/${id}`);
    return r.status === 200 && r.json.comments[0]?.status === 'rejected';
  });
  const one = await call('query', 'GET', `/posts/${id}`);
  assert.equal(one.json.comments.length, 1);
  const page = await call('query', 'GET', '/posts?limit=1');
  assert.ok(page.headers.get('x-next-cursor'));
  assert.equal((await call('query', 'GET', `/posts?limit=1&cursor=${page.headers.get('x-next-cursor')}`)).status, 200);
  const all = await call('query', 'GET', '/posts');
  assert.equal(all.status, 200);
  const etag = all.headers.get('etag');
  assert.ok(etag, 'the query service tags its answers');
  const same = await call('query', 'GET', '/posts', { headers: { 'if-none-match': etag } });
  assert.equal(same.status, 304);
  assert.equal(same.text, '');
  const post304 = await call('query', 'GET', `/posts/${id}`, { headers: { 'if-none-match': one.headers.get('etag') } });
  assert.equal(post304.status, 304);
  assert.equal((await call('query', 'GET', '/posts?limit=5000')).status, 400);
  assert.equal((await call('query', 'GET', `/posts/${randomUUID()}`)).status, 404);
  assert.equal((await call('query', 'POST', '/posts', { body: { title: 'no' } })).status, 405);
});

test('every service serves /healthz, /readyz and /metrics as documented', async () => {
  for (const service of Object.keys(services())) {
    assert.equal((await call(service, 'GET', '/healthz')).status, 200);
    assert.equal((await call(service, 'GET', '/readyz')).status, 200);
    const metrics = await call(service, 'GET', '/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.text, /^# (HELP|TYPE) blog_/m);
  }
  assert.equal((await call('moderation', 'GET', '/posts')).status, 404);
});

test('every documented operation answered successfully on every service that serves it', () => {
  const missing = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      for (const service of operation['x-services']) {
        const ok = [...covered].some((c) => c.startsWith(`${service} ${method.toUpperCase()} ${path} 2`));
        if (!ok) missing.push(`${service} ${method.toUpperCase()} ${path}`);
      }
    }
  }
  assert.deepEqual(missing, [], 'operations never exercised');
});
