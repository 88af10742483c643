"""The forgiving part of scripts/bench: what the fallbacks (words inside words, same-sound
words, pinyin) cost a served query.

`sousuo serve` on the bench index; each query of scripts/forgiving-cases.json (a name typed
with a same-sounding or near-sounding wrong character, in part, as pinyin, or a name the
segmenter cuts in two with a same-sounding wrong character or as pinyin) through `/api/search` three
times after a warm-up pass (the server reads the index's words on a thread of its own
after it opens the index); the search time the answers of the last pass report
(`summary.took_ms`, the server's own clock), p50 / p99 / max per kind and over all. The
names as typed (which never fall back) are timed the same way, for comparison.
"""
import json, os, subprocess, urllib.parse, urllib.request

from serve_bench import free_port, wait_for
from watch_bench import percentile

CASES = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'forgiving-cases.json')
PASSES = 3
KINDS = ('typo', 'near-typo', 'split-typo', 'partial', 'pinyin', 'split-pinyin')


def fallback_cost(binary, index):
    cases = json.load(open(CASES, encoding='utf-8'))
    kinds = {}
    for case in cases:
        kinds.setdefault(case['kind'], []).append(case['query'])
        kinds.setdefault('as typed', []).append(case['name'])
    kinds = {kind: sorted(set(queries)) for kind, queries in kinds.items()}
    port = free_port()
    base = 'http://127.0.0.1:%d' % port
    server = subprocess.Popen([binary, 'serve', '--index', index, '--listen', '127.0.0.1:%d' % port],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    took = {}
    try:
        wait_for(base + '/healthz')
        for _ in range(1 + PASSES):
            took = {kind: [] for kind in kinds}
            for kind, queries in kinds.items():
                for query in queries:
                    path = '/api/search?' + urllib.parse.urlencode({'q': query, 'limit': 10})
                    with urllib.request.urlopen(base + path, timeout=30) as answer:
                        took[kind].append(json.load(answer)['summary']['took_ms'])
    finally:
        server.terminate()
        server.wait()
    took['fallbacks (every kind)'] = [ms for kind in KINDS for ms in took.get(kind, [])]
    return {kind: {'queries': len(ms), 'p50': percentile(ms, 50), 'p99': percentile(ms, 99), 'max': max(ms)}
            for kind, ms in took.items() if ms}


def render_fallback(figures):
    lines = [
        '',
        '## Forgiving search: the fallbacks\' cost',
        '',
        '`python3 scripts/fallback_bench.py` via scripts/bench: `sousuo serve` on the same index, the queries of '
        '`scripts/forgiving-cases.json` (names typed with a same-sounding or near-sounding wrong character, '
        'in part, or as pinyin) and the names as typed through `/api/search`, timed by the server (`took_ms`) on the last of '
        '%d passes after a warm-up.' % PASSES,
        '',
        '| queries | count | p50 | p99 | max | target |',
        '|---|---:|---:|---:|---:|---|',
    ]
    for kind in KINDS + ('fallbacks (every kind)', 'as typed'):
        if kind not in figures:
            continue
        f = figures[kind]
        target = ''
        if kind.startswith('fallbacks'):
            target = 'p99 ≤ 20 ms: ' + ('met' if f['p99'] <= 20 else '**missed**')
        lines.append('| %s | %d | %.2f ms | %.2f ms | %.2f ms | %s |' % (kind, f['queries'], f['p50'], f['p99'],
                                                                        f['max'], target))
    return lines


if __name__ == '__main__':
    import sys
    if len(sys.argv) != 3:
        sys.exit('usage: fallback_bench.py BIN INDEX')
    print('\n'.join(render_fallback(fallback_cost(sys.argv[1], sys.argv[2]))))
