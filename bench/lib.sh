# Shared by the bench scripts (sourced).
# big_manifest PORT KB FILE: a manifest for tp-demo-api's /api/big?kb=KB on localhost:PORT
# (a JSON document of exactly KB KiB), extracting its "kb" member.
big_manifest() {
  cat >"$3" <<JSON
{"manifestVersion":"2","id":"big","title":"$2 KiB","description":"bench",
 "request":{"method":"GET","url":"https://localhost:$1/api/big?kb=$2",
   "headers":{"Authorization":"Bearer <% token %>"},"body":"","vars":{"token":{}}},
 "response":{"status":"200","headers":{},"body":{"format":"json","extractors":[
   {"id":"kb","description":"size","selector":["kb"],"type":"number","required":true}]}}}
JSON
}
