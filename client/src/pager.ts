// Keeps the loaded pages of the query service fresh without reloading them all.
//
// Each loaded page remembers its cursor and the posts it last returned. A tick refreshes the
// first page (new posts), every page holding a pending comment (moderation results), and one
// other page in turn (anything else). When new posts push posts off a page, the next page's
// cursor moves to the new X-Next-Cursor and it adopts them, so every post stays in some
// page's range. When more posts arrive between two ticks than a page holds, the gap is
// filled at once, page by page, until a known post shows up.

import type { PageText } from "./api";
import { parsePosts, type Change, type Feed } from "./feed";

interface Page {
  cursor: string | null;
  ids: string[];
  next: string | null; // the X-Next-Cursor of the last answer
  text: string | null; // the last answer, to skip parsing an unchanged one
  textCursor: string | null;
}

const kMaxGapPages = 20;

function unique(ids: string[]): string[] {
  return [...new Set(ids)];
}

export class Pager {
  private readonly pages: Page[] = [Pager.page(null)];
  private robin = 0;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly feed: Feed,
    private readonly load: (cursor: string | null) => Promise<PageText>,
    private readonly apply: (change: Change) => void,
  ) {}

  private static page(cursor: string | null, ids: string[] = []): Page {
    return { cursor, ids, next: null, text: null, textCursor: null };
  }

  /** True when the last loaded page has a next page. */
  get hasMore(): boolean {
    return this.pages[this.pages.length - 1].next !== null;
  }

  get pageCount(): number {
    return this.pages.length;
  }

  /** Refreshes what may have changed; see the file comment. */
  tick(): Promise<void> {
    return this.serial(async () => {
      await this.refresh(this.pages[0], 0);
      const older = this.pages.slice(1);
      const due = older.filter((p) => p.ids.some((id) => this.feed.hasPending(id)));
      if (older.length) {
        this.robin = (this.robin + 1) % older.length;
        if (!due.includes(older[this.robin])) due.push(older[this.robin]);
      }
      for (const page of due) await this.refresh(page, 0);
    });
  }

  /** Loads the page after the last one. */
  loadMore(): Promise<void> {
    return this.serial(async () => {
      const last = this.pages[this.pages.length - 1];
      if (last.next === null) return;
      const page = Pager.page(last.next);
      this.pages.push(page);
      try {
        await this.refresh(page, 0);
      } catch (e) {
        this.pages.splice(this.pages.indexOf(page), 1);
        throw e;
      }
    });
  }

  private serial(job: () => Promise<void>): Promise<void> {
    const run = this.queue.then(job, job);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async refresh(page: Page, depth: number): Promise<void> {
    const cursor = page.cursor;
    const answer = await this.load(cursor);
    if (page.textCursor === cursor && page.text === answer.text) return;
    const posts = parsePosts(answer.text);
    const k = this.pages.indexOf(page);
    const before = k > 0 ? this.pages[k - 1].ids : [];
    const anchor = k === 0 ? null : (before[before.length - 1] ?? this.feed.last());
    // A page seen before (or a gap page) with only unknown posts: more are missing after it.
    const gap =
      (page.text !== null || depth > 0) &&
      this.feed.size > 0 &&
      posts.length > 0 &&
      posts.every((p) => !this.feed.has(p.id));
    this.apply(this.feed.merge(posts, anchor));

    const ids = posts.map((p) => p.id);
    const returned = new Set(ids);
    const displaced = page.ids.filter((id) => !returned.has(id));
    Object.assign(page, { ids, next: answer.next, text: answer.text, textCursor: cursor });

    if (gap && answer.next !== null && depth < kMaxGapPages) {
      const fill = Pager.page(answer.next, displaced);
      this.pages.splice(k + 1, 0, fill);
      await this.refresh(fill, depth + 1);
      return;
    }
    const after = this.pages[k + 1];
    if (after) {
      if (answer.next !== null) after.cursor = answer.next;
      after.ids = unique([...displaced, ...after.ids]);
    } else {
      page.ids = unique([...ids, ...displaced]);
    }
  }
}
