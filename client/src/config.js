// Runtime config: where the page finds the three services. Empty bases mean same origin,
// as behind the Kubernetes ingress. `client/serve` answers this file itself with the local
// ports (or POSTS_URL, COMMENTS_URL, QUERY_URL); replace it to point the page elsewhere.
window.BLOG_API = { posts: "", comments: "", query: "" };
