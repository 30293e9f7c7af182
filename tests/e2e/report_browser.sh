#!/bin/bash
# SPDX-License-Identifier: MIT
# The report in a real browser: headless Chromium (Debian package chromium)
# loads the HTML from a file, with no network, and takes a screenshot.
# Passes when the browser logged no console message for the page (no
# script errors, no invalid SVG attribute, no blocked load) and the
# screenshot shows the picture: many colours, among them the phase colours
# of the timeline.  A page with a deliberate script error and an invalid
# SVG attribute must be caught by the same check, so the check is real.
# Then at a phone's width (390 CSS pixels, mobile emulation, through the
# DevTools protocol on a pipe): the page body never scrolls sideways, every
# table sits in a box of its own that scrolls, and some do; a page with a
# wide table outside such a box must fail the same check.
. "$(dirname "$0")/lib.sh"

need python3 chromium
need_sysphase
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (ptrace)"; exit 77; }

# shot HTML PNG LOG: one screenshot; the browser's log in LOG.
shot() {
	local profile
	profile=$(mktemp -d "$T/chromium.XXXXXX")
	# No sandbox: we run as root.  Every background service off, so that
	# the only thing the browser loads is the file.
	chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--disable-extensions --host-resolver-rules='MAP * ~NOTFOUND' \
		--user-data-dir="$profile" --window-size=1400,1000 \
		--enable-logging=stderr --v=0 --screenshot="$2" "file://$1" \
		>"$3" 2>&1 </dev/null
}

# Console messages about the page: Chromium logs them as
#   [...:INFO:CONSOLE:1] "Uncaught ReferenceError: ...", source: file:///... (1)
console_errors() {
	grep -E ':CONSOLE(:[0-9]+)?\]|Uncaught' "$1" | grep -F "file://$2" || true
}

cat >"$T/png.py" <<'EOF'
# Decodes an 8-bit RGB/RGBA PNG with zlib alone; prints the number of
# distinct colours, then checks that the phase colours the report uses
# (hsl values from its legend) appear as pixels.
import colorsys, re, struct, sys, zlib

png, html = sys.argv[1], sys.argv[2]
data = open(png, "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, w = 8, b"", 0
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        assert depth == 8 and ctype in (2, 6), "unexpected PNG type %d/%d" % (depth, ctype)
        bpp = 3 if ctype == 2 else 4
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
raw = zlib.decompress(idat)
stride = w * bpp
prev = bytearray(stride)
colours = {}
for y in range(h):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        if f == 1:
            line[i] = (line[i] + a) & 255
        elif f == 2:
            line[i] = (line[i] + b) & 255
        elif f == 3:
            line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    for x in range(0, stride, bpp):
        px = bytes(line[x:x + 3])
        colours[px] = colours.get(px, 0) + 1
    prev = line
print("distinct colours:", len(colours))
if len(colours) < 16:
    print("FAIL: the screenshot is (nearly) blank")
    sys.exit(1)
text = open(html, encoding="utf-8").read()
start = text.index('class="legend"')
legend = text[start:text.index("</p>", start)]
wanted = re.findall(r"background:hsl\((\d+),(\d+)%,(\d+)%\)", legend)
found, pixels = 0, 0
for hh, ss, ll in wanted:
    r, g, b = colorsys.hls_to_rgb(int(hh) / 360, int(ll) / 100, int(ss) / 100)
    rgb = (round(r * 255), round(g * 255), round(b * 255))
    n = sum(c for px, c in colours.items() if all(abs(px[k] - rgb[k]) <= 3 for k in range(3)))
    found += n > 0
    pixels += n
print("phase colours on screen: %d of %d, %d pixels" % (found, len(wanted), pixels))
if not wanted or found < len(wanted):
    print("FAIL: phase colours missing from the screenshot")
    sys.exit(1)
# The legend's swatches and the section headings hold a few hundred pixels
# per colour; the bands of the timeline (about 1000 x 26 pixels per lane)
# many more.  Fewer means the SVG did not render.
if pixels < 4000:
    print("FAIL: too few phase-coloured pixels: the timeline did not render")
    sys.exit(1)
EOF

# The negative control: the same checks must see these faults.
cat >"$T/broken.html" <<'EOF'
<!DOCTYPE html>
<html><head><meta charset="utf-8"/></head><body><p>broken</p>
<svg width="100" height="100"><rect x="0" y="0" width="-5" height="10"/></svg>
<script>no_such_function();</script></body></html>
EOF
shot "$T/broken.html" "$T/broken.png" "$T/broken.log"
if [ -z "$(console_errors "$T/broken.log" "$T/broken.html")" ]; then
	echo "chromium log of the broken page:"
	cat "$T/broken.log"
	fail "the console check does not see a script error and a bad SVG attribute"
else
	pass "the console check catches a broken page"
fi

(cd /tmp && "$SYSPHASE" record -o "$T/fork.trace" --rules generic -- "$TRACEES/fork_wait") \
	>/dev/null 2>&1 || true
(cd /tmp && LANG=C "$SYSPHASE" record -o "$T/pwd.trace" --rules pwd -- /bin/pwd) >/dev/null 2>&1
for name in pwd fork; do
	if ! "$SYSPHASE" report "$T/$name.trace" --against thesis:pwd:chestnut -o "$T/$name.html" \
		>/dev/null 2>"$T/err"; then
		fail "$name: report failed: $(cat "$T/err")"
		continue
	fi
	shot "$T/$name.html" "$T/$name.png" "$T/$name.log"
	check "$name: chromium wrote a screenshot" test -s "$T/$name.png"
	errs=$(console_errors "$T/$name.log" "$T/$name.html")
	if [ -n "$errs" ]; then
		fail "$name: console errors: $errs"
	else
		pass "$name: no console errors"
	fi
	check "$name: the picture rendered" python3 "$T/png.py" "$T/$name.png" "$T/$name.html"
done
# ---- a phone's width: Chromium driven through the DevTools protocol on a pipe ----
# layout.js: how wide the page is, and every element that sticks out of it
# without a scrolling box (overflow-x auto/scroll) of its own that fits.
cat >"$T/layout.js" <<'EOF'
(() => {
  const W = document.documentElement.clientWidth, bad = [];
  const boxOf = (e) => {
    for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll') return p;
    }
    return null;
  };
  for (const e of document.body.querySelectorAll('*')) {
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.right <= W + 0.5) continue;
    const b = boxOf(e);
    if (b && b.getBoundingClientRect().right <= W + 0.5) continue;
    bad.push(e.tagName.toLowerCase() + (e.className && e.className.baseVal === undefined ? '.' + e.className : '') + ' right=' + Math.round(r.right));
  }
  const tables = [...document.querySelectorAll('table')];
  const unboxed = tables.filter(t => !boxOf(t)).length;
  const scrolling = tables.filter(t => { const b = boxOf(t); return b && b.scrollWidth > b.clientWidth; }).length;
  return {scrollWidth: document.documentElement.scrollWidth, clientWidth: W,
          overflowing: bad.length, first: bad.slice(0, 12), tables: tables.length,
          unboxed: unboxed, scrolling: scrolling};
})()
EOF
cat >"$T/phone.py" <<'EOF'
# argv: page.html width layout.js profile log: loads the page in headless
# Chromium at that width (mobile emulation) and prints what layout.js
# measures, as JSON.  The DevTools protocol runs over
# --remote-debugging-pipe (fd 3 in, fd 4 out, messages ended by NUL): no
# port, no network.
import json, os, sys, time

def run(url, width, expr, profile, log):
    r_cmd, w_cmd = os.pipe()
    r_res, w_res = os.pipe()
    pid = os.fork()
    if pid == 0:
        a, b = os.dup2(os.dup(r_cmd), 100), os.dup2(os.dup(w_res), 101)
        os.dup2(a, 3)
        os.dup2(b, 4)
        os.set_inheritable(3, True)
        os.set_inheritable(4, True)
        null = os.open("/dev/null", os.O_RDWR)
        os.dup2(null, 0)
        os.dup2(null, 1)
        os.dup2(os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), 2)
        os.execvp("chromium", ["chromium", "--headless", "--no-sandbox", "--disable-gpu",
                               "--remote-debugging-pipe", "--user-data-dir=" + profile,
                               "--no-first-run", "--disable-background-networking",
                               "--disable-component-update", "--disable-sync",
                               "--disable-extensions", "--host-resolver-rules=MAP * ~NOTFOUND",
                               "about:blank"])
    os.close(r_cmd)
    os.close(w_res)
    out, inp = os.fdopen(w_cmd, "wb"), os.fdopen(r_res, "rb")
    state = {"buf": b"", "id": 0}

    def send(method, params=None, session=None):
        state["id"] += 1
        msg = {"id": state["id"], "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        out.write(json.dumps(msg).encode() + b"\0")
        out.flush()
        while True:
            while b"\0" not in state["buf"]:
                chunk = inp.read1(65536)
                if not chunk:
                    sys.exit("chromium closed the protocol pipe (see %s)" % log)
                state["buf"] += chunk
            line, state["buf"] = state["buf"].split(b"\0", 1)
            m = json.loads(line)
            if m.get("id") == state["id"]:
                if "error" in m:
                    sys.exit("%s: %r" % (method, m["error"]))
                return m["result"]

    try:
        t = send("Target.createTarget", {"url": "about:blank"})
        s = send("Target.attachToTarget", {"targetId": t["targetId"], "flatten": True})["sessionId"]
        send("Emulation.setDeviceMetricsOverride",
             {"width": width, "height": 844, "deviceScaleFactor": 1, "mobile": True}, s)
        send("Page.navigate", {"url": url}, s)
        # Wait for the load with a generous ceiling: a condition, not a delay.
        for _ in range(600):
            r = send("Runtime.evaluate", {"expression": "document.readyState",
                                          "returnByValue": True}, s)
            if r["result"].get("value") == "complete":
                break
            time.sleep(0.05)
        r = send("Runtime.evaluate", {"expression": expr, "returnByValue": True}, s)
        send("Browser.close")
    finally:
        out.close()
        os.waitpid(pid, 0)
    return r["result"].get("value")

page, width, layout, profile, log = sys.argv[1:6]
print(json.dumps(run("file://" + page, int(width), open(layout).read(), profile, log)))
EOF

# phone HTML: the layout at 390 px; passes when nothing overflows the page body.
phone() {
	local profile
	profile=$(mktemp -d "$T/chromium.XXXXXX")
	python3 "$T/phone.py" "$1" 390 "$T/layout.js" "$profile" "$1.phone.log" >"$1.phone.json" ||
		return 1
	python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
print("  %s" % json.dumps(m))
ok = m["scrollWidth"] <= m["clientWidth"] and m["overflowing"] == 0 and m["unboxed"] == 0
sys.exit(0 if ok and m["tables"] > 0 else 1)' "$1.phone.json"
}

cat >"$T/wide.html" <<'EOF'
<!DOCTYPE html>
<html><head><meta charset="utf-8"/><meta name="viewport" content="width=device-width, initial-scale=1"/></head>
<body><table><tr><td>a_rather_long_cell_that_cannot_wrap_at_all_and_is_wider_than_any_phone_screen</td><td>more</td></tr></table></body></html>
EOF
if phone "$T/wide.html" >"$T/wide.out"; then
	cat "$T/wide.out"
	fail "the phone check does not see a table that overflows the page"
else
	pass "the phone check catches a page wider than the phone"
fi
for name in pwd fork; do
	[ -s "$T/$name.html" ] || continue
	check "$name at 390 px: no sideways scrolling of the page, tables scroll in their box" \
		phone "$T/$name.html"
	check "$name at 390 px: some table really is wider than the phone, and scrolls" \
		python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["scrolling"] == 0)' \
		"$T/$name.html.phone.json"
done
finish
