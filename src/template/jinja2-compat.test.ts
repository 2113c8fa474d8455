// Jinja2's loop variables, loop filters and unpacking, namespace(), dict(), with, set unpacking, escape, indent,
// filesizeformat, pprint, xmlattr, Undefined/macro/joiner/cycler printing, number and tuple literals, against what
// Jinja2 3.1.6 renders.
import { execFileSync, spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { createRenderer, loadTemplateEngine } from './render.js';

beforeAll(loadTemplateEngine);

/** The values each template sees (the same dict was given to Jinja2). */
const VALUES: Record<string, unknown> = {"lst": [3, 1, 2], "d": {"a": 1, "b": 2}, "s": "abc", "n": 7, "none_v": null, "items": [{"name": "a", "v": 1}, {"name": "b", "v": 2}], "long": "a long string value that goes on and on and on beyond the width of eighty", "pairs": {"ab": 1, "cd": 2}};

/**
 * Each template and what Jinja2 3.1.6 renders for it with VALUES (python3: jinja2.Environment().from_string(template)
 * .render(**VALUES), object addresses written `0x…`), by what it covers. Before, nunjucks rendered each otherwise or
 * refused it: `loop.previtem`/`nextitem`/`depth` were empty and `loop.cycle`/`changed` not callable; a loop filter was
 * refused; `namespace`, `dict` and `{% with %}` were unknown; `{% set a, b = … %}` gave both names the whole value; escape
 * wrote `&quot;`; indent took no string width, `blank` or `first`, and indented blank lines; filesizeformat, pprint and
 * xmlattr were unknown filters; `[nothing]` printed `[None]`; macros, joiners and cyclers printed as JavaScript
 * functions or objects (and a joiner's separator was `,`, a cycler's `current` the last item given); `0x10`, `1_000`
 * and `1e3` were refused.
 */
const JINJA2_RENDERS: Record<string, Array<[string, string]>> = {
  "loop": [
    ["{% for x in lst %}{{ loop.previtem }}-{{ loop.nextitem }}|{% endfor %}", "-1|3-2|1-|"],
    ["{% for x in lst %}{{ [loop.previtem, loop.nextitem] }}{% endfor %}", "[Undefined, 1][3, 2][1, Undefined]"],
    ["{% for x in lst %}{% for y in 'ab' %}{{ loop.depth }}{{ loop.depth0 }}{{ y }}{% endfor %}{{ loop.depth }}{% endfor %}", "10a10b110a10b110a10b1"],
    ["{% for x in lst %}{{ loop.cycle('odd', 'even') }} {% endfor %}", "odd even odd "],
    ["{% for x in [1, 1, 2, 1] %}{{ loop.changed(x) }} {% endfor %}", "True False True True "],
    ["{% for i in items %}{% if loop.changed(i.v > 1) %}[{{ i.name }}]{% endif %}{% endfor %}", "[a][b]"],
    ["{% for x in lst %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }} {% endfor %}", "1032TrueFalse3 2121FalseFalse3 3210FalseTrue3 "],
    ["{% for x in lst %}{{ loop }}{% endfor %}", "<LoopContext 1/3><LoopContext 2/3><LoopContext 3/3>"],
    ["{% for k in d %}{{ k }}={{ d[k] }} {% endfor %}", "a=1 b=2 "],
    ["{% for c in s %}{{ c }}{{ loop.length }}{% endfor %}", "a3b3c3"],
    ["{% for k, v in d.items() %}{{ k }}{{ v }}{{ loop.nextitem }} {% endfor %}", "a1('b', 2) b2 "],
  ],
  // nunjucks gave `k, v in d` a dict's keys and values, and did not unpack a list's items (`[3]` gave 3 and nothing).
  "loop unpacking": [
    ["{% for k, v in pairs %}{{ k }}{{ v }}|{% endfor %}", "ab|cd|"],
    ["{% for k, v in pairs %}{{ loop.previtem }}{{ loop.nextitem }}|{% endfor %}", "cd|ab|"],
    ["{% for k, v in pairs.items() %}{{ k }}{{ v }}{{ loop.nextitem }}|{% endfor %}", "ab1('cd', 2)|cd2|"],
    ["{% for a, b in [[1, 2], 'xy'] %}{{ a }}{{ b }}{{ loop.previtem }}{% endfor %}", "12xy[1, 2]"],
    ["{% for a, b in [{'x': 1, 'y': 2}] %}{{ a }}{{ b }}{% endfor %}", "xy"],
    ["{% for a, b in pairs | dictsort %}{{ a }}{{ b }}{% endfor %}{% for a, b in pairs.items() | map('list') %}{{ a }}{% endfor %}", "ab1cd2abcd"],
    ["{% for a, b in [] %}{{ a }}{% else %}E{% endfor %}{% for a, b in nothing %}{{ a }}{% else %}U{% endfor %}{% for x in nothing %}{% else %}V{% endfor %}", "EUV"],
  ],
  // nunjucks refused `recursive` ("expected block end"), and `loop.depth` was always 1.
  "recursive loop": [
    ["{% for x in [1, [2, [3]], 4] recursive %}{% if x is iterable %}[{{ loop(x) }}]{% else %}{{ x }}@{{ loop.depth }}{{ loop.depth0 }}/{{ loop.index }}{% endif %}{% endfor %}", "1@10/1[2@21/1[3@32/1]]4@10/3"],
    ["{% for k, v in {'a': {'b': {}}}.items() recursive %}{{ k }}{{ loop.depth }}({{ loop(v.items()) }}){% endfor %}", "a1(b2())"],
    ["{% for x in [[1, 2], [3]] if x recursive %}{{ x is iterable and loop(x) or x }}{{ loop.length }},{% endfor %}", "12,22,2,31,2,"],
    ["{% for x in [[]] recursive %}{{ loop(x) }}{% else %}E{% endfor %}|{% set s %}{% for x in [[1]] recursive %}<{{ x is iterable and loop(x) or x }}>{% endfor %}{% endset %}{{ s }}", "E|<<1>>"],
    ["{% set t = 'v' %}{% for x in [[1]] recursive %}{% for y in [0] %}{{ loop.depth }}{% endfor %}{{ t }}{% if x is iterable %}{{ loop(x) }}{% endif %}{% endfor %}", "1v1v"],
    ["{% macro m(tree) %}{% for x in tree recursive %}{{ x.name }}{% if x.kids %}({{ loop(x.kids) }}){% endif %}{% endfor %}{% endmacro %}{{ m([{'name': 'a', 'kids': [{'name': 'b'}]}, {'name': 'c'}]) }}", "a(b)c"],
  ],
  "loop filter": [
    ["{% for x in lst if x > 1 %}{{ x }}{% endfor %}", "32"],
    ["{% for x in lst if x > 1 %}{{ loop.index }}/{{ loop.length }}{{ loop.previtem }} {% endfor %}", "1/2 2/23 "],
    ["{% for x in lst if x > 5 %}{{ x }}{% else %}none{% endfor %}", "none"],
    ["{% for k, v in d.items() if v > 1 %}{{ k }}{% endfor %}", "b"],
    ["{% for i in items if i.name != 'a' %}{{ i.name }}{% endfor %}", "b"],
    ["{% for k in d if d[k] > 1 %}{{ k }}{% endfor %}", "b"],
    ["{% for x in nothing if x %}{{ x }}{% else %}empty{% endfor %}", "empty"],
    ["{% set limit = 1 %}{% for x in lst|select('odd') if x > limit %}{{ x }}{% endfor %}", "3"],
  ],
  "namespace": [
    ["{% set ns = namespace(total=0) %}{% for i in items %}{% set ns.total = ns.total + i.v %}{% endfor %}{{ ns.total }}", "3"],
    ["{% set ns = namespace(found=false) %}{% for x in lst %}{% if x == 1 %}{% set ns.found = true %}{% endif %}{% endfor %}{{ ns.found }}", "True"],
    ["{% set ns = namespace(a=1) %}{{ ns }}|{{ [ns] }}|{{ ns.b }}|{{ ns.a }}", "<Namespace {'a': 1}>|[<Namespace {'a': 1}>]||1"],
    ["{% set ns = namespace({'x': 1}, y=2) %}{{ ns.x }}{{ ns.y }}", "12"],
    ["{% set ns = namespace() %}{% set ns.items = 3 %}{{ ns.items }}", "3"],
    ["{% set ns = namespace(a=1) %}{% set ns.a %}b{{ n }}{% endset %}{{ ns.a }}", "b7"],
    ["{{ namespace }}", "<class 'jinja2.utils.Namespace'>"],
  ],
  "dict": [
    ["{{ dict(a=1, b=2) }}", "{'a': 1, 'b': 2}"],
    ["{{ dict() }}|{{ dict({'a': 1}, b=2) }}|{{ dict([('a', 1), ['b', 2]]) }}|{{ dict([('a', 1)], a=3) }}", "{}|{'a': 1, 'b': 2}|{'a': 1, 'b': 2}|{'a': 3}"],
    ["{{ dict(a=1)['a'] }}{{ dict(a=1).a }}", "11"],
    ["{{ dict }}", "<class 'dict'>"],
  ],
  // nunjucks set a name wherever it was defined first: a set inside a loop (or an if in it) changed the name after the
  // loop, and the next pass saw the value of the last; a set of a loop variable or macro argument in an inner loop too.
  "scoping": [
    ["{% set y = 5 %}{% for x in [1] %}{% set y = 7 %}{% endfor %}{{ y }}", "5"],
    ["{% set y = 5 %}{% for x in [1] %}{% if true %}{% set y = 7 %}{% endif %}{% endfor %}{{ y }}", "5"],
    ["{% set y = 5 %}{% if true %}{% set y = 7 %}{% endif %}{{ y }}|{% if true %}{% set z = 1 %}{% endif %}{{ z }}", "7|1"],
    ["{% set y = 5 %}{% for x in [1, 2] %}{{ y }}{% set y = x %}{{ y }}{% endfor %}{{ y }}", "51525"],
    ["{% set y = 1 %}{% for x in [1, 2] %}{% set y = y + 1 %}{{ y }}{% endfor %}{{ y }}", "221"],
    ["{% for x in [1, 2] %}{% if x == 1 %}{% set z = 9 %}{% endif %}[{{ z }}]{% endfor %}[{{ z }}]", "[9][][]"],
    ["{% set y = 5 %}{% for x in [1] %}{% for z in [2] %}{% set y = 9 %}{{ y }}{% endfor %}{{ y }}{% endfor %}{{ y }}", "955"],
    ["{% for x in [1, 2] %}{% for y in [1] %}{% set x = 9 %}{% endfor %}{{ x }}{% endfor %}", "12"],
    ["{% for x in [1, 2] %}{% if x == 1 %}{% set x = 9 %}{% endif %}{{ x }}{% endfor %}", "92"],
    ["{% set x = 5 %}{% for x in [1] %}{% set x = x + 1 %}{{ x }}{% endfor %}{{ x }}|{% for x in [1, 2] if x > 1 %}{{ x }}{% endfor %}{{ x }}", "25|25"],
    ["{% for a, b in [[1, 2]] %}{% set a = 9 %}{{ a }}{{ b }}{% endfor %}[{{ a }}]", "92[]"],
    ["{% set y = 5 %}{% for x in [1] %}{% set a, y = 1, 2 %}{% set c %}{{ y }}{% endset %}{{ c }}{% endfor %}{{ y }}{{ c }}", "25"],
    ["{% set y = 5 %}{% for x in [1] %}{% set y = 7 %}{% else %}{% endfor %}{% for x in [] %}{% else %}{% set y = 8 %}{% endfor %}{{ y }}", "5"],
    ["{% set y = 5 %}{% for x in [1] recursive %}{% set y = 7 %}{% endfor %}{% for x in [1] if true %}{% set y = 8 %}{% endfor %}{{ y }}", "5"],
    ["{% set y = 5 %}{% set z %}{% set y = 7 %}{{ y }}{% endset %}{% filter upper %}{% set y = 8 %}{% endfilter %}{{ y }}{{ z }}", "57"],
    ["{% set y = 5 %}{% with y = 1 %}{% for x in [1] %}{% set y = 3 %}{% endfor %}{{ y }}{% endwith %}{% with %}{% set y = 2 %}{% endwith %}{{ y }}", "15"],
    ["{% macro m(y) %}{% for x in [1] %}{% set y = 7 %}{% endfor %}{{ y }}{% if true %}{% set y = 8 %}{% endif %}{{ y }}{% endmacro %}{{ m(5) }}", "58"],
    ["{% macro m() %}{% set y = 5 %}{% for x in [1] %}{% set y = 7 %}{% endfor %}{{ y }}{% endmacro %}{% set y = 1 %}{{ m() }}{{ y }}", "51"],
    ["{% set y = 5 %}{% macro m(y) %}[{{ y }}]{% endmacro %}{{ m() }}", "[]"],
    ["{% set ns = namespace(v=1) %}{% for x in [1, 2] %}{% set ns.v = ns.v + x %}{% endfor %}{{ ns.v }}", "4"],
    ["{% set y = 5 %}{% for x in [1, 2] %}{% set y = x * 3 %}{% macro m() %}{{ x }}{{ y }}{% endmacro %}{{ m() }}{% endfor %}", "1326"],
    ["{% macro m() %}[{{ x }}]{% endmacro %}{% for x in [1] %}{{ m() }}{% endfor %}{% with a = 1 %}{% macro w() %}{{ a }}{% endmacro %}{{ w() }}{% endwith %}", "[]1"],
    ["{% macro m() %}{{ caller() }}{{ caller() }}{% endmacro %}{% for x in [1, 2] %}{% set y = x * 10 %}{% call m() %}{{ x }}{{ y }}{% endcall %}{% endfor %}", "110110220220"],
    ["{% macro m() %}{% set z = 1 %}{{ caller() }}{{ z }}{% endmacro %}{% set z = 9 %}{% call m() %}[{{ z }}]{% set z = 3 %}{% endcall %}{{ z }}", "[9]19"],
    ["{% macro wrap() %}<{{ caller() }}>{% endmacro %}{% macro outer(items) %}{% for i in items %}{% call wrap() %}{{ i }}{{ loop.index }}{% endcall %}{% endfor %}{% endmacro %}{{ outer([1, 2]) }}", "<11><22>"],
  ],
  // nunjucks gave a macro's output as a SafeString object, which `+`, `==` and str methods took for a dict; Jinja2
  // (without autoescape) gives a str.
  "macro output": [
    ["{% macro m() %}ab{% endmacro %}{{ m() + 'c' }}|{{ 'c' + m() }}|{{ m() | upper }}|{{ m() ~ 'x' }}|{{ m() == 'ab' }}|{{ m() | length }}", "abc|cab|AB|abx|True|2"],
    ["{% macro m() %}ab{% endmacro %}{{ m() * 2 }}|{{ m()[0] }}|{{ m()[1:] }}|{{ m().upper() }}|{{ [m()] }}|{{ m() is string }}|{{ 'a' in m() }}|{{ m() < 'b' }}|{{ m() | pprint }}", "abab|a|b|AB|['ab']|True|True|True|'ab'"],
    ["{% macro m() %}<b>{% endmacro %}{{ m() + '<' }}|{{ m() | replace('b', 'i') }}|{{ m() | list }}|{{ m() | tojson }}", "<b><|<i>|['<', 'b', '>']|\"\\u003cb\\u003e\""],
    ["{% macro m() %} 3 {% endmacro %}{{ m() | trim | int + 1 }}|{{ m() | float }}|{% set x = m() %}{{ x ~ 1 }}|{{ '%s!' % x }}|{{ m().startswith(' ') }}", "4|3.0| 3 1| 3 !|True"],
    ["{% macro m() %}{{ caller() + '!' }}{% endmacro %}{% call m() %}hi{% endcall %}", "hi!"],
  ],
  // nunjucks took a name as a dict key for its text (`{k: 1}` was `{'k': 1}`) and refused any other expression.
  "dict keys": [
    ["{% set k = 'a' %}{{ {k: 1} }}|{{ {k: 1, 'b': k, (k ~ 'c'): 3}.ac }}|{% for x in ['p', 'q'] %}{{ {x: loop.index} }}{% endfor %}", "{'a': 1}|3|{'p': 1}{'q': 2}"],
  ],
  "with": [
    ["{% with a = 1, b = 2 %}{{ a }}{{ b }}{% endwith %}[{{ a }}]", "12[]"],
    ["{% set a = 5 %}{% with a = 1, b = a %}{{ a }}{{ b }}{% endwith %}{{ a }}", "155"],
    ["{% set q = 1 %}{% with %}{% set q = 2 %}{{ q }}{% endwith %}{{ q }}", "21"],
    ["{% for x in lst %}{% with y = x * 2 %}{{ y }}{% endwith %}{% endfor %}", "624"],
    ["{% with a = 1 -%}  {{ a }}  {%- endwith %}|", "1|"],
  ],
  "set unpacking": [
    ["{% set a, b = 1, 2 %}{{ a }}{{ b }}", "12"],
    ["{% set a, b = [1, 2] %}{{ a }}{{ b }}", "12"],
    ["{% set a, b = 'xy' %}{{ a }}{{ b }}", "xy"],
    ["{% set a, b = d %}{{ a }}{{ b }}", "ab"],
    ["{% set a, b = n, s %}{% set a, b = b, a %}{{ a }}{{ b }}", "abc7"],
    ["{% for x in lst %}{% set a, b = x, x * 2 %}{{ a }}{{ b }} {% endfor %}", "36 12 24 "],
    ["{% set t = 1, 2 %}{{ t }}|{% set u = 1, %}{{ u }}", "(1, 2)|(1,)"],
  ],
  "escape": [
    ["{{ '<a href=\"x\">it\\'s</a> & b' | escape }}", "&lt;a href=&#34;x&#34;&gt;it&#39;s&lt;/a&gt; &amp; b"],
    ["{{ '\"q\"' | e }}", "&#34;q&#34;"],
    ["{{ 5 | escape }}{{ none_v | e }}[{{ nothing | e }}]", "5None[]"],
    ["{{ '<a>' | e | replace('&', '+') }}|{{ '<' | e == '&lt;' }}|{{ '\"' | forceescape }}|{{ '<a>' | e | upper }}", "+lt;a+gt;|True|&#34;|&LT;A&GT;"],
    ["{% macro m() %}<b>{% endmacro %}{{ m() | e }}", "&lt;b&gt;"],
  ],
  "indent": [
    ["{{ 'a\\nb\\n\\nc' | indent }}", "a\n    b\n\n    c"],
    ["{{ 'a\\nb\\n\\nc' | indent(blank=true) }}", "a\n    b\n    \n    c"],
    ["{{ 'a\\nb\\n\\nc' | indent(2, true, true) }}", "  a\n  b\n  \n  c"],
    ["{{ 'a\\nb\\n\\nc' | indent('> ') }}", "a\n> b\n\n> c"],
    ["{{ 'a\\nb\\n\\nc' | indent(first=true) }}", "    a\n    b\n\n    c"],
    ["{{ 'a\\nb\\n' | indent(blank=true) }}|", "a\n    b\n    |"],
    ["{{ 'a\\r\\nb' | indent(2) }}", "a\n  b"],
  ],
  "filesizeformat": [
    ["{{ 1000 | filesizeformat }} {{ 123456789 | filesizeformat }} {{ 123456789 | filesizeformat(true) }} {{ 1 | filesizeformat }} {{ 0 | filesizeformat }}", "1.0 kB 123.5 MB 117.7 MiB 1 Byte 0 Bytes"],
    ["{{ 12.5 | filesizeformat }} {{ '2000' | filesizeformat }} {{ -5 | filesizeformat }} {{ 1024 | filesizeformat(binary=true) }} {{ 999999 | filesizeformat }}", "12 Bytes 2.0 kB -5 Bytes 1.0 KiB 1000.0 kB"],
    ["{{ 1e24 | filesizeformat }} {{ 1e27 | filesizeformat }} {{ true | filesizeformat }}", "1000.0 ZB 1000.0 YB 1 Byte"],
  ],
  "pprint": [
    ["{{ d | pprint }}{{ lst | pprint }}{{ s | pprint }}{{ none_v | pprint }}", "{'a': 1, 'b': 2}[3, 1, 2]'abc'None"],
    ["{{ {'b': [1, 2], 'a': {'z': 1, 'y': 2} } | pprint }}", "{'a': {'y': 2, 'z': 1}, 'b': [1, 2]}"],
    ["{{ range(30) | list | pprint }}", "[0,\n 1,\n 2,\n 3,\n 4,\n 5,\n 6,\n 7,\n 8,\n 9,\n 10,\n 11,\n 12,\n 13,\n 14,\n 15,\n 16,\n 17,\n 18,\n 19,\n 20,\n 21,\n 22,\n 23,\n 24,\n 25,\n 26,\n 27,\n 28,\n 29]"],
    ["{{ {'key_1': range(15) | list, 'key_2': long, 'k3': {'inner': range(25) | list, 'b': none} } | pprint }}", "{'k3': {'b': None,\n        'inner': [0,\n                  1,\n                  2,\n                  3,\n                  4,\n                  5,\n                  6,\n                  7,\n                  8,\n                  9,\n                  10,\n                  11,\n                  12,\n                  13,\n                  14,\n                  15,\n                  16,\n                  17,\n                  18,\n                  19,\n                  20,\n                  21,\n                  22,\n                  23,\n                  24]},\n 'key_1': [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14],\n 'key_2': 'a long string value that goes on and on and on beyond the width of '\n          'eighty'}"],
    ["{{ ('word ' * 30) | pprint }}", "('word word word word word word word word word word word word word word word '\n 'word word word word word word word word word word word word word word word ')"],
    ["{{ ['word ' * 30, (1, 2), {'x': 'y ' * 50}] | pprint }}", "['word word word word word word word word word word word word word word word '\n 'word word word word word word word word word word word word word word word ',\n (1, 2),\n {'x': 'y y y y y y y y y y y y y y y y y y y y y y y y y y y y y y y y y y y '\n       'y y y y y y y y y y y y y y y '}]"],
    ["{{ ('line one\\nline two ' * 5) | pprint }}", "('line one\\n'\n 'line two line one\\n'\n 'line two line one\\n'\n 'line two line one\\n'\n 'line two line one\\n'\n 'line two ')"],
  ],
  "xmlattr": [
    ["<ul{{ {'class': 'my list', 'missing': none, 'id': 'x-%d' | format(n)} | xmlattr }}>", "<ul class=\"my list\" id=\"x-7\">"],
    ["{{ {'a': '<&>\"', 'n': nothing, 't': true} | xmlattr }}|{{ {'a': 1} | xmlattr(false) }}|{{ {} | xmlattr }}|", " a=\"&lt;&amp;&gt;&#34;\" t=\"True\"|a=\"1\"||"],
  ],
  // nunjucks' urlize wrote no rel="noopener", `http://` for www., linked `x.com`, took brackets and `.` into the link,
  // did not escape, and ignored nofollow=/target=/rel=/extra_schemes= (an empty link text).
  "urlize": [
    ["{{ 'see http://x.com/a?b=1 now, www.x.com or mail a@b.com' | urlize }}", "see <a href=\"http://x.com/a?b=1\" rel=\"noopener\">http://x.com/a?b=1</a> now, <a href=\"https://www.x.com\" rel=\"noopener\">www.x.com</a> or mail <a href=\"mailto:a@b.com\">a@b.com</a>"],
    ["{{ 'x.com foo.org (http://x.com). <http://x.com> https://x.org, mailto:a@b.com' | urlize }}", "x.com <a href=\"https://foo.org\" rel=\"noopener\">foo.org</a> (<a href=\"http://x.com\" rel=\"noopener\">http://x.com</a>). &lt;<a href=\"http://x.com\" rel=\"noopener\">http://x.com</a>&gt; <a href=\"https://x.org\" rel=\"noopener\">https://x.org</a>, <a href=\"mailto:a@b.com\">a@b.com</a>"],
    ["{{ 'http://averyveryverylongdomain.com/path' | urlize(10) }}|{{ 'http://x.com' | urlize(nofollow=true, target='_blank') }}", "<a href=\"http://averyveryverylongdomain.com/path\" rel=\"noopener\">http://ave...</a>|<a href=\"http://x.com\" rel=\"nofollow noopener\" target=\"_blank\">http://x.com</a>"],
    ["{{ 'a & b http://x.com/?a=1&b=2 http://x.com\"' | urlize }}|{{ '(see http://x.org/a_(b))' | urlize(rel='me', nofollow=true) }}", "a &amp; b <a href=\"http://x.com/?a=1&amp;b=2\" rel=\"noopener\">http://x.com/?a=1&amp;b=2</a> http://x.com&#34;|(see <a href=\"http://x.org/a_(b)\" rel=\"me nofollow noopener\">http://x.org/a_(b)</a>)"],
    ["{{ 'ftp://h/x tel:1 ftp://' | urlize(extra_schemes=['ftp://', 'tel:']) }}|{{ 'http://1.2.3.4:80/x www.é.com xn--bcher-kva.example' | urlize }}", "<a href=\"ftp://h/x\" rel=\"noopener\">ftp://h/x</a> <a href=\"tel:1\" rel=\"noopener\">tel:1</a> ftp://|<a href=\"http://1.2.3.4:80/x\" rel=\"noopener\">http://1.2.3.4:80/x</a> <a href=\"https://www.é.com\" rel=\"noopener\">www.é.com</a> xn--bcher-kva.example"],
  ],
  // nunjucks' own replace, center, striptags, wordcount and urlencode took only a str: a list came back unchanged or
  // failed in JavaScript, `1.0` was `1`, and urlencode quoted `/` and not `!*()`, and wrote a space in a query as %20.
  "string filters": [
    ["{{ ['a', 'b'] | replace('a', 'x') }}|{{ none_v | replace('N', 'x') }}|{{ 5 | replace(5, 'x') }}|{{ (1, 2) | replace(',', ';') }}|{{ 'aXbX' | replace('X', 'y', 1) }}", "['x', 'b']|xone|x|(1; 2)|aybX"],
    ["{{ 'ab' | replace('', '-') }}|{{ 'abc'.replace('', '-', 2) }}|{{ 'ab'.replace('', '-', 5) }}|{{ ''.replace('', '-') }}|{{ 'é😀'.replace('', '.') }}", "-a-b-|-a-bc|-a-b-|-|.é.😀."],
    ["{{ ['a', 'b'] | center(14) }}|{{ 1.0 | center(5) }}|{{ 'a' | center(4) }}|{{ 'ab' | center(5) }}|", "  ['a', 'b']  | 1.0 | a  |  ab |"],
    ["{{ ['<a>b'] | striptags }}|{{ d | striptags }}|{{ 'a  <b>x</b>\\n c' | striptags }}|{{ 'a<b' | striptags }}", "['b']|{'a': 1, 'b': 2}|a x c|a<b"],
    ["{{ '&amp;&lt;x&gt; &#39; &#x41; &amp <!-- <a> --> b &nbsp;' | striptags }}", "&<x> ' A & b \u00a0"],
    ["{{ ['a b', 'c'] | wordcount }}|{{ true | wordcount }}|{{ lst | select('odd') | wordcount }}|{{ 'x-y z_w 1.5' | wordcount }}", "3|1|5|5"],
    ["{{ {'a': 1, 'b': 'x y'} | urlencode }}|{{ [('a', 1), ('b', '&')] | urlencode }}|{{ 'a b&c/d' | urlencode }}|{{ 'é x!*()' | urlencode }}|{{ 5 | urlencode }}{{ none_v | urlencode }}", "a=1&b=x+y|a=1&b=%26|a%20b%26c/d|%C3%A9%20x%21%2A%28%29|5None"],
    ["{{ nothing | replace('a', 'b') }}|{{ nothing | center(3) }}|{{ nothing | striptags }}|{{ nothing | wordcount }}|{{ nothing | urlencode }}", "|   ||0|"],
  ],
  "printing": [
    ["{{ [nothing] }}|{{ [nothing, none] }}|{{ {'a': nothing} }}|{{ '%r' % nothing }}", "[Undefined]|[Undefined, None]|{'a': Undefined}|Undefined"],
    ["{% macro m(a) %}{% endmacro %}{{ m }}|{{ [m] }}", "<Macro 'm'>|[<Macro 'm'>]"],
    ["{% macro m() %}{{ caller }}{% endmacro %}{% call m() %}x{% endcall %}", "<Macro anonymous>"],
    ["{{ lipsum }}|{% macro lipsum() %}mine{% endmacro %}{{ lipsum() }}", "<function generate_lorem_ipsum at 0x…>|mine"],
    ["{% set j = joiner() %}{{ j }}|{{ joiner }}", "<jinja2.utils.Joiner object at 0x…>|<class 'jinja2.utils.Joiner'>"],
    ["{% set c = cycler(1, 2) %}{{ c }}|{{ cycler }}", "<jinja2.utils.Cycler object at 0x…>|<class 'jinja2.utils.Cycler'>"],
    ["{% set j = joiner() %}{% for x in lst %}{{ j() }}{{ x }}{% endfor %}|{% set j = joiner(' + ') %}{% for x in lst %}{{ j() }}{{ x }}{% endfor %}", "3, 1, 2|3 + 1 + 2"],
    ["{% set c = cycler('a', 'b') %}{% for x in lst %}{{ c.next() }}{% endfor %}{{ c.current }}{{ c.reset() }}{{ c.current }}{{ c.items }}", "ababNonea('a', 'b')"],
  ],
  // nunjucks refused `(1,)` and a trailing comma, read `()` as JavaScript, and ended a tag at the `}}` of nested dicts.
  "tuples and brackets": [
    ["{{ (1,) }}|{{ (1,) | length }}|{{ ((1,),) }}|{{ ( 1 , ) }}|{{ () }}|{% set t = (1,) %}{{ t }}", "(1,)|1|((1,),)|(1,)|()|(1,)"],
    ["{{ [1, 2,] }}{{ {'a': 1,} }}{{ (1, 2,) }}|{{ [lst[1:],] }}|{{ [(1,), [2,],] }}", "[1, 2]{'a': 1}(1, 2)|[[1, 2]]|[(1,), [2]]"],
    ["{{ {'a': {'b': 1}} }}|{{ {'a': {'b': 1}}}}|{{ {'a': 1}-}} |{% if {'a': {'b': 1}} %}y{% endif %}", "{'a': {'b': 1}}|{'a': {'b': 1}}|{'a': 1}|y"],
    ["{{ '}}' ~ 'a' }}|{{ \"{{\" }}|{% if s != '%}' %}y{% endif %}|{{ 'a' }}}", "}}a|{{|y|a}"],
  ],
  // Before, a dict key that was not a str was refused ("only str keys").
  "dict keys that are not strs": [
    ["{{ {1: 2}[1] }}|{{ {1: 2} }}|{{ {1: 'a', True: 'b'} }}|{{ {1.0: 'a', 1: 'b'} }}|{{ {1: 2}['1'] }}|{{ {1: 2}[1.0] }}", "2|{1: 2}|{1: 'b'}|{1.0: 'b'}||2"],
    ["{{ {2: 'x', 1: 'y', 'a': 0} }}|{{ {None: 1, (1, 'a'): 2, 1.5: 3, -4: 5} }}|{{ {1: 2, '1': 3}[1] }}{{ {1: 2, '1': 3}['1'] }}{{ {1: 2, '1': 3} | length }}", "{2: 'x', 1: 'y', 'a': 0}|{None: 1, (1, 'a'): 2, 1.5: 3, -4: 5}|232"],
    ["{% set m = {1: 'Jan', 2: 'Feb'} %}{{ m[n - 5] }}{{ {n: 'x'}[7] }}{{ {(1, 2): 't'}[(1, 2)] }}{{ {None: 'n'}[none] }}", "Febxtn"],
    ["{% for k, v in {1: 'a', 2: 'b'}.items() %}{{ k + 1 }}{{ v }}{% endfor %}|{% for k in {3: 'a', 1: 'b'} %}{{ k * 2 }}{% endfor %}|{{ {3: 'a', 1: 'b'}.keys() }}", "2a3b|62|dict_keys([3, 1])"],
    ["{{ {1: 'a'}.get(1) }}{{ {1: 'a'}.get('1') }}{{ 1 in {1: 'a'} }}{{ True in {1: 'a'} }}{{ '1' in {1: 'a'} }}{{ {1: 'a'} == {1.0: 'a'} }}{{ {1: 'a'} == {'1': 'a'} }}", "aNoneTrueTrueFalseTrueFalse"],
    ["{{ {2: 'a', 1: 'b'} | dictsort }}|{{ {2: 'a', 1: 'b'} | tojson }}|{{ {2: 'a', 1: 'b'} | pprint }}|{{ {1: 'a'} | list }}{{ {1: 'a'} | length }}|{{ {1: 'a'} | items | list }}|{{ {1: 'a'} | urlencode }}", "[(1, 'b'), (2, 'a')]|{\"1\": \"b\", \"2\": \"a\"}|{1: 'b', 2: 'a'}|[1]1|[(1, 'a')]|1=a"],
    ["{{ dict([(1, 'a'), (True, 'b')]) }}|{{ {1: 'a'} | reverse | list }}|{{ [{1: 'a'}] | map(attribute='1') | list }}", "{1: 'b'}|[1]|['a']"],
  ],
  // A call closed by another bracket was refused in nunjucks' words; a call block's body took the caller of the
  // macro it is in; `escape` and `safe` gave a str, which a second escape escaped again.
  "calls and markup": [
    ["{% macro inner() %}[{{ caller() }}]{% endmacro %}{% macro outer() %}{% set c = caller %}{% call inner() %}{{ c() }}{% endcall %}{% endmacro %}{% call outer() %}y{% endcall %}", "[y]"],
    ["{% macro inner() %}[{{ caller() }}]{% endmacro %}{% macro outer() %}{% call inner() %}{{ caller is defined }}{% endcall %}{{ caller() }}{% endmacro %}{% call outer() %}y{% endcall %}", "[False]y"],
    ["{{ '<a&b>' | e | e }}|{{ '<a>' | safe | e }}|{{ '<a>' | e | safe | e }}|{{ '<a>' | e | forceescape }}|{{ '<a>' | forceescape | escape }}|{{ {'a': '<'} | tojson | e }}", "&lt;a&amp;b&gt;|<a>|&lt;a&gt;|&amp;lt;a&amp;gt;|&lt;a&gt;|{\"a\": \"\\u003c\"}"],
  ],
  // Found by the fourteenth review's differential run against Jinja2: `{% raw -%}`/`{%- endraw %}` were "unknown block
  // tag: endraw"; `{% set x -%}` kept the whitespace after it; a groupby group's `grouper`/`list` were unknown to
  // map(attribute=), selectattr and sort(attribute=); a str literal with a tab or newline before a method call, and
  // `none.x()`, broke the compiled template ("SyntaxError: Invalid or unexpected token"); adjacent str literals
  // (`'a' 'b'`, Python's concatenation) were "expected variable end"; str.expandtabs was not supported.
  "fourteenth review": [
    ["[{%- raw %} r {% endraw -%}  ]|[  {%- raw -%}  r  {%- endraw -%}  ]|[{% raw %}{%- x -%}{% endraw %}]|[{% raw %}a{%endraw%}]|[{%raw-%} b{%-endraw%}]", "[ r ]|[r]|[{%- x -%}]|[a]|[b]"],
    ["{% raw %}{% raw %}{{ x }}{% endraw %}|{%- raw -%}\n  {% if %}\n{%- endraw %}\n{{ n }}", "{% raw %}{{ x }}|{% if %}\n7"],
    ["[{% set y -%}   a   {%- endset %}{{ y }}]|[{% set y %}   a   {% endset %}{{ y }}]|[{% set ns = namespace() %}{% set ns.v -%}   q{%- endset %}{{ ns.v }}]", "[a]|[   a   ]|[q]"],
    ["[{% with a = 1 -%}   {{ a }}   {%- endwith %}]|[{% filter upper -%}   x   {%- endfilter %}]|[{% for x in [] %}{% else -%}   e   {%- endfor %}]|[{% set x = 1 -%}   {{ x }}]", "[1]|[X]|[e]|[1]"],
    ["{{ items | groupby('v') | map(attribute='list') | map('length') | list }}|{{ items | groupby('name') | selectattr('grouper', 'equalto', 'b') | map(attribute='list') | first | length }}|{{ items | groupby('name') | sort(attribute='grouper', reverse=true) | map(attribute='grouper') | join }}|{{ items | groupby('v') | map(attribute='0') | list }}", "[1, 1]|1|ba|[1, 2]"],
    ["{{ 'a\\tb'.upper() }}|{{ 'a\\nb'.split() }}|{{ 'a\\\\b'.split('\\\\') }}|{{ \"a\\\"b\".split('\"') }}|{{ none.x() if false else 'n' }}|{{ true.x() if false else 't' }}", "A\tB|['a', 'b']|['a', 'b']|['a', 'b']|n|t"],
    ["{{ 'a' 'b' }}|{{ 'a' \"b\" 'c' | upper }}|{{ ('x' 'y').upper() }}|{{ 'x' 'y'.upper() }}|{{ 'a' ~ 'b' 'c' }}|{% set s2 = 'p' 'q' %}{{ s2 }}|{{ {'k' 'l': 1} }}", "ab|ABC|XY|XY|abc|pq|{'kl': 1}"],
    // A test binds to its operand, as a filter does: `n + 1 is even` is `n + (1 is even)` in Jinja2 (nunjucks read `(n + 1) is even`).
    ["{{ n + 1 is even }}|{{ n - 1 is odd }}|{{ n * 2 is divisibleby 7 }}|{{ -n is odd }}|{{ n is divisibleby 3 + 1 }}|{{ n ~ 1 is number }}|{{ n > 1 is true }}|{{ n is odd == true }}|{{ [1] | first is number }}|{{ 2 ** 3 is odd }}|{{ n is odd | string | lower }}|{{ not n is odd }}", "7|6|0|True|1|7True|True|True|True|2|true|False"],
    // A macro's extra arguments: `varargs` and `kwargs` in its body (nunjucks dropped them), else refused (below).
    ["{% macro m(a) %}[{{ a }}{{ varargs }}]{% endmacro %}{{ m(1, 2, 3) }}|{% macro k() %}[{{ kwargs }}]{% endmacro %}{{ k(x=1) }}|{% macro d(a, b=2) %}{{ a }}{{ b }}{{ varargs }}{% endmacro %}{{ d(1) }}|{{ d(1, 3, 4) }}|{{ d(a=5) }}", "[1(2, 3)]|[{'x': 1}]|12()|13(4,)|52()"],
    ["{% macro m() %}{{ varargs | length }}{% for v in varargs %}{{ v }}{% endfor %}{% endmacro %}{{ m() }}|{{ m(1, 2) }}|{% macro w(a) %}{{ kwargs.get('x', 'nx') }}{% endmacro %}{{ w(1) }}|{{ w(1, x=5) }}|{% macro c() %}{{ caller(7) }}{% endmacro %}{% call c() %}{{ varargs[0] }}{% endcall %}", "0|212|nx|5|7"],
    ["{{ 'a\\tb'.expandtabs() }}|{{ 'ab\\tc\\nx\\ty'.expandtabs(4) }}|{{ '\\t'.expandtabs(0) }}|[{{ 'abc\\td'.expandtabs(2) }}]|{{ 'a\\r\\tb'.expandtabs(tabsize=3) }}|{{ 'é\\t|'.expandtabs(4) }}", "a       b|ab  c\nx   y||[abc d]|a\r   b|é   |"],
  ],
  // Twenty-second session. An attribute path is walked as Jinja2's make_attrgetter walks it: a part of digits is an
  // int (a list index or a dict's int key, not a str key of those digits), `-1` is a str (no list has it), a non-str
  // attribute is one key, and a part after a missing one is an UndefinedError (below). Before: `a.-1` was the last
  // item, `a.1` found a str key '1', `map(attribute=0)` was refused, a missing part mid-path was Undefined.
  "dotted attribute paths": [
    ["{{ [{'a': {'b': 1}}, {'a': {'b': 2}}] | map(attribute='a.b') | list }}|{{ [{'a': {'b': 1}}, {'a': {}}] | map(attribute='a.b') | list }}|{{ [{'a': {'b': 1}}, {'a': {}}] | map(attribute='a.b', default=9) | list }}", "[1, 2]|[1, Undefined]|[1, 9]"],
    ["{{ [{'a': [5, 6]}] | map(attribute='a.1') | list }}|{{ [[1, [2, 3]]] | map(attribute='1.0') | list }}|{{ [{'a': 'xy'}] | map(attribute='a.0') | list }}|{{ [{'a': {'b': [{'c': 1}]}}] | map(attribute='a.b.0.c') | list }}", "[6]|[2]|['x']|[1]"],
    ["{{ [{'a': 'xy'}] | map(attribute='a.-1') | list }}|{{ [[1, 2]] | map(attribute='-1') | list }}|{{ [{'a': {'1': 'k'}}] | map(attribute='a.1') | list }}|{{ [{'a': {1: 'k'}}] | map(attribute='a.1') | list }}|{{ [{'a': [1]}] | map(attribute='a.01') | list }}", "[Undefined]|[Undefined]|[Undefined]|['k']|[Undefined]"],
    ["{{ [{'a': [1]}] | map(attribute=0) | list }}|{{ [[7]] | map(attribute=0) | list }}|{{ [{'a': {'b': 1}}] | map(attribute='') | list }}|{{ [{'a': {'b': 1}}] | map(attribute='a.') | list }}", "[Undefined]|[7]|[Undefined]|[Undefined]"],
    ["{{ [{'a': {'b': 1}}] | map(attribute='a.b.c') | list }}|{{ [{'a': 1}] | map(attribute='a.b') | list }}|{{ [{'a': none}] | map(attribute='a.b') | list }}", "[Undefined]|[Undefined]|[Undefined]"],
    ["{{ [{'a': {'b': 2}}, {'a': {'b': 1}}] | sort(attribute='a.b') | map(attribute='a.b') | list }}|{{ [{'a': {'b': 2}}, {'a': {'b': 1}}] | sum(attribute='a.b') }}|{{ [{'a': {'b': 2}}, {'a': {'b': 1}}] | groupby('a.b') | map(attribute='grouper') | list }}|{{ [{'a': {'b': 2}}, {'a': {}}] | groupby('a.b', default=0) | map(attribute='grouper') | list }}", "[1, 2]|3|[1, 2]|[0, 2]"],
    ["{{ [{'a': {'b': 2}}, {'a': {'b': 0}}] | selectattr('a.b') | list }}|{{ [{'a': {'b': 2}}, {'a': {'b': 0}}] | rejectattr('a.b') | list }}|{{ [{'a': {'b': 2}}, {'a': {}}] | selectattr('a.b') | list }}|{{ [{'a': {'b': 2}}, {'a': {'b': 1}}] | max(attribute='a.b') }}|{{ [{'a': {'b': 'x'}}] | join(attribute='a.b') }}", "[{'a': {'b': 2}}]|[{'a': {'b': 0}}]|[{'a': {'b': 2}}]|{'a': {'b': 2}}|x"],
    // Review: `default` stands in for each missing part, as make_attrgetter does (before: a part after a missing one
    // raised even with a default); `default=none` is no default (a missing last part is Undefined, not None).
    ["{{ [{'a': {'b': 1}}, {'x': 1}] | map(attribute='a.b', default=0) | list }}|{{ [{'a': {'b': 1}}, {'x': 1}] | map(attribute='a.b.c', default=0) | list }}|{{ [{'a': [1]}, {'a': []}] | map(attribute='a.0.x', default=5) | list }}|{{ [{'a': {'b': 1}}, {'x': 1}] | map(attribute='a.b', default='') | list }}", "[1, 0]|[0, 0]|[5, 5]|[1, '']"],
    ["{{ [{'a': {'b': 1}}, {'x': 1}] | groupby('a.b', default=0) | map(attribute='grouper') | list }}|{{ [{'a': {'b': 1}}, {'x': 1}] | map(attribute='a.b', default=false) | list }}|{{ [{'x': 1}] | map(attribute='a', default=none) | list }}", "[0, 1]|[1, False]|[Undefined]"],
  ],
  // A macro's attributes are Jinja2's Macro's. Before: `m.name` was the compiled function's name (macroWithExtras),
  // `m.arguments` and `m.caller` a JavaScript TypeError (strict mode), catch_kwargs and catch_varargs Undefined.
  "macro attributes": [
    ["{% macro m(a, b=1) %}{% endmacro %}{{ m.name }}|{{ m.arguments }}|{{ m.caller }}|{{ m.catch_kwargs }}|{{ m.catch_varargs }}", "m|('a', 'b')|False|False|False"],
    ["{% macro m() %}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m.catch_kwargs }}|{{ m.catch_varargs }}|{{ m.arguments }}|{% macro k() %}{{ caller() }}{% endmacro %}{{ k.caller }}", "True|True|()|True"],
    ["{% macro m(a) %}{% endmacro %}{{ m.defaults }}|{{ m.nope }}|{{ m.name | upper }}|{{ m.arguments | length }}{{ m.arguments[0] }}|{{ m.name ~ '!' }}", "||M|1a|m!"],
    ["{% macro c() %}{{ caller.name }}|{{ caller.arguments }}|{{ caller.caller }}|{{ caller(1) }}{% endmacro %}{% call(x) c() %}{{ x }}{% endcall %}|{% macro o() %}{% macro i() %}{{ caller() }}{% endmacro %}{% endmacro %}{{ o.caller }}", "None|('x',)|False|1|True"],
    // Review: `caller` is True only when the body reads it before setting it (Jinja2's find_undeclared); before, a
    // body that only set `caller` (or took it as an inner macro's argument) gave True.
    ["{% macro s() %}{% set caller = 1 %}{% endmacro %}{{ s.caller }}|{% macro f() %}{% for caller in [1] %}{% endfor %}{% endmacro %}{{ f.caller }}|{% macro u() %}{% set caller = 1 %}{{ caller }}{% endmacro %}{{ u.caller }}|{% macro w() %}{% with caller = 1 %}{% endwith %}{% endmacro %}{{ w.caller }}|{% macro o() %}{% macro i(caller) %}{% endmacro %}{% endmacro %}{{ o.caller }}|{% macro d() %}{% macro i(x=caller) %}{% endmacro %}{% endmacro %}{{ d.caller }}", "False|False|False|False|False|True"],
    ["{% macro m() %}{{ caller }}{% set caller = 1 %}{% endmacro %}{{ m.caller }}|{% macro n() %}{% set caller = caller %}{% endmacro %}{{ n.caller }}|{% macro i(x=caller, caller=1) %}{% endmacro %}{{ i.caller }}", "True|False|False"],
  ],
  // An int beyond 2**53 as truncate's length or leeway bounds nothing (before: refused as an int that would round).
  "big ints as arguments": [
    ["{{ 'hello world' | truncate(2**64) }}|{{ 'hello world' | truncate(5, false, '...', 2**64) }}|{{ 'hello world foo bar' | truncate(9, true, '..', 2**64) }}|{{ 'hello world' | truncate(9007199254740993) }}", "hello world|hello world|hello world foo bar|hello world"],
  ],
  "literals": [
    ["{{ 0x10 }} {{ 0o17 }} {{ 0b101 }} {{ 0X1f }} {{ 1_000 }} {{ 1_000.5 }} {{ 1_0.0_1 }}", "16 15 5 31 1000 1000.5 10.01"],
    ["{{ 1e3 }} {{ 1.5e3 }} {{ 1e-3 }} {{ 1E3 }} {{ 2.5E-3 }} {{ 1e3 + 1 }}", "1000.0 1500.0 0.001 1000.0 0.0025 1001.0"],
    ["{{ lst.0 }}{{ items.1.name }} {{ 1.5 }} {{ -2 }} {{ 10 }} {{ 0 }} {{ 00 }} {{ 1.0 }}", "3b 1.5 -2 10 0 0 1.0"],
  ],
};

/** What Jinja2 refuses among the same, with the error it raises (nunjucks took `===`, `{% set d.x %}` failed in its compiler). */
const JINJA2_ERRORS: Array<[string, string]> = [
  ["{{ 1 === 1 }}", "TemplateSyntaxError"],
  ["{{ 1 !== 2 }}", "TemplateSyntaxError"],
  ["{% if n === 7 %}x{% endif %}", "TemplateSyntaxError"],
  ["{% set d2 = {} %}{% set d2.x = 1 %}", "TemplateRuntimeError"],
  ["{% set c = cycler() %}", "RuntimeError"],
  ["{% for x in lst %}{{ loop.cycle() }}{% endfor %}", "TypeError"],
  ["{% set a, b = [1] %}", "ValueError"],
  ["{% set a, b = [1, 2, 3] %}", "ValueError"],
  ["{% set a, b = 5 %}", "TypeError"],
  ["{% set a, b = nothing %}", "ValueError"],
  ["{{ dict(1, 2) }}", "TypeError"],
  ["{{ dict([(1, 2, 3)]) }}", "ValueError"],
  ["{{ 'x' | indent(2.0) }}", "TypeError"],
  ["{{ nothing | indent }}", "UndefinedError"],
  ["{{ 'abc' | filesizeformat }}", "ValueError"],
  ["{{ none_v | filesizeformat }}", "TypeError"],
  ["{{ {'a b': 1} | xmlattr }}", "ValueError"],
  ["{{ lst | xmlattr }}", "AttributeError"],
  ["{{ 0x }}", "TemplateSyntaxError"],
  ["{% for k, v in d %}{% endfor %}", "ValueError"],
  ["{% for a, b, c in pairs %}{% endfor %}", "ValueError"],
  ["{% for x in none_v %}{% endfor %}", "TypeError"],
  ["{% for x in none_v if x %}{% endfor %}", "TypeError"],
  ["{% for x in n %}{% endfor %}", "TypeError"],
  ["{{ (1 }}", "TemplateSyntaxError"],
  ["{{ (,) }}", "TemplateSyntaxError"],
  ["{% for x in lst %}{{ loop(x) }}{% endfor %}", "TypeError"],
  ["{{ ['a b'] | urlencode }}", "ValueError"],
  ["{{ 'x' | urlize(extra_schemes=['f']) }}", "FilterArgumentError"],
  ["{% for x in [1] recursive %}{{ loop(none_v) }}{% endfor %}", "TypeError"],
  ["{% for x in [1] recursive %}{{ loop() }}{% endfor %}", "TypeError"],
  ["{% for x in [1] recursive %}{{ loop(1, 2) }}{% endfor %}", "TypeError"],
  ["{{ 01 }}", "TemplateSyntaxError"],
  // nunjucks' list parse ended at any closing bracket: `[1, 2)` was the list [1, 2], `lst[1)` its item.
  ["{{ [1, 2) }}", "TemplateSyntaxError"],
  ["{{ [) }}{{ [1, [2)] }}", "TemplateSyntaxError"],
  ["{{ lst[1) }}", "TemplateSyntaxError"],
  ["{{ d['a'} }}", "TemplateSyntaxError"],
  ["{% for x in [1, 2) %}{% endfor %}", "TemplateSyntaxError"],
  ["{{ {[1]: 2} }}", "TypeError"],
  ["{{ {1: 'a', 'b': 2} | tojson }}", "TypeError"],
  ["{{ range(1] }}", "TemplateSyntaxError"],
  ["{{ range(1, ] }}{{ range(] }}", "TemplateSyntaxError"],
  ["{% macro inner() %}[{{ caller() }}]{% endmacro %}{% macro outer() %}{% call inner() %}{{ caller() }}{% endcall %}{% endmacro %}{% call outer() %}y{% endcall %}", "UndefinedError"],
  ["{% macro m() %}{{ caller() }}{% endmacro %}{{ m() }}", "UndefinedError"],
  // nunjucks let a set of `loop` in a loop hide the loop's `loop`.
  ["{% for x in lst %}{% if x %}{% set loop = 1 %}{% endif %}{% endfor %}", "TemplateAssertionError"],
  ["{% for x in lst %}{% with %}{% set loop = 1 %}{% endwith %}{% endfor %}", "TemplateAssertionError"],
  ["{% for x in lst %}{% else %}{% set a, loop = 1, 2 %}{% endfor %}", "TemplateAssertionError"],
  ["{% for loop in lst %}{% endfor %}", "TemplateAssertionError"],
  ["{{ n is odd is true }}", "TemplateSyntaxError"],
  // nunjucks dropped a macro's arguments beyond those it names.
  ["{% macro m(a) %}[{{ a }}]{% endmacro %}{{ m(1, 2) }}", "TypeError"],
  ["{% macro m(a) %}[{{ a }}]{% endmacro %}{{ m(1, b=2) }}", "TypeError"],
  ["{% macro c() %}{{ caller(7) }}{% endmacro %}{% call c() %}x{% endcall %}", "TypeError"],
  // Twenty-second session: a part after a missing one in an attribute path (Undefined has no items); truncate's
  // bounds below zero, told as Jinja2 tells them even beyond 2**53.
  ["{{ [{'a.b': 3}] | map(attribute='a.b') | list }}", "UndefinedError"],
  ["{{ [{'a': {'b': 1}}] | map(attribute='a..b') | list }}", "UndefinedError"],
  ["{{ [{'a': [1]}] | map(attribute='a.5.x') | list }}", "UndefinedError"],
  // Review: without a default, an item that lacks the first part is an error in map, selectattr and groupby alike.
  ["{{ [{'a': {'b': 1}}, {'x': 1}] | selectattr('a.b', 'defined') | list }}", "UndefinedError"],
  ["{{ [{'a': {'b': 1}}, {'x': 1}] | map(attribute='a.b', default=none) | list }}", "UndefinedError"],
  ["{{ [{'a': {'b': 1}}, {'x': 1}] | groupby('a.b') | list }}", "UndefinedError"],
  ["{{ 'hello world' | truncate(0 - 2**64) }}", "AssertionError"],
  ["{{ 'hello world' | truncate(5, leeway=0 - 2**64) }}", "AssertionError"],
];

function render(template: string): string {
  return createRenderer({ strict: false, onWarning: () => undefined }).render(template, VALUES, 'files/e.txt');
}

function renderError(template: string): UserError {
  try {
    createRenderer({ strict: false, onWarning: () => undefined }).render(template, VALUES, 'files/e.txt');
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return e as UserError;
  }
  throw new Error('expected an error');
}

/** Object addresses differ run by run, in Python as here. */
const anyAddress = (text: string): string => text.replace(/0x[0-9a-f]{6,}/g, '0x…');

describe.each(Object.entries(JINJA2_RENDERS))('%s renders as in Jinja2', (_area, cases) => {
  it.each(cases)('%s', (template, expected) => {
    expect(anyAddress(render(template))).toBe(expected);
  });
});

describe('what Jinja2 refuses is an error here too', () => {
  it.each(JINJA2_ERRORS)('%s (%s)', (template, error) => {
    const message = renderError(template).message;
    expect(message).toContain(error === 'TemplateSyntaxError' || error === 'TemplateAssertionError' ? 'template syntax error' : error);
  });

  it('refuses a loop over None, or a dict\'s keys that do not unpack, at the loop\'s line', () => {
    const none = renderError('text\n{% for x in none_v %}{{ x }}{% endfor %}');
    expect(none.message).toBe("template error in files/e.txt at line 2, column 13: TypeError: 'NoneType' object is not iterable");
    expect(none.fix).toContain('items or []');
    expect(renderError('{% for k, v in d %}{% endfor %}').message).toBe('template error in files/e.txt at line 1, column 16: ValueError: not enough values to unpack (expected 2, got 1)');
  });

  it('refuses an HTML entity striptags does not know (Python knows all of HTML5\'s), rather than leave it', () => {
    expect(renderError("{{ 'a &copy; b' | striptags }}").message).toContain('striptags: the character reference &copy; is not supported');
  });

  it('refuses lipsum(), whose text is random in Jinja2, at its line', () => {
    const error = renderError('text\n{{ lipsum(2) }}');
    expect(error.message).toBe("template error in files/e.txt at line 2, column 10: lipsum() is not supported in handoff's templates: Jinja2's lorem ipsum is random text");
    expect(error.fix).toContain('placeholder text');
  });

  it('refuses a list closed by another bracket at the bracket', () => {
    expect(renderError('text\n{{ [1, 2) }}').message).toBe("template syntax error in files/e.txt at line 2, column 9: unexpected ')', expected ']'");
    expect(renderError("{{ d['a'} }}").message).toBe("template syntax error in files/e.txt at line 1, column 9: unexpected '}', expected ']'");
  });

  it('refuses a set of `loop` anywhere in a for loop at the set, and allows it outside loops', () => {
    expect(renderError('{% for x in lst %}\n  {% set loop = x %}{% endfor %}').message).toBe(
      "template syntax error in files/e.txt at line 2, column 10: can't assign to the special loop variable `loop` in a for loop (Jinja2 refuses it): use another name",
    );
    expect(render('{% set loop = 3 %}{{ loop }}{% macro m() %}{% set loop = 1 %}{{ loop }}{% endmacro %}{{ m() }}')).toBe('31');
  });

  it('refuses a dict key that cannot be one (a list), at the key', () => {
    const error = renderError("{{ {'a': 1,\n  lst: 1} }}");
    expect(error.message).toBe("template error in files/e.txt at line 2, column 3: TypeError: unhashable type: 'list'");
    expect(error.fix).toContain('a tuple of those');
  });

  it('refuses a call closed by another bracket at the bracket, as Jinja2 does', () => {
    expect(renderError('text\n{{ range(1] }}').message).toBe("template syntax error in files/e.txt at line 2, column 11: unexpected ']', expected ')'");
    expect(renderError("{{ d.get('a', 1} }}").message).toBe("template syntax error in files/e.txt at line 1, column 16: unexpected '}', expected ')'");
    expect(renderError('{{ range(1, ] }}{{ range(] }}').message).toBe("template syntax error in files/e.txt at line 1, column 13: unexpected ']', expected ')'");
    expect(renderError('{{ range(1 2) }}').message).toBe("template syntax error in files/e.txt at line 1, column 12: expected ',' or ')' after an argument");
  });

  it('says "No caller defined" at its line for caller() in a call block inside a macro called by a call block', () => {
    const template = '{% macro inner() %}[{{ caller() }}]{% endmacro %}\n{% macro outer() %}{% call inner() %}{{ caller() }}{% endcall %}{% endmacro %}\n{% call outer() %}y{% endcall %}';
    const error = renderError(template);
    expect(error.message).toMatch(/^template error in files\/e.txt at line 2, column \d+: UndefinedError: No caller defined$/);
    expect(error.fix).toContain('{% set outer = caller %}');
  });

  it('names the missing part of an attribute path as Jinja2 does, and a bound beyond 2**53 in full', () => {
    expect(renderError("{{ [{'a.b': 3}] | map(attribute='a.b') | list }}").message).toContain("UndefinedError: 'dict object' has no attribute 'a'");
    expect(renderError("{{ [{'a': [1]}] | map(attribute='a.5.x') | list }}").message).toContain('UndefinedError: list object has no element 5');
    expect(renderError("{{ [{'a': none}] | map(attribute='a.b.c') | list }}").message).toContain("UndefinedError: 'None' has no attribute 'b'");
    expect(renderError("{{ 'hello world' | truncate(0 - 2**64) }}").message).toContain('AssertionError: expected length >= 3, got -18446744073709551616');
  });

  it('refuses `*items` and `**mapping` as a call\'s arguments at the star, saying so (Jinja2 unpacks them; handoff does not yet)', () => {
    // Before: "invalid index", "unexpected token: **", or an internal TypeError with no column.
    expect(renderError('text\n{% macro m(a, b) %}{% endmacro %}{{ m(*[1, 2]) }}').message).toBe(
      "template syntax error in files/e.txt at line 2, column 39: `*` before a call's argument (Jinja2's unpacking of a list into arguments) is not supported in handoff's templates: give the arguments one by one",
    );
    expect(renderError("{{ dict(**{'a': 1}) }}").message).toContain("column 9: `**` before a call's argument (Jinja2's unpacking of a dict");
    expect(renderError("{{ 'a-b'.split(*['-']) }}").message).toContain("column 16: `*` before a call's argument");
    expect(renderError("{{ 'hello' | truncate(1, *[7]) }}").message).toContain("`*` before a call's argument");
    expect(render('{{ range(2 * 2) | list }}|{{ [2] | map(attribute=0) | list }}')).toBe('[0, 1, 2, 3]|[Undefined]');
  });
  it('refuses `*args` and `**kwargs` in a macro\'s or call block\'s signature as definitions, as Jinja2 does', () => {
    // Review: before, the call-worded refusal above ("before a call's argument … give the arguments one by one").
    const stars: Array<[string, string, number]> = [
      ['{% macro m(*a) %}{% endmacro %}', '*', 12],
      ['{% macro m(a, **k) %}{% endmacro %}', '**', 15],
      ['{% macro c() %}{% endmacro %}{% call(*a) c() %}{% endcall %}', '*', 38],
    ];
    for (const [template, star, col] of stars) {
      const message = renderError(template).message;
      expect(message).toContain(`column ${col}: \`${star}\` before a macro's argument name is not Jinja2 either (expected token 'name', got '${star}')`);
      expect(message).toContain('varargs');
      expect(message).not.toContain("call's argument");
    }
    // A call inside the macro's body or the call block's own call is still a call.
    expect(renderError('{% macro m(a) %}{{ m(*[1]) }}{% endmacro %}').message).toContain("`*` before a call's argument");
    expect(renderError('{% macro c(a) %}{% endmacro %}{% call(x) c(*[1]) %}{% endcall %}').message).toContain("`*` before a call's argument");
  });

  it('says what to write instead of `===`, and what set ns.attr needs', () => {
    expect(renderError('{{ 1 === 1 }}').message).toBe('template syntax error in files/e.txt at line 1, column 6: `===` is not an operator in Jinja2: use `==`');
    const error = renderError('{% set d2 = {} %}{% set d2.x = 1 %}');
    expect(error.message).toContain('cannot assign attribute on non-namespace object');
    expect(error.fix).toContain('namespace(');
  });
});

const jinja2Here = spawnSync('python3', ['-c', 'import jinja2'], { stdio: 'ignore' }).status === 0;
describe('the expectations', () => {
  it.skipIf(!jinja2Here)(`are what the installed Jinja2 renders${jinja2Here ? '' : ' (skipped: python3 has no jinja2)'}`, () => {
    const program = [
      'import jinja2, json, re, sys',
      'job = json.load(sys.stdin)',
      'env = jinja2.Environment()',
      'def render(t):',
      '    try:',
      "        return re.sub(r'0x[0-9a-f]{6,}', '0x\u2026', env.from_string(t).render(**job['values']))",
      '    except Exception as e:',
      "        return 'error: ' + type(e).__name__",
      "print(json.dumps([render(t) for t in job['templates']]))",
    ].join('\n');
    const renders = Object.values(JINJA2_RENDERS).flat();
    const templates = [...renders, ...JINJA2_ERRORS].map(([template]) => template);
    const rendered = JSON.parse(execFileSync('python3', ['-c', program], { input: JSON.stringify({ values: VALUES, templates }), encoding: 'utf8' })) as string[];
    expect(rendered).toEqual([...renders.map(([, text]) => text), ...JINJA2_ERRORS.map(([, error]) => `error: ${error}`)]);
  });
});
