// The page's model: the posts shown, newest first, merged from overlapping answers.
//
// Answers arrive out of order and from services that lag each other (the comments service
// answers a new comment before the query service has projected it), so merging is monotonic:
// posts and comments are never dropped, and a comment's status only moves forward
// (pending -> approved | rejected). Any interleaving of answers converges to the newest state
// without flicker. No DOM here, so it is unit-tested in node.

export interface Comment {
  id: string;
  content: string;
  status: string; // "pending" | "approved" | "rejected"; unknown values are shown as they are
}

export interface Post {
  id: string;
  title: string;
  comments: Comment[];
}

/** What one merge changed, in the order the view must apply it. */
export interface Change {
  /** New posts; `before` is the id of the post it goes in front of (null: at the end). */
  inserted: Array<{ id: string; before: string | null }>;
  /** Known posts whose title or comments changed. */
  updated: string[];
}

function statusRank(status: string): number {
  return status === "pending" ? 0 : 1;
}

/** Union of two comment lists by id; a comment's status never goes back to pending. */
export function mergeComments(known: Comment[], incoming: Comment[]): Comment[] {
  const byId = new Map(known.map((c) => [c.id, c]));
  const merged: Comment[] = [];
  const seen = new Set<string>();
  for (const c of incoming) {
    if (seen.has(c.id)) continue;
    seen.add(c.id);
    const old = byId.get(c.id);
    merged.push(old && statusRank(old.status) > statusRank(c.status) ? old : c);
  }
  for (const c of known) if (!seen.has(c.id)) merged.push(c);
  return merged;
}

function samePost(a: Post, b: Post): boolean {
  if (a.title !== b.title || a.comments.length !== b.comments.length) return false;
  return a.comments.every((c, i) => {
    const d = b.comments[i];
    return c.id === d.id && c.content === d.content && c.status === d.status;
  });
}

export class Feed {
  private readonly order: string[] = [];
  private readonly posts = new Map<string, Post>();
  private readonly confirmed = new Set<string>(); // seen in the query service's answers

  get size(): number {
    return this.order.length;
  }

  get(id: string): Post | undefined {
    return this.posts.get(id);
  }

  has(id: string): boolean {
    return this.posts.has(id);
  }

  /** Ids newest first. */
  ids(): readonly string[] {
    return this.order;
  }

  last(): string | null {
    return this.order.length ? this.order[this.order.length - 1] : null;
  }

  /** False for a post this page created that the query service has not listed yet. */
  isConfirmed(id: string): boolean {
    return this.confirmed.has(id);
  }

  hasPending(id: string): boolean {
    return this.posts.get(id)?.comments.some((c) => c.status === "pending") ?? false;
  }

  /**
   * Merges `page` (newest first). A new post goes right after the post before it in `page`;
   * the first one goes after `anchor`, or at the top when `anchor` is null. `fromQuery` says
   * the posts come from the query service (not from a create call's answer).
   */
  merge(page: Post[], anchor: string | null, fromQuery = true): Change {
    const change: Change = { inserted: [], updated: [] };
    let at = anchor === null ? -1 : this.order.indexOf(anchor);
    if (anchor !== null && at < 0) at = this.order.length - 1;
    for (const post of page) {
      const old = this.posts.get(post.id);
      if (old) {
        const next: Post = {
          id: old.id,
          title: post.title || old.title,
          comments: mergeComments(old.comments, post.comments),
        };
        const changed = !samePost(old, next);
        const confirms = fromQuery && !this.confirmed.has(post.id);
        if (changed) this.posts.set(post.id, next);
        if (confirms) this.confirmed.add(post.id);
        if (changed || confirms) change.updated.push(post.id);
        // Hint first: a page's posts are usually contiguous, so indexOf is rarely needed.
        at = this.order[at + 1] === post.id ? at + 1 : this.order.indexOf(post.id);
      } else {
        at += 1;
        this.order.splice(at, 0, post.id);
        this.posts.set(post.id, { id: post.id, title: post.title, comments: post.comments });
        if (fromQuery) this.confirmed.add(post.id);
        change.inserted.push({ id: post.id, before: this.order[at + 1] ?? null });
      }
    }
    return change;
  }
}

/**
 * Top-level keys of a JSON object text, in the order they are written. The query service
 * orders posts by key order, but JSON.parse puts integer-like keys ("42") first in ascending
 * order, which would scramble numeric ids; this scan keeps the server's order.
 */
export function topLevelKeys(text: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      const start = i;
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === "\\") i++;
      if (depth !== 1) continue;
      let j = i + 1;
      while (j < text.length && " \t\r\n".includes(text[j])) j++;
      if (text[j] === ":") keys.push(JSON.parse(text.slice(start, i + 1)) as string);
    } else if (ch === "{" || ch === "[") {
      depth++;
    } else if (ch === "}" || ch === "]") {
      depth--;
    }
  }
  return keys;
}

function asComment(value: unknown): Comment | null {
  if (typeof value !== "object" || value === null) return null;
  const c = value as Record<string, unknown>;
  if (c.id === undefined || c.id === null) return null;
  return {
    id: String(c.id),
    content: typeof c.content === "string" ? c.content : "",
    status: typeof c.status === "string" ? c.status : "pending",
  };
}

/** A list of comments, or one comment alone (a 201 to `Prefer: return=minimal`) as a list. */
export function asComments(value: unknown): Comment[] {
  if (!Array.isArray(value)) {
    const alone = asComment(value);
    return alone ? [alone] : [];
  }
  return value.map(asComment).filter((c): c is Comment => c !== null);
}

/** The query service's `{id:{id,title,comments}}` as a list in the server's order. */
export function parsePosts(text: string): Post[] {
  const data: unknown = JSON.parse(text);
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new Error("the query service did not answer with an object of posts");
  }
  const byKey = data as Record<string, unknown>;
  const posts: Post[] = [];
  for (const key of topLevelKeys(text)) {
    const p = byKey[key];
    if (typeof p !== "object" || p === null) continue;
    const raw = p as Record<string, unknown>;
    posts.push({
      id: raw.id === undefined || raw.id === null ? key : String(raw.id),
      title: typeof raw.title === "string" ? raw.title : "",
      comments: asComments(raw.comments),
    });
  }
  return posts;
}
