"""The `sousuo serve` part of scripts/bench: throughput and latency of /api/search under a
load generator on loopback, and the time from a page load to its first results.

- wrk (Debian's `wrk`), 2 threads, 32 connections, 20 s, cycling through the bench's query
  mix as `/api/search?q=…&limit=10` (the generator shares the 2 cores with the server);
- headless Chromium over chromedriver's WebDriver API: load `/?q=…` for 20 queries of the
  mix after one warm-up load, and read the page's own mark of when it drew its first
  results (`performance.now()` from the start of navigation).
Either part is skipped, and says so, when its tool is missing.
"""
import json, os, re, shutil, socket, subprocess, sys, tempfile, time, urllib.parse, urllib.request

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


def load(base, paths, work):
    if not shutil.which('wrk'):
        return {'skipped': 'wrk is not installed (apt-get install wrk)'}
    script = os.path.join(work, 'mix.lua')
    with open(script, 'w', encoding='utf-8') as f:
        f.write('local paths = {\n')
        for path in paths:
            f.write('  %s,\n' % json.dumps(path))
        f.write('}\nlocal i = 0\nrequest = function()\n  i = i + 1\n'
                '  return wrk.format("GET", paths[(i % #paths) + 1])\nend\n')
    out = subprocess.run(['wrk', '-t2', '-c32', '-d20s', '--latency', '-s', script, base + '/'],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r'Requests/sec:\s+([\d.]+)', out).group(1))
    percentiles = {p: to_ms(v, u) for p, v, u in re.findall(r'^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$', out, re.M)}
    errors = re.search(r'Non-2xx or 3xx responses: (\d+)', out)
    return {'rps': rps, 'p50': percentiles.get('50'), 'p99': percentiles.get('99'),
            'non_2xx': int(errors.group(1)) if errors else 0}


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


def serve_figures(binary, index, queries_file, work):
    """Starts `sousuo serve` on the index and measures it; stops it afterwards."""
    port = free_port()
    server = subprocess.Popen([binary, 'serve', '--index', index, '--listen', '127.0.0.1:%d' % port],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = 'http://127.0.0.1:%d' % port
    try:
        wait_for(base + '/healthz')
        paths = search_paths(queries_file)
        return {'load': load(base, paths, work), 'page': first_results(base, paths, work)}
    finally:
        server.kill()
        server.wait()


def render_serve(figures):
    """BENCHMARKS.md lines for the serve figures."""
    load, page = figures['load'], figures['page']
    lines = ['', '## serve', '',
             '`sousuo serve` on the same index; wrk on loopback with 2 threads and 32 connections for '
             '20 s over the query mix (`/api/search?q=…&limit=10`, hits with snippets), sharing the 2 '
             'cores with the server; page loads in headless Chromium.', '',
             '| measure | target | measured | |', '|---|---|---|---|']
    if 'skipped' in load:
        lines.append('| requests/s, p99 | ≥ 1500, ≤ 10 ms | skipped: %s | |' % load['skipped'])
    else:
        lines += [
            '| requests/s | ≥ 1500 | %.0f | %s |' % (load['rps'], 'met' if load['rps'] >= 1500 else
                                                        '**missed** by %.0f%%' % (100 * (1 - load['rps'] / 1500))),
            '| latency p50 / p99 | p99 ≤ 10 ms | %.2f / %.2f ms | %s |' % (
                load['p50'], load['p99'], 'met' if load['p99'] <= 10 else
                '**missed** by %.0f%%' % (100 * (load['p99'] / 10 - 1))),
            '| answers other than 2xx | 0 | %d | %s |' % (load['non_2xx'], 'met' if load['non_2xx'] == 0 else '**missed**'),
        ]
    if 'skipped' in page:
        lines.append('| page load to first results | ≤ 100 ms | skipped: %s | |' % page['skipped'])
    else:
        lines.append('| page load to first results (median / max of %d) | ≤ 100 ms | %.0f / %.0f ms | %s |' % (
            page['loads'], page['median'], page['max'], 'met' if page['median'] <= 100 else
            '**missed** by %.0f%%' % (100 * (page['median'] / 100 - 1))))
    return lines
