// A reader for the nats-server configuration format, enough for the files of this repo:
// maps ({...}), arrays ([...]), quoted and bare values, `key: v`, `key = v`, `key v` and
// `key {`, comments (# and //), `include FILE`, and $VARIABLE references, which stay
// unresolved as {$var: "NAME"} (nats-server resolves them from the environment).
// nats-server -t remains the authority on validity; this lets the checks read what the
// configuration says (users, permissions, routes).

/** Parses text; include resolves `include` paths (relative to the file) to their text. */
export function parseNatsConf(text, include = () => { throw new Error("include not supported"); }) {
  const p = { text, i: 0, include };
  const out = parseMapBody(p, null);
  return out;
}

const BARE_END = /[\s,;\]}#]/;

function skipSpace(p, newlines = true) {
  for (;;) {
    const c = p.text[p.i];
    if (c === undefined) return;
    if (c === "#" || (c === "/" && p.text[p.i + 1] === "/")) {
      while (p.i < p.text.length && p.text[p.i] !== "\n") p.i++;
    } else if (c === " " || c === "\t" || c === "\r" || (newlines && c === "\n")) {
      p.i++;
    } else {
      return;
    }
  }
}

function fail(p, msg) {
  const line = p.text.slice(0, p.i).split("\n").length;
  throw new Error(`nats conf line ${line}: ${msg}`);
}

function parseMapBody(p, close) {
  const map = {};
  for (;;) {
    skipSpace(p);
    const c = p.text[p.i];
    if (c === undefined) {
      if (close) fail(p, `missing ${close}`);
      return map;
    }
    if (c === close) { p.i++; return map; }
    if (c === "," || c === ";") { p.i++; continue; }
    const key = parseKey(p);
    skipSpace(p, false);
    if (key === "include" && p.text[p.i] !== ":" && p.text[p.i] !== "=") {
      const file = parseValue(p);
      Object.assign(map, parseNatsConf(p.include(String(file)), p.include));
      continue;
    }
    if (p.text[p.i] === ":" || p.text[p.i] === "=") { p.i++; skipSpace(p, false); }
    map[key] = parseValue(p);
  }
}

function parseKey(p) {
  const c = p.text[p.i];
  if (c === '"' || c === "'") return parseQuoted(p);
  const m = /^[A-Za-z0-9_$.\-]+/.exec(p.text.slice(p.i));
  if (!m) fail(p, `unexpected "${c}"`);
  p.i += m[0].length;
  return m[0];
}

function parseQuoted(p) {
  const q = p.text[p.i++];
  let s = "";
  while (p.text[p.i] !== q) {
    if (p.i >= p.text.length) fail(p, "unterminated string");
    if (q === '"' && p.text[p.i] === "\\") {
      const e = p.text[++p.i];
      s += { n: "\n", t: "\t", r: "\r", '"': '"', "\\": "\\" }[e] ?? `\\${e}`;
    } else {
      s += p.text[p.i];
    }
    p.i++;
  }
  p.i++;
  return s;
}

function parseValue(p) {
  skipSpace(p);
  const c = p.text[p.i];
  if (c === "{") { p.i++; return parseMapBody(p, "}"); }
  if (c === "[") {
    p.i++;
    const arr = [];
    for (;;) {
      skipSpace(p);
      if (p.text[p.i] === "]") { p.i++; return arr; }
      if (p.text[p.i] === ",") { p.i++; continue; }
      if (p.i >= p.text.length) fail(p, "missing ]");
      arr.push(parseValue(p));
    }
  }
  if (c === '"' || c === "'") return parseQuoted(p);
  const start = p.i;
  while (p.i < p.text.length && !BARE_END.test(p.text[p.i])) p.i++;
  const raw = p.text.slice(start, p.i);
  if (!raw) fail(p, `expected a value, got "${c}"`);
  if (raw.startsWith("$")) return { $var: raw.slice(1) };
  if (/^(true|yes|on)$/i.test(raw)) return true;
  if (/^(false|no|off)$/i.test(raw)) return false;
  if (/^-?\d+$/.test(raw)) return Number(raw);
  return raw;
}

/** Parses a configuration held in a map of file name -> text (a ConfigMap's data). */
export function parseNatsFiles(files, main) {
  const include = (name) => {
    const key = name.replace(/^\.\//, "");
    if (!(key in files)) throw new Error(`nats conf: include ${name}: no such file beside ${main}`);
    return files[key];
  };
  return parseNatsConf(files[main], include);
}
