// Unit tests of the page's model (feed.ts, pager.ts, api.ts's config), built by test/run
// into test-output/lib.mjs. No browser and no services.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Feed, Pager, asComments, mergeComments, parsePosts, readConfig, topLevelKeys } from "../test-output/lib.mjs";

const c = (id, status, content = `comment ${id}`) => ({ id, content, status });
const p = (id, comments = [], title = `post ${id}`) => ({ id, title, comments });

describe("mergeComments", () => {
  test("a comment's status never goes back to pending", () => {
    const merged = mergeComments([c("a", "approved")], [c("a", "pending")]);
    assert.deepEqual(merged, [c("a", "approved")]);
  });

  test("a stale answer does not drop a comment the page already shows", () => {
    const merged = mergeComments([c("a", "approved"), c("b", "pending")], [c("a", "approved")]);
    assert.deepEqual(merged.map((x) => x.id), ["a", "b"]);
  });

  test("a moderation result replaces pending", () => {
    assert.deepEqual(mergeComments([c("a", "pending")], [c("a", "rejected")]), [c("a", "rejected")]);
  });
});

describe("Feed.merge", () => {
  test("new posts of the first page go on top, in the answer's order", () => {
    const feed = new Feed();
    feed.merge([p("2"), p("1")], null);
    const change = feed.merge([p("4"), p("3"), p("2")], null);
    assert.deepEqual(feed.ids(), ["4", "3", "2", "1"]);
    assert.deepEqual(change.inserted, [{ id: "4", before: "2" }, { id: "3", before: "2" }]);
    assert.deepEqual(change.updated, []);
  });

  test("posts of a later page go after the anchor", () => {
    const feed = new Feed();
    feed.merge([p("9"), p("8")], null);
    feed.merge([p("7"), p("6")], "8");
    assert.deepEqual(feed.ids(), ["9", "8", "7", "6"]);
  });

  test("only posts whose title or comments changed are reported as updated", () => {
    const feed = new Feed();
    feed.merge([p("1", [c("a", "pending")]), p("2")], null);
    const change = feed.merge([p("1", [c("a", "approved")]), p("2")], null);
    assert.deepEqual(change.updated, ["1"]);
    assert.equal(feed.hasPending("1"), false);
  });

  test("a post from a create call is unconfirmed until the query service lists it", () => {
    const feed = new Feed();
    feed.merge([{ id: "n", title: "new", comments: [] }], null, false);
    assert.equal(feed.isConfirmed("n"), false);
    const change = feed.merge([p("n", [], "new")], null);
    assert.equal(feed.isConfirmed("n"), true);
    assert.deepEqual(change.updated, ["n"], "the view must redraw it as confirmed");
  });

  test("a placeholder's empty title does not overwrite a known title", () => {
    const feed = new Feed();
    feed.merge([p("1", [], "Hello")], null);
    feed.merge([p("1", [c("a", "pending")], "")], null);
    assert.equal(feed.get("1").title, "Hello");
  });
});

describe("parsePosts", () => {
  test("keeps the server's order even for integer-like ids", () => {
    const text = '{"10":{"id":"10","title":"ten","comments":[]},"9":{"id":"9","title":"nine","comments":[]}}';
    assert.deepEqual(parsePosts(text).map((x) => x.id), ["10", "9"]);
  });

  test("ignores keys inside posts and strings that look like keys", () => {
    const text = '{ "b" : {"id":"b","title":"x\\": {\\"c\\":","comments":[{"id":"k","content":"{","status":"approved"}]}, "a":{"title":"no id"}}';
    assert.deepEqual(topLevelKeys(text), ["b", "a"]);
    const posts = parsePosts(text);
    assert.deepEqual(posts.map((x) => x.id), ["b", "a"], "a post without id takes its key");
    assert.equal(posts[0].title, 'x": {"c":');
  });

  test("numeric ids and missing fields become strings and defaults", () => {
    const [post] = parsePosts('{"1":{"id":1,"comments":[{"id":2,"content":"hi"}]}}');
    assert.deepEqual(post, { id: "1", title: "", comments: [{ id: "2", content: "hi", status: "pending" }] });
  });

  test("rejects an answer that is not an object of posts", () => {
    assert.throws(() => parsePosts("[]"), /object of posts/);
  });
});

describe("readConfig", () => {
  test("drops trailing slashes and fills defaults; missing bases mean same origin", () => {
    const cfg = readConfig({ posts: "http://localhost:4000/", pageSize: 0 });
    assert.deepEqual(cfg, { posts: "http://localhost:4000", comments: "", query: "", pageSize: 50, pollMs: 1000 });
  });
});

/** The query service in memory: newest first, keyset cursor = id of the last post sent. */
class FakeQuery {
  posts = []; // newest first
  limit;
  requests = 0;
  constructor(limit) {
    this.limit = limit;
  }
  add(n) {
    for (let i = 0; i < n; i++) this.posts.unshift(p(`p${this.posts.length + 1}`));
  }
  load = async (cursor) => {
    this.requests++;
    const start = cursor === null ? 0 : this.posts.findIndex((x) => x.id === cursor) + 1;
    const page = this.posts.slice(start, start + this.limit);
    const body = Object.fromEntries(page.map((x) => [x.id, structuredClone(x)]));
    const more = start + this.limit < this.posts.length;
    return { text: JSON.stringify(body), next: more ? page.at(-1).id : null };
  };
}

function setup(limit, initial) {
  const server = new FakeQuery(limit);
  server.add(initial);
  const feed = new Feed();
  const pager = new Pager(feed, server.load, () => {});
  return { server, feed, pager };
}

describe("Pager", () => {
  test("loads the first page, then older pages until the last", async () => {
    const { server, feed, pager } = setup(3, 7);
    await pager.tick();
    assert.deepEqual(feed.ids(), ["p7", "p6", "p5"]);
    assert.equal(pager.hasMore, true);
    await pager.loadMore();
    await pager.loadMore();
    assert.deepEqual(feed.ids(), server.posts.map((x) => x.id));
    assert.equal(pager.hasMore, false);
  });

  test("fills a gap when more posts arrive between ticks than a page holds", async () => {
    const { server, feed, pager } = setup(3, 4);
    await pager.tick();
    server.add(8);
    await pager.tick();
    assert.deepEqual(feed.ids(), server.posts.slice(0, 11).map((x) => x.id));
  });

  test("an unchanged answer is not merged again", async () => {
    const server = new FakeQuery(3);
    server.add(3);
    let applied = 0;
    const pager = new Pager(new Feed(), server.load, () => applied++);
    await pager.tick();
    await pager.tick();
    assert.equal(applied, 1);
  });

  test("a pending comment on an older page is refreshed until moderated", async () => {
    const { server, feed, pager } = setup(2, 6);
    await pager.tick();
    await pager.loadMore();
    await pager.loadMore();
    const target = server.posts[5]; // on the last page
    target.comments.push(c("x", "pending"));
    for (let i = 0; i < 3; i++) await pager.tick(); // round robin reaches it
    assert.equal(feed.hasPending(target.id), true);
    target.comments[0].status = "approved";
    const before = server.requests;
    await pager.tick();
    assert.equal(feed.hasPending(target.id), false, "refreshed on the very next tick");
    assert.ok(server.requests - before <= 3, "first page, the pending page, one in turn");
  });

  test("any mix of new posts, paging, comments and ticks ends in the server's order and state", async () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 30; round++) {
      const { server, feed, pager } = setup(1 + Math.floor(random() * 5), Math.floor(random() * 20));
      for (let step = 0; step < 40; step++) {
        const r = random();
        if (r < 0.3) server.add(Math.floor(random() * 8));
        else if (r < 0.45) await pager.loadMore();
        else if (r < 0.6 && server.posts.length) {
          const post = server.posts[Math.floor(random() * server.posts.length)];
          post.comments.push(c(`c${round}-${step}`, "pending"));
        } else if (r < 0.7) {
          for (const post of server.posts) for (const x of post.comments) x.status = "approved";
        } else await pager.tick();
      }
      while (pager.hasMore) await pager.loadMore();
      for (let i = 0; i < 3 * pager.pageCount + 2; i++) await pager.tick();
      assert.deepEqual(feed.ids(), server.posts.map((x) => x.id), `order in round ${round}`);
      for (const post of server.posts) {
        assert.deepEqual(feed.get(post.id).comments, post.comments, `comments in round ${round}`);
      }
    }
  });
});

describe("asComments", () => {
  test("reads the whole list and the new comment alone (Prefer: return=minimal) alike", () => {
    assert.deepEqual(asComments([c("a", "approved"), { content: "no id" }]), [c("a", "approved")]);
    assert.deepEqual(asComments(c("b", "pending")), [c("b", "pending")]);
    assert.deepEqual(asComments({ content: "no id" }), []);
    assert.deepEqual(asComments(null), []);
  });
});
