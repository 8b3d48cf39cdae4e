// The query service's cross-file invariants: rules that no single file can keep alone. Change
// any file named here only with the rule in mind, and keep its test passing.
//
// 1. A stored document is byte for byte the body the service's JSON writer would build, so an
//    answer's bytes and its ETag do not depend on whether the document was stored, rendered on
//    read or built by the writer.
//    Enforced: query_json_string (schema.cpp, migration 2) escapes as RapidJSON does;
//    PostDocSql (post_doc.cpp) writes the keys in the writer's order; ETagOf (post_reads.cpp)
//    hashes the bytes sent. Tested: integration/query_document_test.cpp ("...stores each post's
//    body exactly as the JSON writer renders it", "...migration that adds documents...").
//
// 2. A post's id is read from its document by position: every document starts with
//    kDocIdPrefix and the id in lower case (post_doc.hpp), so the id sits at kDocIdOffset.
//    Enforced: PostDocSql builds the prefix from kDocIdPrefix; ReadPostList (post_reads.cpp)
//    slices the listing's keys and Reads::One (routes.cpp) the echoed id at kDocIdOffset.
//    Tested: integration/query_document_test.cpp ("a post's id is where the query routes slice
//    it"), e2e/blog_e2e_test.cpp (listings keyed by id).
//
// 3. The read cache never keeps an answer older than the read model: a reader begins its read
//    in the cache BEFORE it queries PostgreSQL, every commit to the read model (by any replica,
//    the rebuild or psql) notifies the caches of the posts it touched and their positions in
//    the listing, through triggers, and an answer is stored only if no change signalled since
//    its read began touches it (its post, or the stretch of the listing a page covers); a
//    request shares another's read of its key only on the same condition. Enforced: ReadCache
//    (read_cache.hpp), ReadModelChange::Touches and ParseChangeNotice (read_change.hpp), the
//    scopes ReadPostList and ReadPost give their answers (post_reads.cpp); the triggers
//    (schema.cpp, migration 4); ChangeWatch, which keeps the cache inactive while it cannot
//    listen (change_watch.hpp). Tested: unit/read_cache_test.cpp ("a read that overlaps a
//    change to its own key is refused...", "a request does not take a read begun before a
//    change it must see"), integration/change_watch_test.cpp, e2e/blog_e2e_test.cpp ("each
//    query replica's cached answers follow changes...", "a change to one post leaves...").
//
// 4. Lock order: every listener transaction writes the inbox before the read model, so the
//    rebuild empties the inbox before posts and comments, and waits behind a running listener
//    instead of deadlocking with it. Enforced: DropReadModel (rebuild.cpp) calls ClearInbox
//    (common/inbox.hpp) first. Tested: integration/ordering_test.cpp ("a rebuild started while
//    a projection transaction is open waits for it").
//
// 5. Transactions that render the same post's document run one after the other: each takes the
//    advisory lock of the post's bucket (one of kLockBuckets, in bucket order, so never a
//    deadlock among them) before the statement whose snapshot renders, and so sees every
//    comment the others committed. Enforced: LockSql, LockPosts and the `locked` step of
//    kUpsertComments (projection.cpp). Tested: integration/ordering_test.cpp ("the query
//    projection converges...", "a query rebuild gives the same read model as the listeners...":
//    three listeners apply one post's comments concurrently and the documents must agree).
//
// 6. A batch leaves the read model exactly as its events applied one by one would, in any order
//    and with duplicates, and applying an event again changes nothing: the rebuild writes no
//    inbox rows and relies on this. Enforced: Collapse (collapse.cpp) merges by the same rules
//    as the ON CONFLICT clauses of projection.cpp, which take a post's or comment's fields only
//    from a newer version. Tested: integration/ordering_test.cpp (rebuilds of a stream with
//    duplicates, a rebuild over a built model), integration/query_document_test.cpp (one by one
//    vs batch).
#pragma once
