// Wiring: config, forms, polling and paging. The logic lives in feed.ts and pager.ts.

import { ApiError, createComment, createPost, fetchPage, readConfig } from "./api";
import { Feed, type Change } from "./feed";
import { Pager } from "./pager";
import { PostsView, clearErrors, fieldRow, showErrors } from "./view";

const cfg = readConfig();
const feed = new Feed();
const list = document.getElementById("posts")!;
const view = new PostsView(list, feed);
const status = document.getElementById("status")!;
const more = document.getElementById("more") as HTMLButtonElement;
const empty = document.getElementById("empty")!;
const postForm = document.getElementById("post-form") as HTMLFormElement;

let loaded = false;

const render = (change: Change) => view.apply(change);

const pager = new Pager(feed, (cursor) => fetchPage(cfg, cursor), render);

function refreshChrome(): void {
  more.hidden = !pager.hasMore;
  empty.hidden = !loaded || feed.size > 0;
  list.setAttribute("aria-busy", String(!loaded));
}

function setStatus(text: string, ok: boolean): void {
  if (status.textContent !== text) status.textContent = text;
  status.className = ok ? "ok" : "down";
}

function errorsOf(e: unknown) {
  return e instanceof ApiError ? e.errors : [{ message: String(e) }];
}

async function submit(form: HTMLFormElement, job: () => Promise<void>): Promise<void> {
  const button = form.querySelector("button")!;
  button.disabled = true;
  clearErrors(form);
  try {
    await job();
  } catch (e) {
    showErrors(form, errorsOf(e));
  } finally {
    button.disabled = false;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The comments service learns of a post from its PostCreated event, a moment after the posts
 * service accepted it. A 404 for a post this page shows is that moment: retry for a while.
 */
async function commentWhenKnown(postId: string, content: string) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await createComment(cfg, postId, content);
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404 && attempt < 20 && feed.has(postId))) throw e;
      await sleep(500);
    }
  }
}

// --- forms ---------------------------------------------------------------------------------

postForm.append(...fieldRow("title", "New post", "Title", "Create post"));
postForm.addEventListener("submit", (ev) => {
  ev.preventDefault();
  const input = postForm.elements.namedItem("title") as HTMLInputElement;
  const title = input.value;
  void submit(postForm, async () => {
    const post = await createPost(cfg, title);
    if (input.value === title) input.value = ""; // unless retyped meanwhile
    // Shown at once; the query service's copy merges into it when it catches up.
    render(feed.merge([{ ...post, comments: [] }], null, false));
    refreshChrome();
  });
});

list.addEventListener("submit", (ev) => {
  const form = ev.target as HTMLFormElement;
  const postId = form.closest<HTMLElement>("[data-post-id]")?.dataset.postId;
  if (!postId) return;
  ev.preventDefault();
  const input = form.elements.namedItem("content") as HTMLInputElement;
  const content = input.value;
  void submit(form, async () => {
    const comments = await commentWhenKnown(postId, content);
    if (input.value === content) input.value = "";
    render(feed.merge([{ id: postId, title: "", comments }], null, false));
  });
});

// --- polling and paging --------------------------------------------------------------------

let failures = 0;
let timer: number | undefined;
let polling = false;

async function poll(): Promise<void> {
  if (polling) return; // one loop only, however often visibility flips
  polling = true;
  clearTimeout(timer);
  try {
    await pager.tick();
    loaded = true;
    failures = 0;
    setStatus("live", true);
  } catch (e) {
    failures++;
    setStatus(`${errorsOf(e)[0].message} Retrying…`, false);
  }
  polling = false;
  refreshChrome();
  nearEnd();
  if (!document.hidden) timer = setTimeout(poll, cfg.pollMs * Math.min(2 ** failures, 8));
}

// A hidden tab does not poll; it catches up as soon as it is shown again.
document.addEventListener("visibilitychange", () => {
  if (!document.hidden) void poll();
});

async function loadMore(): Promise<void> {
  if (more.disabled) return;
  more.disabled = true;
  try {
    await pager.loadMore();
  } catch (e) {
    setStatus(`${errorsOf(e)[0].message} Try again.`, false);
    return;
  } finally {
    more.disabled = false;
    refreshChrome();
  }
  nearEnd();
}

// Loads the next page when the end of the list comes within a screen of sight. Checked on
// every scroll frame rather than with an IntersectionObserver: the observer only reports
// changes, and a fast scroller can bring the end back into sight before it ever saw it leave.
let checking = false;
function nearEnd(): void {
  if (checking) return;
  checking = true;
  requestAnimationFrame(() => {
    checking = false;
    if (!more.hidden && !more.disabled && more.getBoundingClientRect().top < innerHeight * 2) {
      void loadMore();
    }
  });
}

more.addEventListener("click", () => void loadMore());
addEventListener("scroll", nearEnd, { passive: true });
addEventListener("resize", nearEnd, { passive: true });

void poll();
