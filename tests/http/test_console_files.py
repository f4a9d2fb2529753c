"""The web console's files: served from memory at fixed paths, with type, ETag and CSP.

The expected bytes are read from web/ in the source tree, so a file that the build failed to
embed, or embedded wrongly, shows up here.
"""

import os

import harness

WEB_DIR = os.path.join(harness.ROOT, "web")
TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
         ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


def web_files():
    """Return {name: bytes} of the files in web/ that the build embeds."""
    files = {}
    for name in sorted(os.listdir(WEB_DIR)):
        if os.path.splitext(name)[1] in TYPES:
            with open(os.path.join(WEB_DIR, name), "rb") as f:
                files[name] = f.read()
    return files


class ConsoleFilesTest(harness.MfadTestCase):
    copy_init = True

    def get(self, path, headers=None, method="GET"):
        return self.server.request(method, path, headers=headers)

    def test_every_file_served_as_is(self):
        files = web_files()
        self.assertIn("index.html", files)
        for name, data in files.items():
            r = self.get("/" + name)
            self.assertEqual(r.status, 200, "GET /%s: %r" % (name, r))
            self.assertEqual(r.raw, data, "GET /%s: body differs from web/%s" % (name, name))
            self.assertEqual(r.headers["Content-Type"], TYPES[os.path.splitext(name)[1]],
                             "GET /%s: Content-Type" % name)
            self.assertEqual(r.headers["X-Content-Type-Options"], "nosniff", name)
            self.assertEqual(r.headers["Content-Security-Policy"], CSP, name)
            self.assertEqual(r.headers["Cache-Control"], "no-cache", name)
            self.assertRegex(r.headers["ETag"], r'^"[0-9a-f]{32}"$', name)

    def test_root_is_index(self):
        root = self.get("/")
        index = self.get("/index.html")
        self.assertEqual(root.status, 200)
        self.assertEqual(root.raw, index.raw)
        self.assertEqual(root.headers["ETag"], index.headers["ETag"])

    def test_etag_revalidation(self):
        etag = self.get("/app.js").headers["ETag"]
        r = self.get("/app.js", {"If-None-Match": etag})
        self.assertEqual(r.status, 304, "matching If-None-Match: %r" % r)
        self.assertEqual(r.raw, b"")
        self.assertEqual(r.headers["ETag"], etag)
        r = self.get("/app.js", {"If-None-Match": '"other", ' + etag})
        self.assertEqual(r.status, 304, "ETag second in a list: %r" % r)
        r = self.get("/app.js", {"If-None-Match": etag[:-2] + '"'})
        self.assertEqual(r.status, 200, "a prefix of the ETag must not match: %r" % r)
        r = self.get("/app.js", {"If-None-Match": self.get("/style.css").headers["ETag"]})
        self.assertEqual(r.status, 200, "another file's ETag: %r" % r)

    def test_head_has_no_body(self):
        r = self.get("/", method="HEAD")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.raw, b"")
        self.assertEqual(r.headers["Content-Type"], TYPES[".html"])

    def test_other_methods_not_found(self):
        for method in ("POST", "PUT", "DELETE"):
            for path in ("/", "/index.html"):
                r = self.get(path, method=method)
                self.assertEqual(r.status, 404, "%s %s: %r" % (method, path, r))
                self.assertEqual(r.json["code"], "UnknownAction", "%s %s" % (method, path))

    def test_unknown_paths_not_found(self):
        for path in ("/nope.js", "/index.htm", "/index.html/", "//index.html", "/./index.html",
                     "/web/index.html", "/../web/index.html", "/%2e%2e/etc/passwd",
                     "/..%2fweb%2findex.html", "/etc/passwd", "/INDEX.HTML"):
            status, raw = self.server.raw_request(
                b"GET " + path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Connection: close\r\n\r\n")
            self.assertEqual(status, 404, "GET %s: %r" % (path, raw[:200]))
            self.assertNotIn(b"<!DOCTYPE html>", raw, "GET %s served a page" % path)

    def test_api_still_answers(self):
        r = self.get("/api/v1/WhoAmI")
        self.assertEqual(r.status, 401)
        self.assertEqual(r.json["code"], "NotAuthenticated")
        self.assertEqual(self.get("/healthz").status, 200)

    def test_requests_logged(self):
        etag = self.get("/app.js").headers["ETag"]
        self.get("/app.js", {"If-None-Match": etag})
        log = self.server.log_text()
        self.assertRegex(log, r'event=request method="?GET"? path=/app\.js status=200 src=127\.0\.0\.1')
        self.assertRegex(log, r'event=request method="?GET"? path=/app\.js status=304 src=127\.0\.0\.1')
