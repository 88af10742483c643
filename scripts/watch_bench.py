"""The living-archive part of scripts/bench: `sousuo serve --watch` over the bench corpus.

- write to searchable: 200 posts written one by one into the watched corpus, each with a
  word no other post has; the time from the file's close to the first `/api/search` answer
  that finds it (polled every 20 ms), p50 / p99 / max;
- idle: the CPU seconds the serving and watching process uses over 60 s with nothing
  changing (from /proc: user + system time);
- the 200 posts are then deleted and the time until the last is gone is noted (they are
  not left in the corpus);
- first answer: `serve --watch` started on the corpus with its index there, and with an
  empty index folder (a first build): the time from the start to the first `/healthz`
  answer, and for the first build the time until it says "ok";
- the fold's cost: the bench's query mix through `/api/search` of `sousuo serve`, a pass
  with folding (the default) then a pass with `fold=0`, three times; the search time the
  answers report (`summary.took_ms`, the server's own clock) of the last passes, p50 / p99.
"""
import shutil, json, os, random, string, subprocess, sys, time, urllib.parse, urllib.request

from serve_bench import free_port, search_paths, wait_for

POSTS = 200
IDLE_SECONDS = 60


def cpu_of(pid):
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    ticks = os.sysconf('SC_CLK_TCK')
    return (int(fields[11]) + int(fields[12])) / ticks


def total(base, word):
    url = '%s/api/search?%s' % (base, urllib.parse.urlencode({'q': word, 'limit': 1}))
    with urllib.request.urlopen(url, timeout=10) as answer:
        return json.load(answer)['summary']['total']


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def watch_figures(binary, corpus, index, work):
    port = free_port()
    base = 'http://127.0.0.1:%d' % port
    log = open(os.path.join(work, 'serve-watch.log'), 'w')
    server = subprocess.Popen([binary, 'serve', '--index', index, '--listen', '127.0.0.1:%d' % port,
                               '--watch', corpus], stdout=log, stderr=log)
    folder = os.path.join(corpus, 'watch-bench')
    rng = random.Random(7)
    words = [''.join(rng.choice(string.ascii_lowercase) for _ in range(10)) for _ in range(POSTS)]
    try:
        wait_for(base + '/healthz', seconds=600)
        os.makedirs(folder, exist_ok=True)
        delays = []
        for n, word in enumerate(words):
            path = os.path.join(folder, 'post-%03d.md' % n)
            with open(path, 'w', encoding='utf-8') as f:
                f.write('---\ntitle: 基准测试 %s\ndate: 2026-11-30 10:00\n---\n新写入的文章 %s，用来测量从写入到可搜索的时间。\n'
                        % (word, word))
            written = time.monotonic()
            while total(base, word) < 1:
                if time.monotonic() - written > 30:
                    sys.exit('post %d not searchable after 30 s' % n)
                time.sleep(0.02)
            delays.append(time.monotonic() - written)
        time.sleep(2)
        before = cpu_of(server.pid)
        time.sleep(IDLE_SECONDS)
        idle = cpu_of(server.pid) - before
        for n in range(POSTS):
            os.remove(os.path.join(folder, 'post-%03d.md' % n))
        removed = time.monotonic()
        while total(base, words[-1]) > 0:
            if time.monotonic() - removed > 30:
                sys.exit('deleted posts still found after 30 s')
            time.sleep(0.02)
        gone = time.monotonic() - removed
    finally:
        server.terminate()
        server.wait()
        if os.path.isdir(folder):
            for name in os.listdir(folder):
                os.remove(os.path.join(folder, name))
            os.rmdir(folder)
    return {'posts': POSTS, 'p50': percentile(delays, 50), 'p99': percentile(delays, 99), 'max': max(delays),
            'idle_cpu': idle, 'idle_seconds': IDLE_SECONDS, 'gone': gone}


def health(base):
    try:
        with urllib.request.urlopen(base + '/healthz', timeout=10) as answer:
            return json.load(answer)
    except OSError:
        return None


def first_answer(binary, corpus, index, work):
    """Seconds to the first /healthz answer of `serve --watch` with the index there, and
    with none (then also the seconds until the first build is served)."""
    figures = {}
    for case, folder in (('existing', index), ('new', os.path.join(work, 'first-build-index'))):
        if case == 'new':
            shutil.rmtree(folder, ignore_errors=True)  # a run before this one left it
        port = free_port()
        base = 'http://127.0.0.1:%d' % port
        started = time.monotonic()
        server = subprocess.Popen([binary, 'serve', '--index', folder, '--listen', '127.0.0.1:%d' % port,
                                   '--watch', corpus], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            answer = None
            while answer is None:
                if server.poll() is not None:
                    sys.exit('serve --watch --index %s exited with %d before answering' % (folder, server.returncode))
                if time.monotonic() - started > 60:
                    sys.exit('serve --watch did not answer within 60 s')
                answer = health(base)
                time.sleep(0.005)
            figures[case] = time.monotonic() - started
            while case == 'new' and (answer or {}).get('status') != 'ok':
                if time.monotonic() - started > 1800:
                    sys.exit('the first build was not served within 30 min')
                time.sleep(0.1)
                answer = health(base)
            if case == 'new':
                figures['built'] = time.monotonic() - started
        finally:
            server.terminate()
            server.wait()
    return figures


def fold_cost(binary, index, queries_file):
    port = free_port()
    base = 'http://127.0.0.1:%d' % port
    server = subprocess.Popen([binary, 'serve', '--index', index, '--listen', '127.0.0.1:%d' % port],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(base + '/healthz')
        paths = search_paths(queries_file)
        # Whole passes over the mix, each kind in turn: a query run just before the same
        # query of the other kind would warm its caches. The last pass of each counts.
        for _ in range(3):
            took = {'folded': [], 'unfolded': []}
            for kind, extra in (('folded', ''), ('unfolded', '&fold=0')):
                for path in paths:
                    with urllib.request.urlopen(base + path + extra, timeout=10) as answer:
                        took[kind].append(json.load(answer)['summary']['took_ms'])
    finally:
        server.terminate()
        server.wait()
    return {kind: {'p50': percentile(ms, 50), 'p99': percentile(ms, 99), 'queries': len(ms)}
            for kind, ms in took.items()}


def render_watch(figures, fold, first=None):
    lines = [
        '',
        '## Living archive: `serve --watch` and folding',
        '',
        '`sousuo serve --watch CORPUS` over the index of the corpus above; %d posts written one by one, '
        'each found by `/api/search` (polled every 20 ms) before the next; then %d s with nothing changing. '
        'The fold\'s cost: the %d queries of the mix through `/api/search`, with and without folding, '
        'timed by the server (`took_ms`).'
        % (figures['posts'], figures['idle_seconds'], fold['folded']['queries']),
        '',
        '| measure | target | measured | |',
        '|---|---|---|---|',
        '| write to searchable, p50 | | %.2f s | |' % figures['p50'],
        '| write to searchable, p99 | ≤ 2 s | %.2f s (max %.2f s) | %s |' % (
            figures['p99'], figures['max'], 'met' if figures['p99'] <= 2 else '**missed**'),
        '| CPU of the idle server and watcher over %d s | near zero | %.2f CPU-s (%.2f%% of a core) | |' % (
            figures['idle_seconds'], figures['idle_cpu'], 100 * figures['idle_cpu'] / figures['idle_seconds']),
        '| the %d posts deleted at once: gone from search after | | %.2f s | |' % (figures['posts'], figures['gone']),
    ] + ([
        '| `serve --watch` with the index there: first `/healthz` answer after | ≤ 1 s | %.3f s | %s |' % (
            first['existing'], 'met' if first['existing'] <= 1 else '**missed**'),
        '| `serve --watch` with no index: first answer (`"status": "building"`) after | ≤ 1 s | %.3f s | %s |' % (
            first['new'], 'met' if first['new'] <= 1 else '**missed**'),
        '| the same: the first build served (`"status": "ok"`) after | | %.1f s | |' % first['built'],
    ] if first else []) + [
        '| search time with folding (default), p50 / p99 | ≤ 0.6 / 5 ms | %.3f / %.3f ms | %s |' % (
            fold['folded']['p50'], fold['folded']['p99'],
            'met' if fold['folded']['p50'] <= 0.6 and fold['folded']['p99'] <= 5 else '**missed**'),
        '| the same with `fold=0`, p50 / p99 | | %.3f / %.3f ms | |' % (
            fold['unfolded']['p50'], fold['unfolded']['p99']),
        '',
        'The watcher walks only the changed paths after file-system events, and the whole corpus '
        'every 5 minutes in case events were lost (about a CPU-second at this size; none fell in the '
        'idle minute measured).',
    ]
    return lines
