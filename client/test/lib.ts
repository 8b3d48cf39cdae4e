// The page's DOM-free modules, bundled by test/run into test-output/lib.mjs for node's tests.
export * from "../src/feed";
export * from "../src/pager";
export { readConfig } from "../src/api";
