// The generated event documents are valid: AsyncAPI 3.0 per the official parser, JSON Schemas
// per ajv (draft 2020-12), each example fits its schema, and the YAML and JSON forms agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Parser, fromFile } from '@asyncapi/parser';
import { asyncApi, docs, eventSchemas, eventValidators, readJson } from '../lib/support.mjs';

test('docs/asyncapi.yaml is a valid AsyncAPI 3.0 document', async () => {
  const parser = new Parser();
  const { document, diagnostics } = await fromFile(parser, join(docs, 'asyncapi.yaml')).parse();
  const errors = diagnostics.filter((d) => d.severity === 0);
  assert.deepEqual(errors.map((d) => `${d.code}: ${d.message} at ${d.path.join('.')}`), []);
  assert.ok(document, 'the parser returned no document');
  assert.equal(document.version(), '3.0.0');
  const addresses = document.channels().all().map((c) => c.address()).sort();
  assert.deepEqual(addresses, [
    'blog.comment.created', 'blog.comment.moderated', 'blog.comment.updated', 'blog.post.created', 'dlq.{consumer}',
  ]);
  const sends = document.operations().all().filter((o) => o.isSend()).map((o) => o.id());
  assert.ok(sends.includes('moderation-sends-CommentModerated'));
  const receives = document.operations().all().filter((o) => o.isReceive()).map((o) => o.id());
  assert.equal(receives.length, 6);
});

test('docs/asyncapi.yaml and docs/asyncapi.json hold the same document', () => {
  assert.deepEqual(asyncApi(), readJson(join(docs, 'asyncapi.json')));
});

test('every event schema compiles and accepts its own example', () => {
  const validators = eventValidators();
  const schemas = eventSchemas();
  assert.deepEqual(Object.keys(schemas).sort(), ['CommentCreated', 'CommentModerated', 'CommentUpdated', 'PostCreated']);
  for (const [type, schema] of Object.entries(schemas)) {
    assert.equal(schema.examples.length, 1);
    const ok = validators[type](schema.examples[0]);
    assert.ok(ok, `${type} example: ${JSON.stringify(validators[type].errors)}`);
  }
});

test('an event schema refuses a missing field, a wrong type and an unknown status', () => {
  const validators = eventValidators();
  const example = eventSchemas().CommentUpdated.examples[0];
  const without = structuredClone(example);
  delete without.data.postId;
  assert.equal(validators.CommentUpdated(without), false);
  const wrongType = structuredClone(example);
  wrongType.data.version = '1';
  assert.equal(validators.CommentUpdated(wrongType), false);
  const badStatus = structuredClone(example);
  badStatus.data.status = 'maybe';
  assert.equal(validators.CommentUpdated(badStatus), false);
  const otherType = structuredClone(example);
  otherType.type = 'CommentCreated';
  assert.equal(validators.CommentUpdated(otherType), false);
});

test('the AsyncAPI messages embed the same schemas as docs/schemas', () => {
  const doc = asyncApi();
  for (const [type, schema] of Object.entries(eventSchemas())) {
    const { $schema, $id, examples, ...rest } = schema;
    assert.deepEqual(doc.components.schemas[type], rest, type);
    assert.deepEqual(doc.components.messages[type].examples[0].payload, examples[0], type);
  }
});
