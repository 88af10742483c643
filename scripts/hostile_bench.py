"""The hostile-query part of scripts/bench: the worst queries that fit sousuo's limits
(docs/reliability.md), their time and peak memory in the CLI, and how `/healthz` answers
while four of them run at once through `/api/search`.

  python3 scripts/hostile_bench.py --index DIR [--out FILE.md]

The queries are built from the archive's most common words, so each limit is used to the
full: 32 distinct common words (the most a query ranks by), 64 one-character prefixes,
32 phrases of common words (64 parts), ten spaced parts of common words (the most the
words rule tiers), a 4,096-character pasted paragraph of distinct words, the same words
quoted in pairs (hundreds of phrases: read as plain text), groups, and 32 rare words found
nowhere (each a candidate for words inside words).
"""
import argparse, json, os, re, statistics, subprocess, sys, threading, time, urllib.error, urllib.parse, urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_bench import serving  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(REPO, 'target', 'release', 'sousuo')

COMMON = ('的 是 在 了 和 中国 发展 公司 市场 有 年 月 日 企业 经济 记者 新 表示 工作 国家 我们 人 一 也 将 上 '
          '不 为 对 等 进行 中').split()
PAIRS = ['中国 发展', '公司 市场', '企业 经济', '记者 表示', '工作 国家', '我们 一个', '进行 建设', '国际 合作']
CHARS = '中国发公市企经记新表工人大会一不年月日有在是和为对等上将也我进'


def paragraph(index):
    """4,096 characters of the archive's own text, its words spaced apart: every word a
    part, hundreds of distinct words."""
    out = subprocess.run([BIN, 'query', '--index', index, '经济', '--json', '-n', '50', '--snippets', '3'],
                         capture_output=True, text=True).stdout
    text = ''.join(json.loads(line).get('snippet', '') for line in out.splitlines() if line.startswith('{"rank"'))
    words = re.findall(r'[\u4e00-\u9fff]{2}', text)
    return ' '.join(words)[:4096]


def queries(index):
    text = paragraph(index)
    words = text.split()
    # Every pair of words quoted: hundreds of phrases, past the limit of 64 parts, so the
    # query is read as plain text.
    quoted = ' '.join('"%s %s"' % pair for pair in zip(words[::2], words[1::2]))[:4096]
    if quoted.count('"') % 2:
        quoted = quoted[:quoted.rfind('"')].rstrip()
    return {
        '32 common words': ' '.join(COMMON),
        '64 one-character prefixes': ' '.join(c + '*' for c in (CHARS * 3)[:64]),
        '32 phrases of common words': ' '.join('"%s"' % PAIRS[i % len(PAIRS)] for i in range(32)),
        '10 parts of 3 common words': ' '.join(''.join(COMMON[i:i + 3]) for i in range(0, 30, 3)),
        '4,096-character paragraph': text,
        'a paragraph of quoted pairs (plain text)': quoted,
        'two groups of 32 words': '(%s) (%s)' % (' '.join(COMMON), ' '.join(COMMON)),
        # Found nowhere: every word would be looked for inside the archive's words.
        '32 rare two-character words': ' '.join(chr(0x3400 + 7 * i) + chr(0x3500 + 11 * i) for i in range(32)),
    }


def cli_cost(index, text):
    """Wall time (s) of `query --json -n 100 --facets`, the worst of two runs after a
    warm-up."""
    worst = 0.0
    for attempt in range(3):
        started = time.time()
        run = subprocess.run([BIN, 'query', '--index', index, text, '--json', '-n', '100', '--facets'],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        wall = time.time() - started
        if run.returncode == 2:
            sys.exit('the query is refused: ' + run.stderr)
        if attempt:
            worst = max(worst, wall)
    return worst


def peak_rss_mb(index, text):
    """Peak RSS of one run alone (getrusage of children keeps the maximum over all, so
    each is measured in its own Python)."""
    code = ('import resource,subprocess,sys; subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, '
            'stderr=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)')
    out = subprocess.run([sys.executable, '-c', code, BIN, 'query', '--index', index, text, '--json', '-n', '100',
                          '--facets'], capture_output=True, text=True, check=True).stdout
    return int(out.strip()) / 1024


def health_under_load(index, text, searches=4, seconds=20):
    """`/healthz` latency (ms) sampled every 50 ms while `searches` clients send `text` to
    `/api/search` back to back; and the searches' own latencies."""
    with serving(BIN, index) as base:
        stop = time.time() + seconds
        search_ms, statuses = [], []
        url = base + '/api/search?' + urllib.parse.urlencode({'q': text, 'limit': 100, 'facets': 1})

        def client():
            while time.time() < stop:
                started = time.time()
                try:
                    with urllib.request.urlopen(url, timeout=60) as reply:
                        reply.read()
                        statuses.append(reply.status)
                except urllib.error.HTTPError as e:
                    statuses.append(e.code)
                search_ms.append((time.time() - started) * 1e3)

        threads = [threading.Thread(target=client) for _ in range(searches)]
        for t in threads:
            t.start()
        time.sleep(1)
        health = []
        while time.time() < stop - 0.5:
            started = time.time()
            urllib.request.urlopen(base + '/healthz', timeout=60).read()
            health.append((time.time() - started) * 1e3)
            time.sleep(0.05)
        for t in threads:
            t.join()
    q = statistics.quantiles(health, n=100)
    return {'health_p50': statistics.median(health), 'health_p99': q[98], 'health_max': max(health),
            'samples': len(health), 'search_p50': statistics.median(search_ms), 'search_max': max(search_ms),
            'searches': len(search_ms), 'non_200': sum(1 for s in statuses if s != 200)}


def hostile_figures(index):
    figures = {'queries': []}
    worst_text, worst_wall = None, -1
    for name, text in queries(index).items():
        wall = cli_cost(index, text)
        rss = peak_rss_mb(index, text)
        figures['queries'].append({'name': name, 'chars': len(text), 'wall': wall, 'rss': rss})
        if wall > worst_wall:
            worst_text, worst_wall = text, wall
    figures['worst'] = max(figures['queries'], key=lambda q: q['wall'])['name']
    figures['serve'] = health_under_load(index, worst_text)
    return figures


def render_hostile(f):
    lines = ['', '## Hostile queries (the worst within the limits)', '',
             '`python3 scripts/hostile_bench.py --index DIR` (run by scripts/bench): each query is the worst of '
             'its kind that the limits in docs/reliability.md let through, run as `query --json -n 100 --facets` '
             '(worst of two warm runs; peak RSS of one run). Target: ≤ 1 s and ≤ 300 MB each.', '',
             '| query | characters | wall | peak RSS |', '|---|---:|---:|---:|']
    for q in f['queries']:
        lines.append('| %s | %d | %.2f s | %.0f MB |' % (q['name'], q['chars'], q['wall'], q['rss']))
    s = f['serve']
    lines += ['', 'Four clients sending the slowest one (%s) to `/api/search` back to back for 20 s while '
              '`/healthz` is asked every 50 ms: `/healthz` p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d samples; '
              'target p99 ≤ 50 ms); the searches p50 %.0f ms, max %.0f ms (%d answered, %d not 200).'
              % (f['worst'], s['health_p50'], s['health_p99'], s['health_max'], s['samples'], s['search_p50'],
                 s['search_max'], s['searches'], s['non_200'])]
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--index', required=True)
    ap.add_argument('--out', help='write the section here (markdown)')
    a = ap.parse_args()
    report = '\n'.join(render_hostile(hostile_figures(a.index))) + '\n'
    if a.out:
        with open(a.out, 'w', encoding='utf-8') as f:
            f.write(report)
    print(report)


if __name__ == '__main__':
    main()
