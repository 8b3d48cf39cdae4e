// The page in a real browser (Debian's chromium through playwright-core) against the real
// services. Assumes the services run (POSTS_URL, COMMENTS_URL, QUERY_URL; default
// localhost:4000-4002) and the page is served at CLIENT_URL (default http://localhost:3000/).
// client/test/run arranges both. Saves client/test-output/blog.png.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const clientUrl = process.env.CLIENT_URL ?? "http://localhost:3000/";
const api = {
  posts: process.env.POSTS_URL ?? "http://localhost:4000",
  comments: process.env.COMMENTS_URL ?? "http://localhost:4001",
  query: process.env.QUERY_URL ?? "http://localhost:4002",
};
const output = fileURLToPath(new URL("../test-output/", import.meta.url));
const screenshot = join(output, "blog.png");
const settle = { timeout: 30_000 }; // moderation goes through three services and NATS

let context;
let profile;
const pageErrors = [];
const foreignRequests = [];

async function openPage(configOverride) {
  const page = await context.newPage();
  page.on("pageerror", (e) => pageErrors.push(`${page.url()}: ${e.message}`));
  const allowed = new Set([clientUrl, ...Object.values(api)].map((u) => new URL(u).origin));
  page.on("request", (r) => {
    const url = new URL(r.url());
    if (url.protocol !== "data:" && !allowed.has(url.origin)) foreignRequests.push(r.url());
  });
  page.on("console", (m) => {
    // Chromium logs every 4xx fetch; the tests provoke some on purpose.
    if (m.type() === "error" && !/status of 4\d\d/.test(m.text())) pageErrors.push(m.text());
  });
  if (configOverride) {
    await page.route("**/config.js", (route) =>
      route.fulfill({
        contentType: "text/javascript",
        body: `window.BLOG_API = ${JSON.stringify({ ...api, ...configOverride })};`,
      }),
    );
  }
  await page.goto(clientUrl);
  await page.locator("#status.ok").waitFor(settle);
  return page;
}

function postCard(page, title) {
  return page.locator("article.post", { has: page.getByRole("heading", { name: title, exact: true }) });
}

/** Polls `check` until it returns something truthy; fails saying what it waited for. */
async function until(what, check, timeout = settle.timeout) {
  const end = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function createPostThroughApi(title) {
  const res = await fetch(`${api.posts}/posts/create`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ title }),
  });
  const body = await res.text();
  assert.equal(res.status, 201, `creating "${title}" answered ${res.status}: ${body}`);
  return JSON.parse(body).id;
}

describe("the blog page", () => {
  before(async () => {
    try {
      await fetch(`${api.query}/posts?limit=1`);
    } catch (e) {
      throw new Error(`the query service at ${api.query} does not answer (${e.cause?.code ?? e.message}); start the services first (./blog up)`);
    }
    await mkdir(output, { recursive: true });
    profile = await mkdtemp(join(tmpdir(), "blog-chromium-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
      headless: true,
      viewport: { width: 1100, height: 900 },
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  });

  after(async () => {
    await context?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  test("the services allow the page's origin, preflight included", async () => {
    const origin = new URL(clientUrl).origin;
    const routes = [
      [api.posts, "/posts/create"],
      [api.comments, "/posts/00000000-0000-0000-0000-000000000000/comments"],
    ];
    for (const [base, path] of routes) {
      const res = await fetch(base + path, {
        method: "OPTIONS",
        headers: { Origin: origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type" },
      });
      assert.ok(res.status < 300, `preflight of ${base}${path} answered ${res.status}`);
      assert.equal(res.headers.get("access-control-allow-origin"), origin, `${base} must allow ${origin} (CORS_ORIGINS)`);
      assert.match(res.headers.get("access-control-allow-headers") ?? "", /content-type/i);
    }
    const res = await fetch(`${api.query}/posts?limit=1`, { headers: { Origin: origin } });
    assert.equal(res.headers.get("access-control-allow-origin"), origin);
    assert.match(res.headers.get("access-control-expose-headers") ?? "", /x-next-cursor/i, "paging needs X-Next-Cursor exposed");
  });

  test("an empty title shows the posts service's error next to the title field", async () => {
    const page = await openPage();
    const form = page.locator("#post-form");
    const answer = page.waitForResponse((r) => r.url().endsWith("/posts/create"));
    await form.getByRole("textbox", { name: "New post" }).fill("");
    await form.getByRole("button", { name: "Create post" }).click();
    assert.equal((await answer).status(), 400);

    const input = form.locator('input[name="title"]');
    const error = page.locator(`#${await input.getAttribute("aria-describedby")}`);
    await error.filter({ hasText: /\S/ }).waitFor();
    assert.equal(await error.getAttribute("data-error-for"), "title");
    assert.equal(await input.getAttribute("aria-invalid"), "true");
    assert.equal(await form.locator('[data-error-for=""]').textContent(), "", "no general error");
    await page.close();
  });

  test("a new post gets a rejected and an approved comment without a reload", async () => {
    const page = await openPage();
    const title = `Browser test ${new Date().toISOString()}`;
    await page.getByRole("textbox", { name: "New post" }).fill(title);
    await page.getByRole("button", { name: "Create post" }).click();
    const card = postCard(page, title);
    await card.waitFor(settle);

    // Straight away, as a person would: the page copes with the comments service not having
    // heard of the post yet.
    const box = card.getByRole("textbox", { name: "Add a comment" });
    const comment = async (text) => {
      await box.fill(text);
      await card.getByRole("button", { name: "Comment" }).click();
      const errors = async () => (await card.locator(".error").allTextContents()).join(" ").trim();
      await until(`"${text}" to be answered`, async () => (await box.inputValue()) === "" || errors());
      assert.equal(await errors(), "", "no error shown");
    };
    await comment("I like orange juice");
    await comment("Nice first post");

    const items = card.locator("li.comment");
    await items.nth(1).waitFor(settle);
    await card.and(page.locator('[data-confirmed="true"]')).waitFor(settle); // listed by the query service
    await card.locator('li[data-status="rejected"]').waitFor(settle);
    await card.locator('li[data-status="approved"]').waitFor(settle);
    assert.deepEqual(await items.allTextContents(), ["rejected", "Nice first post"]);
    assert.equal(await card.getByText("orange").count(), 0, "a rejected comment's content stays hidden");

    await card.scrollIntoViewIfNeeded();
    await page.screenshot({ path: screenshot });
    await page.close();
  });

  test("posts made elsewhere appear at the top, and older pages load as you scroll", async () => {
    const page = await openPage({ pageSize: 3 });
    const stamp = Date.now();
    const titles = [];
    for (let i = 1; i <= 4; i++) {
      titles.push(`Paged ${stamp} #${i}`);
      await createPostThroughApi(titles.at(-1));
    }
    await postCard(page, titles[3]).waitFor(settle); // by polling: this page created none of them

    const shown = async () =>
      (await page.locator("article.post h2").allTextContents()).filter((t) => t.startsWith(`Paged ${stamp}`));
    await until("all four posts", async () => (await shown()).length === 4);
    assert.deepEqual(await shown(), [...titles].reverse(), "newest first, none missing");

    // More posts than one page (3): the page must have followed X-Next-Cursor.
    await page.mouse.wheel(0, 5000);
    await until("a second page (is X-Next-Cursor exposed through CORS?)", async () =>
      (await page.locator("article.post").count()) > 3);
    const ids = await page.locator("article.post").evaluateAll((els) => els.map((e) => e.dataset.postId));
    assert.equal(new Set(ids).size, ids.length, "no post shown twice");
    await page.close();
  });

  test("the page raised no script errors and fetched nothing from other hosts", () => {
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(foreignRequests, [], "no external fonts, scripts or CDNs");
  });
});
