"""The `sousuo serve` part of scripts/bench: throughput and latency of /api/search under a
load generator on loopback, and the time from a page load to its first results.

- oha (`cargo install oha`), 32 connections over the bench's query mix as
  `/api/search?q=…&limit=10`: 20 s at a fixed 1,500 requests/s (latency at that load), then
  15 s as fast as it goes (the most the server answers); the generator shares the 2 cores
  with the server. Without oha, wrk (Debian's `wrk`) measures only the second;
- headless Chromium over chromedriver's WebDriver API: load `/?q=…` for 20 queries of the
  mix after one warm-up load, and read the page's own mark of when it drew its first
  results (`performance.now()` from the start of navigation).
Either part is skipped, and says so, when its tool is missing.
"""
import contextlib, json, os, re, shutil, socket, subprocess, sys, tempfile, time, urllib.parse, urllib.request

CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                 '--disable-background-networking', '--disable-component-update', '--disable-sync']


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def wait_for(url, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit('nothing answers at ' + url)


def search_paths(queries_file):
    paths = []
    for line in open(queries_file, encoding='utf-8'):
        if line.strip():
            text = json.loads(line)['text']
            paths.append('/api/search?' + urllib.parse.urlencode({'q': text, 'limit': 10}))
    return paths


def to_ms(value, unit):
    return float(value) * {'us': 1e-3, 'ms': 1.0, 's': 1e3}[unit]


def oha_binary():
    return shutil.which('oha') or next((p for p in [os.path.expanduser('~/.cargo/bin/oha')] if os.path.exists(p)), None)


def oha(binary, urls, extra):
    out = subprocess.run([binary, '-c', '32', '--urls-from-file', '--no-tui', '--output-format', 'json'] + extra
                         + [urls], capture_output=True, text=True, check=True).stdout
    report = json.loads(out)
    codes = report.get('statusCodeDistribution') or {}
    return {'rps': report['summary']['requestsPerSec'],
            'p50': report['latencyPercentiles']['p50'] * 1e3, 'p99': report['latencyPercentiles']['p99'] * 1e3,
            'non_2xx': sum(n for code, n in codes.items() if not code.startswith('2'))}


def load(base, paths, work):
    binary = oha_binary()
    if binary:
        urls = os.path.join(work, 'urls.txt')
        with open(urls, 'w', encoding='utf-8') as f:
            f.write(''.join(base + path + '\n' for path in paths))
        return {'tool': 'oha', 'at_rate': oha(binary, urls, ['-z', '20s', '-q', '1500']),
                'most': oha(binary, urls, ['-z', '15s'])}
    if not shutil.which('wrk'):
        return {'skipped': 'neither oha (cargo install oha) nor wrk (apt-get install wrk) is installed'}
    script = os.path.join(work, 'mix.lua')
    with open(script, 'w', encoding='utf-8') as f:
        f.write('local paths = {\n')
        for path in paths:
            f.write('  %s,\n' % json.dumps(path))
        f.write('}\nlocal i = 0\nrequest = function()\n  i = i + 1\n'
                '  return wrk.format("GET", paths[(i % #paths) + 1])\nend\n')
    out = subprocess.run(['wrk', '-t2', '-c32', '-d15s', '--latency', '-s', script, base + '/'],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r'Requests/sec:\s+([\d.]+)', out).group(1))
    percentiles = {p: to_ms(v, u) for p, v, u in re.findall(r'^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$', out, re.M)}
    errors = re.search(r'Non-2xx or 3xx responses: (\d+)', out)
    return {'tool': 'wrk', 'most': {'rps': rps, 'p50': percentiles.get('50'), 'p99': percentiles.get('99'),
                                    'non_2xx': int(errors.group(1)) if errors else 0}}


def webdriver(driver, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(driver + path, data=data, method=method,
                                     headers={'Content-Type': 'application/json'})
    return json.loads(urllib.request.urlopen(request, timeout=60).read())['value']


def first_results(base, paths, work):
    chromedriver = shutil.which('chromedriver')
    if not chromedriver or not shutil.which('chromium'):
        return {'skipped': 'chromium or chromedriver is not installed'}
    port = free_port()
    driver_process = subprocess.Popen([chromedriver, '--port=%d' % port], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL)
    driver = 'http://127.0.0.1:%d' % port
    profile = tempfile.mkdtemp(prefix='chromium-', dir=work)
    try:
        wait_for(driver + '/status')
        args = CHROMIUM_ARGS + ['--user-data-dir=' + profile]
        session = webdriver(driver, 'POST', '/session', {'capabilities': {'alwaysMatch': {
            'goog:chromeOptions': {'binary': shutil.which('chromium'), 'args': args}}}})['sessionId']
        times = []
        queries = [urllib.parse.parse_qs(urllib.parse.urlparse(p).query)['q'][0] for p in paths]
        picked = queries[::max(1, len(queries) // 20)][:21]
        for i, text in enumerate(picked):
            url = base + '/?' + urllib.parse.urlencode({'q': text})
            webdriver(driver, 'POST', '/session/%s/url' % session, {'url': url})
            deadline = time.time() + 10
            mark = None
            while mark is None and time.time() < deadline:
                mark = webdriver(driver, 'POST', '/session/%s/execute/sync' % session, {
                    'script': 'return document.documentElement.dataset.firstResultsMs || null', 'args': []})
                if mark is None:
                    time.sleep(0.02)
            if mark is None:
                sys.exit('the page drew no results for %r' % text)
            if i > 0:  # the first load warms the browser
                times.append(float(mark))
        webdriver(driver, 'DELETE', '/session/%s' % session)
        times.sort()
        return {'loads': len(times), 'median': times[len(times) // 2], 'max': times[-1]}
    finally:
        driver_process.kill()
        driver_process.wait()


@contextlib.contextmanager
def serving(binary, index):
    """`sousuo serve` on the index on a free port, answering: its base URL. Stopped after."""
    port = free_port()
    server = subprocess.Popen([binary, 'serve', '--index', index, '--listen', '127.0.0.1:%d' % port],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = 'http://127.0.0.1:%d' % port
    try:
        wait_for(base + '/healthz')
        yield base
    finally:
        server.kill()
        server.wait()


def serve_figures(binary, index, queries_file, work):
    """Starts `sousuo serve` on the index and measures it; stops it afterwards."""
    with serving(binary, index) as base:
        paths = search_paths(queries_file)
        return {'load': load(base, paths, work), 'page': first_results(base, paths, work)}


def render_serve(figures):
    """BENCHMARKS.md lines for the serve figures."""
    load, page = figures['load'], figures['page']
    lines = ['', '## serve', '',
             '`sousuo serve` on the same index; a load generator on loopback with 32 connections over the '
             'query mix (`/api/search?q=…&limit=10`, hits with snippets), sharing the 2 cores with the '
             'server; page loads in headless Chromium.', '',
             '| measure | target | measured | |', '|---|---|---|---|']
    missed = lambda measured, target, more: 'met' if (measured >= target if more else measured <= target) else \
        '**missed** by %.0f%%' % (100 * abs(measured / target - 1))
    if 'skipped' in load:
        lines.append('| requests/s, p99 | ≥ 1500, ≤ 10 ms | skipped: %s | |' % load['skipped'])
    else:
        most = load['most']
        lines.append('| requests/s, as fast as %s goes | ≥ 1500 | %.0f (p50 %.2f ms, p99 %.2f ms) | %s |' % (
            load['tool'], most['rps'], most['p50'], most['p99'], missed(most['rps'], 1500, True)))
        if 'at_rate' in load:
            rate = load['at_rate']
            lines.append('| latency at 1,500 requests/s (p50 / p99) | p99 ≤ 10 ms | %.2f / %.2f ms | %s |' % (
                rate['p50'], rate['p99'], missed(rate['p99'], 10, False)))
        errors = sum(run['non_2xx'] for key, run in load.items() if isinstance(run, dict))
        lines.append('| answers other than 2xx | 0 | %d | %s |' % (errors, 'met' if errors == 0 else '**missed**'))
    if 'skipped' in page:
        lines.append('| page load to first results | ≤ 100 ms | skipped: %s | |' % page['skipped'])
    else:
        lines.append('| page load to first results (median / max of %d) | ≤ 100 ms | %.0f / %.0f ms | %s |' % (
            page['loads'], page['median'], page['max'], missed(page['median'], 100, False)))
    return lines
