#!/usr/bin/python3
"""Check every local href and src of every HTML page under a site directory.

Usage: linkcheck.py SITE_DIR.  Absolute URLs (http:, https:, mailto:, data:)
are refused: the site must work offline from file:// and from any web
server, so every link is relative.  Anchors (#id) must exist in the page
they point to.  Exit 0 when every link resolves, 1 otherwise (each broken
link printed), 2 on usage errors.
"""
import html.parser
import os
import sys
import urllib.parse


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k == "id" and v:
                self.ids.add(v)
            if (k == "href" and tag in ("a", "link")) or (k == "src" and tag in ("img", "script")):
                self.links.append((tag, v or ""))


def parse(path):
    p = Page()
    with open(path, encoding="utf-8") as f:
        p.feed(f.read())
    return p


def main(argv):
    if len(argv) != 2 or not os.path.isdir(argv[1]):
        print("usage: linkcheck.py SITE_DIR", file=sys.stderr)
        return 2
    root = os.path.realpath(argv[1])
    pages, bad, n = {}, [], 0
    for d, _, files in os.walk(root):
        for f in files:
            if f.endswith(".html"):
                pages[os.path.join(d, f)] = None
    for page in sorted(pages):
        for tag, url in parse(page).links:
            n += 1
            u = urllib.parse.urlsplit(url)
            if u.scheme or u.netloc or url.startswith("/"):
                bad.append("%s: <%s> %s: not a relative link" % (os.path.relpath(page, root), tag, url))
                continue
            target = os.path.realpath(os.path.join(os.path.dirname(page), urllib.parse.unquote(u.path))) \
                if u.path else page
            if not (target == root or target.startswith(root + os.sep)):
                bad.append("%s: %s: points outside the site" % (os.path.relpath(page, root), url))
            elif not os.path.isfile(target):
                bad.append("%s: %s: no such file" % (os.path.relpath(page, root), url))
            elif u.fragment and target.endswith(".html") and u.fragment not in parse(target).ids:
                bad.append("%s: %s: no id '%s' in the target" % (os.path.relpath(page, root), url, u.fragment))
    for b in bad:
        print(b)
    print("%d page(s), %d link(s), %d broken" % (len(pages), n, len(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
