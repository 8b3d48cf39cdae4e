// The generated event documents are valid: AsyncAPI 3.0 per the official parser, JSON Schemas
// per ajv (draft 2020-12), each example fits its schema, and the YAML and JSON forms agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Parser, fromFile } from '@asyncapi/parser';
import { asyncApi, currentSchemas, docs, eventSchemas, eventValidators, readJson } from '../lib/support.mjs';

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
  assert.deepEqual(Object.keys(schemas).sort(), [
    'CommentCreated/v1', 'CommentCreated/v2', 'CommentModerated/v1', 'CommentUpdated/v1', 'PostCreated/v1',
  ]);
  for (const [key, schema] of Object.entries(schemas)) {
    assert.equal(schema.examples.length, 1);
    assert.equal(schema.$id, schema.examples[0].dataschema, key);
    const ok = validators[key](schema.examples[0]);
    assert.ok(ok, `${key} example: ${JSON.stringify(validators[key].errors)}`);
  }
});

test('an event schema refuses a missing field, a wrong type and an unknown status', () => {
  const validate = eventValidators()['CommentUpdated/v1'];
  const example = currentSchemas().CommentUpdated.examples[0];
  const without = structuredClone(example);
  delete without.data.postId;
  assert.equal(validate(without), false);
  const wrongType = structuredClone(example);
  wrongType.data.version = '1';
  assert.equal(validate(wrongType), false);
  const badStatus = structuredClone(example);
  badStatus.data.status = 'maybe';
  assert.equal(validate(badStatus), false);
  const otherType = structuredClone(example);
  otherType.type = 'CommentCreated';
  assert.equal(validate(otherType), false);
  // The optional field may be absent; present, it has its type.
  const noReason = structuredClone(example);
  delete noReason.data.reason;
  assert.equal(validate(noReason), true);
  noReason.data.reason = 5;
  assert.equal(validate(noReason), false);
});

test('a v1 event stored without dataschema fits v1, and v2 requires the v2 dataschema', () => {
  const validators = eventValidators();
  const v1 = structuredClone(eventSchemas()['CommentCreated/v1'].examples[0]);
  delete v1.dataschema;
  assert.equal(validators['CommentCreated/v1'](v1), true);
  assert.equal(validators['CommentCreated/v2'](v1), false);
  const v2 = structuredClone(eventSchemas()['CommentCreated/v2'].examples[0]);
  assert.equal(validators['CommentCreated/v2'](v2), true);
  assert.equal(validators['CommentCreated/v1'](v2), false);  // v1 requires status
});

test('the AsyncAPI messages embed the same schemas as docs/schemas, one per version', () => {
  const doc = asyncApi();
  for (const [key, schema] of Object.entries(eventSchemas())) {
    const name = key.replace('/', '.');
    const { $schema, $id, examples, ...rest } = schema;
    assert.deepEqual(doc.components.schemas[name], rest, key);
    assert.deepEqual(doc.components.messages[name].examples[0].payload, examples[0], key);
    assert.equal(doc.components.messages[name]['x-dataschema'], $id, key);
  }
  assert.deepEqual(Object.keys(doc.channels.CommentCreated.messages), ['CommentCreated.v1', 'CommentCreated.v2']);
});
