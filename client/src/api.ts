// The three services, as the page sees them. Every failure becomes an ApiError carrying the
// API's `{errors:[{message, field}]}` list, so the forms have one thing to show.

import { asComments, type Comment } from "./feed";

export interface ApiConfig {
  posts: string; // base URL of the posts service; "" = same origin (the ingress)
  comments: string;
  query: string;
  pageSize: number;
  pollMs: number;
}

export interface FieldError {
  message: string;
  field?: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errors: FieldError[],
  ) {
    super(errors.map((e) => e.message).join("; "));
  }
}

declare global {
  interface Window {
    BLOG_API?: Partial<ApiConfig>;
  }
}

function base(url: unknown): string {
  return typeof url === "string" ? url.replace(/\/+$/, "") : "";
}

/** Reads `window.BLOG_API` (set by config.js); missing bases mean same origin. */
export function readConfig(raw: Partial<ApiConfig> = window.BLOG_API ?? {}): ApiConfig {
  const num = (v: unknown, fallback: number) =>
    typeof v === "number" && v > 0 ? v : fallback;
  return {
    posts: base(raw.posts),
    comments: base(raw.comments),
    query: base(raw.query),
    pageSize: num(raw.pageSize, 50),
    pollMs: num(raw.pollMs, 1000),
  };
}

function errorsIn(body: unknown): FieldError[] | null {
  const list = (body as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(list)) return null;
  const errors = list
    .filter((e): e is Record<string, unknown> => typeof e === "object" && e !== null)
    .map((e) => ({
      message: typeof e.message === "string" ? e.message : "Invalid input",
      field: typeof e.field === "string" && e.field ? e.field : undefined,
    }));
  return errors.length ? errors : null;
}

async function request(url: string, init: RequestInit, service: string): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch {
    throw new ApiError(0, [{ message: `Cannot reach the ${service} service.` }]);
  }
}

async function postJson(
  url: string,
  body: unknown,
  service: string,
  extra: Record<string, string> = {},
): Promise<unknown> {
  const res = await request(
    url,
    {
      method: "POST",
      headers: { "Content-Type": "application/json", ...extra },
      body: JSON.stringify(body),
    },
    service,
  );
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    // A proxy's HTML error page, say: fall through to the status line.
  }
  if (!res.ok) {
    throw new ApiError(
      res.status,
      errorsIn(json) ?? [{ message: `The ${service} service answered ${res.status}.` }],
    );
  }
  return json;
}

export async function createPost(cfg: ApiConfig, title: string): Promise<{ id: string; title: string }> {
  const body = (await postJson(`${cfg.posts}/posts/create`, { title }, "posts")) as
    | { id?: unknown; title?: unknown }
    | undefined;
  if (body?.id === undefined || body.id === null) {
    throw new ApiError(0, [{ message: "The posts service answered without a post id." }]);
  }
  return { id: String(body.id), title: typeof body.title === "string" ? body.title : title };
}

/**
 * Adds a comment; answers the new comment (as a list of one). `Prefer: return=minimal` spares
 * the server sending the post's whole list, which the page merges from polling anyway; a server
 * that ignores it answers the whole list, which is merged the same way.
 */
export async function createComment(cfg: ApiConfig, postId: string, content: string): Promise<Comment[]> {
  const url = `${cfg.comments}/posts/${encodeURIComponent(postId)}/comments`;
  return asComments(await postJson(url, { content }, "comments", { Prefer: "return=minimal" }));
}

export interface PageText {
  text: string;
  next: string | null;
}

/**
 * One page of the query service, newest first. `cache: "no-cache"` makes the browser
 * revalidate with the ETag it holds (If-None-Match) without a custom header, so polling a
 * cross-origin GET needs no preflight and an unchanged page costs a 304.
 */
export async function fetchPage(cfg: ApiConfig, cursor: string | null): Promise<PageText> {
  const params = new URLSearchParams({ limit: String(cfg.pageSize) });
  if (cursor !== null) params.set("cursor", cursor);
  const res = await request(`${cfg.query}/posts?${params}`, { cache: "no-cache" }, "query");
  const text = await res.text();
  if (!res.ok) {
    let errors: FieldError[] | null = null;
    try {
      errors = errorsIn(JSON.parse(text));
    } catch {
      // not JSON
    }
    throw new ApiError(res.status, errors ?? [{ message: `The query service answered ${res.status}.` }]);
  }
  return { text, next: res.headers.get("X-Next-Cursor") || null };
}
