// DOM for the posts list. One element per post, kept by id and patched in place, so a poll
// touches only what changed and a half-typed comment survives every refresh. All text goes
// through textContent: nothing from the API is ever parsed as HTML.

import type { FieldError } from "./api";
import type { Change, Comment, Feed, Post } from "./feed";

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> = {},
  ...children: Node[]
): HTMLElementTagNameMap[K] {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

/** What a reader sees of a comment: its content only once a moderator approved it. */
export function commentText(c: Comment): string {
  if (c.status === "approved") return c.content;
  if (c.status === "pending") return "awaiting moderation";
  if (c.status === "rejected") return "rejected";
  return c.status;
}

function renderComment(c: Comment): HTMLLIElement {
  const li = el("li", { className: `comment ${c.status}`, textContent: commentText(c) });
  li.dataset.commentId = c.id;
  li.dataset.status = c.status;
  return li;
}

let formSeq = 0;

/** A label, an input and the error slots for one field, plus a form-level error slot. */
export function fieldRow(name: string, label: string, placeholder: string, button: string) {
  const id = `f${++formSeq}`;
  const input = el("input", { id, name, placeholder, autocomplete: "off" });
  input.setAttribute("aria-describedby", `${id}-error`);
  const error = el("p", { id: `${id}-error`, className: "error" });
  error.dataset.errorFor = name;
  error.setAttribute("aria-live", "polite");
  const general = el("p", { className: "error" });
  general.dataset.errorFor = "";
  general.setAttribute("role", "alert");
  return [
    el("label", { htmlFor: id, className: "label", textContent: label }),
    el("div", { className: "row" }, input, el("button", { type: "submit", textContent: button })),
    error,
    general,
  ];
}

export function clearErrors(form: HTMLFormElement): void {
  for (const p of form.querySelectorAll<HTMLElement>("[data-error-for]")) p.textContent = "";
  for (const i of form.querySelectorAll("[aria-invalid]")) i.removeAttribute("aria-invalid");
}

/** Puts each error next to the field it names; the rest go to the form's general slot. */
export function showErrors(form: HTMLFormElement, errors: FieldError[]): void {
  clearErrors(form);
  const general = form.querySelector<HTMLElement>('[data-error-for=""]');
  for (const e of errors) {
    const slot =
      (e.field && form.querySelector<HTMLElement>(`[data-error-for="${CSS.escape(e.field)}"]`)) ||
      general;
    if (!slot) continue;
    slot.textContent = slot.textContent ? `${slot.textContent} ${e.message}` : e.message;
    const input = e.field ? form.elements.namedItem(e.field) : null;
    if (input instanceof Element) input.setAttribute("aria-invalid", "true");
  }
}

export class PostsView {
  private readonly nodes = new Map<string, HTMLElement>();

  constructor(
    private readonly root: HTMLElement,
    private readonly feed: Feed,
  ) {}

  apply(change: Change): void {
    for (const { id, before } of change.inserted) {
      const post = this.feed.get(id);
      if (!post) continue;
      const node = this.render(post);
      this.nodes.set(id, node);
      this.root.insertBefore(node, (before && this.nodes.get(before)) || null);
    }
    for (const id of change.updated) {
      const post = this.feed.get(id);
      const node = this.nodes.get(id);
      if (post && node) this.patch(node, post);
    }
  }

  private render(post: Post): HTMLElement {
    const form = el("form", { className: "comment-form", noValidate: true });
    form.append(...fieldRow("content", "Add a comment", "Write a comment", "Comment"));
    const node = el(
      "article",
      { className: "post" },
      el("h2", {}),
      el("p", { className: "publishing", textContent: "publishing…" }),
      el("ul", { className: "comments" }),
      form,
    );
    node.dataset.postId = post.id;
    this.patch(node, post);
    return node;
  }

  private patch(node: HTMLElement, post: Post): void {
    const h2 = node.querySelector("h2")!;
    const title = post.title || "(untitled)";
    if (h2.textContent !== title) h2.textContent = title;
    node.querySelector("ul")!.replaceChildren(...post.comments.map(renderComment));
    // Until the query service lists it, a post exists only in the create call's answer.
    node.dataset.confirmed = String(this.feed.isConfirmed(post.id));
  }
}
