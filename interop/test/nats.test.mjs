// The official NATS JavaScript client (@nats-io/jetstream) against our streams: it lists them
// and the services' durable consumers, reads every stored event and validates it against the
// generated JSON Schemas, and publishes a PostCreated that the C++ services then consume.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { connect, headers as natsHeaders } from '@nats-io/transport-node';
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import {
  asyncApi, currentSchemas, eventValidators, eventually, http, natsOptions, postWithComment, schemaKey, services,
} from '../lib/support.mjs';

let nc;
let jsm;

before(async () => {
  nc = await connect(natsOptions());
  jsm = await jetstreamManager(nc);
  // Every event type is stored at least once: a post, and a comment that gets moderated.
  await postWithComment('Interop', 'I like apples');
  await postWithComment('Interop rejected', 'I like oranges');
});

after(async () => {
  await nc?.close();
});

// durable consumer -> the subject it must be filtered to, from the AsyncAPI document.
function expectedConsumers() {
  const doc = asyncApi();
  const out = {};
  for (const op of Object.values(doc.operations)) {
    if (op.action !== 'receive') continue;
    const channel = op.channel.$ref.split('/').pop();
    out[op['x-durable-consumer']] = doc.channels[channel].address;
  }
  return out;
}

test('the streams BLOG and BLOG_DLQ exist with their subjects', async () => {
  const streams = {};
  for await (const si of jsm.streams.list()) streams[si.config.name] = si.config;
  assert.deepEqual(streams.BLOG.subjects, ['blog.>']);
  assert.deepEqual(streams.BLOG_DLQ.subjects, ['dlq.>']);
  assert.equal(streams.BLOG.max_age, 0, 'events are kept forever');
  assert.ok(streams.BLOG.duplicate_window > 0, 'the stream deduplicates by Nats-Msg-Id');
});

test('each service has the durable pull consumers the AsyncAPI document names', async () => {
  const expected = expectedConsumers();
  assert.equal(Object.keys(expected).length, 6);
  const actual = {};
  for await (const ci of jsm.consumers.list('BLOG')) {
    if (ci.config.durable_name) actual[ci.name] = ci.config;
  }
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort());
  for (const [name, config] of Object.entries(actual)) {
    assert.equal(config.filter_subject, expected[name], name);
    assert.equal(config.ack_policy, AckPolicy.Explicit, name);
    assert.equal(config.deliver_subject, undefined, `${name} is a pull consumer`);
  }
});

test('every stored event is plain JSON that fits its schema, with the standard headers', async () => {
  const validators = eventValidators();
  const subjects = Object.fromEntries(
    Object.values(asyncApi().channels).filter((c) => c.messages && !c.address.startsWith('dlq'))
      .map((c) => [Object.keys(c.messages)[0].split('.')[0], c.address]),
  );
  const js = jetstream(nc);
  const info = await jsm.streams.info('BLOG');
  const total = info.state.messages;
  assert.ok(total >= 8, `expected at least 8 events, found ${total}`);
  const reader = await js.consumers.get('BLOG');  // an ordered (ephemeral) consumer
  const seen = {};
  let read = 0;
  while (read < total) {
    const batch = await reader.fetch({ max_messages: Math.min(256, total - read), expires: 5000 });
    let got = 0;
    for await (const m of batch) {
      got += 1;
      const event = m.json();
      const where = `event #${m.seq} on ${m.subject}`;
      const validate = validators[schemaKey(event)];
      assert.ok(validate, `${where}: no schema for ${schemaKey(event)}`);
      assert.ok(validate(event), `${where}: ${JSON.stringify(validate.errors)}`);
      assert.equal(m.subject, subjects[event.type], `${where}: subject of ${event.type}`);
      assert.equal(m.headers?.get('Nats-Msg-Id'), event.id, `${where}: Nats-Msg-Id is the event id`);
      assert.match(m.headers?.get('traceparent') ?? '', /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/, where);
      seen[event.type] = (seen[event.type] ?? 0) + 1;
    }
    assert.ok(got > 0, `the stream stopped after ${read} of ${total} events`);
    read += got;
  }
  assert.deepEqual(Object.keys(seen).sort(), Object.keys(currentSchemas()).sort());
});

test('a PostCreated published by the JavaScript client is consumed by the C++ services', async () => {
  const validators = eventValidators();
  const example = currentSchemas().PostCreated.examples[0];
  const id = randomUUID();
  const postId = randomUUID();
  const event = {
    ...example,
    id,
    source: '/interop',
    time: new Date().toISOString(),
    data: { ...example.data, id: postId, title: 'Published from Node.js' },
  };
  assert.ok(validators['PostCreated/v1'](event), JSON.stringify(validators['PostCreated/v1'].errors));
  const h = natsHeaders();
  h.set('traceparent', `00-${randomUUID().replaceAll('-', '')}-${'1'.repeat(16)}-01`);
  const js = jetstream(nc);
  const ack = await js.publish('blog.post.created', JSON.stringify(event), { msgID: id, headers: h });
  assert.equal(ack.stream, 'BLOG');
  assert.equal(ack.duplicate, false);
  const again = await js.publish('blog.post.created', JSON.stringify(event), { msgID: id, headers: h });
  assert.equal(again.duplicate, true, 'the same Nats-Msg-Id is stored once');

  const s = services();
  const view = await eventually('the query service to show the post', async () => {
    const r = await http(s.query, 'GET', `/posts/${postId}`);
    return r.status === 200 ? r.json : undefined;
  });
  assert.deepEqual(view, { id: postId, title: 'Published from Node.js', comments: [] });
  // The comments service learned the post too: it accepts a comment on it.
  const comment = await http(s.comments, 'POST', `/posts/${postId}/comments`, { body: { content: 'hello from C++' } });
  assert.equal(comment.status, 201, comment.text);
  assert.equal(comment.json[0].status, 'pending');
});
