// sousuo's search page: every state in the URL, every text of a post set as text (never
// as HTML), results as you type with stale answers dropped.
"use strict";

const PAGE_SIZE = 10;
const TYPE_DELAY_MS = 120;
const $ = (id) => document.getElementById(id);
const token = new URLSearchParams(location.search).get("token");

let state = readState();
let sequence = 0;        // the newest search sent; older answers are dropped
let controller = null;   // aborts the search in flight when a newer one starts
let selected = -1;       // the hit chosen with the arrow keys
let typing = null;
let lastHits = [];
let composing = false;   // an input method is composing: its letters are not the query yet
let resultsScroll = 0;   // where the results were scrolled when an article was opened

function readState() {
  const p = new URLSearchParams(location.search);
  return {
    q: p.get("q") || "",
    category: p.getAll("category"),
    tag: p.getAll("tag"),
    author: p.getAll("author"),
    since: p.get("since") || "",
    until: p.get("until") || "",
    sort: p.get("sort") || "relevance",
    page: Math.max(1, parseInt(p.get("page") || "1", 10) || 1),
    article: p.get("article") || "",
  };
}

function stateUrl(s) {
  const p = new URLSearchParams();
  if (token) p.set("token", token);
  if (s.q) p.set("q", s.q);
  for (const [name, value] of valueFilterParams(s)) p.append(name, value);
  if (s.since) p.set("since", s.since);
  if (s.until) p.set("until", s.until);
  if (s.sort !== "relevance") p.set("sort", s.sort);
  if (s.page > 1) p.set("page", String(s.page));
  if (s.article) p.set("article", s.article);
  const query = p.toString();
  return query ? "/?" + query : "/";
}

function go(changes, push) {
  state = Object.assign({}, state, changes);
  const url = stateUrl(state);
  if (push) history.pushState(null, "", url); else history.replaceState(null, "", url);
  show();
}

// `signal` aborts the request (by default the search in flight's: a newer search drops it).
async function api(path, params, signal = controller ? controller.signal : undefined) {
  const url = new URL(path, location.origin);
  for (const [name, value] of params || []) url.searchParams.append(name, value);
  const headers = token ? { Authorization: "Bearer " + token } : {};
  const response = await fetch(url, { headers, signal });
  const body = await response.json();
  if (!response.ok) {
    const error = new Error(body.building ? buildingText(body.building) : body.error || response.statusText);
    error.building = Boolean(body.building);
    error.position = body.position;
    throw error;
  }
  return body;
}

// While `serve --watch` builds the first index, how far it has come.
function buildingText(building) {
  const of = building.files ? ` / ${building.files.toLocaleString("zh-CN")}` : "";
  return `正在建立索引：已读 ${building.read.toLocaleString("zh-CN")}${of} 篇，稍后自动刷新`;
}

// How long the page waits before asking again while the index is being built, in ms.
const BUILDING_RETRY_MS = 2000;

// Text with the character ranges `ranges` ([[start, end], …], in code points) marked.
function marked(text, ranges) {
  const fragment = document.createDocumentFragment();
  const chars = Array.from(text || "");
  let at = 0;
  for (const [start, end] of ranges || []) {
    if (start < at || end > chars.length) continue;
    fragment.append(chars.slice(at, start).join(""));
    const mark = document.createElement("mark");
    mark.textContent = chars.slice(start, end).join("");
    fragment.append(mark);
    at = end;
  }
  fragment.append(chars.slice(at).join(""));
  return fragment;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function metaLine(item) {
  const parts = [];
  if (item.date) parts.push(item.date.slice(0, 10));
  else if (item.date_without_year) parts.push(item.date_without_year.slice(0, 5) + "（年份不明）");
  if (item.categories && item.categories.length) parts.push(item.categories.join(" / "));
  if (item.author) parts.push(item.author);
  return parts.join(" · ");
}

function articleUrl(id) {
  return stateUrl(Object.assign({}, state, { article: id }));
}

function hitItem(hit) {
  const li = element("li");
  const link = element("a", "title");
  link.href = articleUrl(hit.id);
  link.append(marked(hit.title || hit.id, hit.title_highlights));
  link.addEventListener("click", (event) => {
    event.preventDefault();
    go({ article: hit.id }, true);
  });
  li.append(link, element("p", "meta", metaLine(hit)));
  if (hit.partial) {
    // A keyword search's hit that lacks some of its words (not in the count).
    li.classList.add("partial");
    li.append(element("p", "partial-note", "只包含部分词语"));
  }
  const snippet = element("p", "snippet");
  snippet.append(marked(hit.snippet, hit.highlights));
  li.append(snippet);
  if (hit.duplicates && hit.duplicates.length) li.append(...tellings(hit.duplicates));
  return li;
}

// The other tellings of a story folded into a hit: a button that lists them in place
// (title, date, source; each opens as an article).
function tellings(ids) {
  const button = element("button", "duplicates", `+${ids.length} 篇相似报道`);
  button.type = "button";
  button.setAttribute("aria-expanded", "false");
  const list = element("ul", "tellings");
  list.hidden = true;
  button.addEventListener("click", async () => {
    const open = list.hidden;
    list.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
    if (!open || list.children.length) return;
    for (const id of ids) {
      const item = element("li");
      const link = element("a", "", id);
      link.href = articleUrl(id);
      link.addEventListener("click", (event) => {
        event.preventDefault();
        go({ article: id }, true);
      });
      item.append(link);
      list.append(item);
      try {
        const article = await api("/api/articles/" + encodeURIComponent(id), []);
        link.textContent = article.title || id;
        item.append(element("span", "meta", " " + metaLine(article)));
      } catch (error) {
        item.append(element("span", "meta", " " + error.message));
      }
    }
  });
  return [button, list];
}

// The query as searched: a quote or bracket still open at the end of what is being typed is
// closed, so typing `暴雨 "京津` searches the phrase so far instead of flashing an error.
function closedQuery(q) {
  let text = q;
  if ((text.match(/"/g) || []).length % 2 === 1) text += '"';
  let depth = 0;
  let quoted = false;
  for (const c of text) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === "(") depth += 1;
    else if (!quoted && c === ")" && depth > 0) depth -= 1;
  }
  return text + ")".repeat(depth);
}

// Words of the archive holding a word of the query, searched too because the query found
// few articles as typed: each a link to the query with that word in place of the one inside it.
function showSuggestions(matching) {
  const box = $("suggest");
  const words = (matching && matching.suggestions) || [];
  box.hidden = !words.length;
  if (!words.length) return;
  const parts = state.q.trim().split(/\s+/);
  const links = words.map((word) => {
    const q = parts.map((part) => (word.includes(part) ? word : part)).join(" ");
    const link = element("a", "suggestion", word);
    link.href = stateUrl(Object.assign({}, state, { q, page: 1, article: "" }));
    return link;
  });
  box.replaceChildren("您要找的是：");
  links.forEach((link, i) => box.append(...(i ? ["、", link] : [link])));
  box.append("？（已一并搜索）");
}

// The results area without hits: the message (and what to try), no pager. `kind` is
// "error" (the query cannot run) or "empty" (it ran and found nothing).
function showNoHits(message, tries, kind = "error") {
  lastHits = [];
  selected = -1;
  $("hits").replaceChildren();
  $("summary").textContent = "";
  $("relaxed").hidden = true;
  $("suggest").hidden = true;
  document.querySelector(".pager").hidden = true;
  if (kind === "error") {
    // The counts of another query's hits would be stale too.
    clearFacets();
  }
  const box = $("error");
  box.className = kind;
  box.replaceChildren(element("span", "", message));
  for (const [label, change] of tries || []) {
    const button = element("button", "try", label);
    button.type = "button";
    button.addEventListener("click", () => go(change, true));
    box.append(" ", button);
  }
  box.hidden = false;
}

async function search() {
  const mine = ++sequence;
  // Until the results are drawn there is nothing they could be older than.
  knownArticles = null;
  $("fresh").hidden = true;
  if (controller) controller.abort();
  controller = new AbortController();
  const params = [["q", closedQuery(state.q)], ["limit", String(PAGE_SIZE)],
    ["offset", String((state.page - 1) * PAGE_SIZE)], ["facets", "1"], ["sort", state.sort]];
  params.push(...valueFilterParams(state));
  if (state.since) params.push(["since", state.since]);
  if (state.until) params.push(["until", state.until]);
  const others = facetSearches(params);
  let body;
  try {
    const [found, ...counted] = await Promise.all([api("/api/search", params),
      ...others.map(([, p]) => api("/api/search", p).catch(() => null))]);
    body = found;
    counted.forEach((answer, i) => {
      if (!answer || !answer.facets || !body.facets) return;
      for (const key of others[i][0]) body.facets[key] = answer.facets[key];
    });
  } catch (error) {
    if (mine !== sequence || error.name === "AbortError") return;
    if (error.building) {
      showNoHits(error.message);
      setTimeout(() => {
        if (mine === sequence) {
          search();
          showStatus();
        }
      }, BUILDING_RETRY_MS);
    } else {
      const at = error.position ? `（第 ${error.position} 个字符处）` : "";
      const message = error.message.replace(/^query: /, "").replace(/ \(at character \d+\)$/, "");
      showNoHits(`查询写法有误${at}：${message}`);
    }
    return;
  }
  if (mine !== sequence) return;
  // The size of the index that answered: what /healthz is compared with.
  knownArticles = body.archive.articles;
  $("error").hidden = true;
  document.querySelector(".pager").hidden = false;
  renderResults(body);
}

function renderResults(body) {
  // When the page first drew results, in ms from the start of its navigation (for
  // scripts/bench).
  const root = document.documentElement;
  if (!root.dataset.firstResultsMs) root.dataset.firstResultsMs = performance.now().toFixed(1);
  const s = body.summary;
  const partial = body.hits.filter((hit) => hit.partial).length;
  const counted = s.returned - partial;
  const shown = counted ? `第 ${s.offset + 1}–${s.offset + counted} 条，` : "";
  const more = partial ? `，另有 ${partial} 篇只包含部分词语` : "";
  const folded = body.hits.reduce((n, hit) => n + ((hit.duplicates || []).length), 0);
  const stories = folded ? `（本页 ${counted} 个报道，另合并了 ${folded} 篇相似报道）` : "";
  $("summary").textContent = `${shown}共 ${s.total.toLocaleString("zh-CN")} 篇${stories}${more} · ${s.took_ms.toFixed(1)} 毫秒`;
  // A keyword query no article held whole: say which words the hits lack.
  const m = s.matching;
  const relaxed = $("relaxed");
  const dropped = m && m.dropped && m.dropped.length;
  relaxed.hidden = !(dropped || (m && m.read_as_text));
  if (dropped) {
    const every = m.required.concat(m.dropped).join("、");
    relaxed.textContent = `没有文章同时包含 ${every}，显示包含 ${m.required.join("、")} 的结果`;
  } else if (!relaxed.hidden) {
    // Pasted text full of quotation marks and signs, or one the query language cannot
    // read: searched as plain text.
    relaxed.textContent = "查询中的引号、符号等无法按查询语法读取，已按普通文本搜索";
  }
  if (!body.hits.length && !s.total) {
    const tries = [];
    const filtered = valueFilterParams(state).length || state.since || state.until;
    const none = { category: [], tag: [], author: [], since: "", until: "", page: 1 };
    if (filtered) tries.push(["清除筛选条件", none]);
    // Quotes as typed on either keyboard: "…", or “…” and ＂…＂ from a Chinese input method.
    const unquoted = state.q.replace(/["“”＂]/g, "");
    if (unquoted !== state.q) tries.push(["去掉引号", { q: unquoted, page: 1 }]);
    const words = unquoted.trim().split(/\s+/);
    if (words.length > 1) tries.push([`只搜“${words[0]}”`, { q: words[0], page: 1 }]);
    const hint = tries.length ? "可以试试：" : "可以换用更少或更短的词语。";
    showNoHits(`没有找到${state.q ? `与「${state.q}」相关的` : ""}文章。${hint}`, tries, "empty");
    renderFacets(body.facets);
    return;
  }
  showSuggestions(m);
  lastHits = body.hits;
  selected = -1;
  $("hits").replaceChildren(...body.hits.map(hitItem));
  const pages = Math.max(1, Math.ceil(s.total / PAGE_SIZE));
  $("page").textContent = `${state.page} / ${pages}`;
  $("prev").disabled = state.page <= 1;
  $("next").disabled = state.page >= pages;
  renderFacets(body.facets);
}

async function showArticle() {
  if (!$("results").hidden) resultsScroll = window.scrollY;
  document.querySelector("main").classList.add("reading");
  $("results").hidden = true;
  $("filters").hidden = true;
  $("article").hidden = false;
  if (controller) controller.abort();
  controller = new AbortController();
  const id = state.article;
  try {
    const article = await api("/api/articles/" + encodeURIComponent(id), [["q", state.q]]);
    if (state.article !== id) return;
    $("article-title").replaceChildren(marked(article.title || article.id, article.title_highlights));
    $("article-meta").textContent = metaLine(article);
    const link = $("article-link");
    const safe = article.link && /^https?:\/\//i.test(article.link);
    link.hidden = !safe;
    if (safe) link.href = article.link;
    $("article-body").replaceChildren(marked(article.body, article.body_highlights));
    const similar = await api("/api/articles/" + encodeURIComponent(id) + "/similar", [["limit", "5"]]);
    if (state.article !== id) return;
    $("similar").replaceChildren(...similar.hits.map(hitItem));
    document.title = (article.title || article.id) + " · sousuo";
    window.scrollTo(0, 0);
  } catch (error) {
    if (error.name === "AbortError") return;
    $("article-title").textContent = "无法打开文章";
    $("article-meta").textContent = error.message;
    $("article-body").replaceChildren();
    $("similar").replaceChildren();
  }
}

function show() {
  $("q").value = state.q;
  $("sort").value = state.sort;
  $("since").value = state.since;
  $("until").value = state.until;
  if (state.article) {
    showArticle();
    return;
  }
  document.title = state.q ? state.q + " · sousuo" : "sousuo 搜索";
  const reading = document.querySelector("main").classList.contains("reading");
  document.querySelector("main").classList.remove("reading");
  $("results").hidden = false;
  $("filters").hidden = false;
  $("article").hidden = true;
  const scroll = reading ? resultsScroll : 0;
  search().then(() => {
    if (scroll) window.scrollTo(0, scroll);
  });
}

async function showStatus() {
  try {
    const stats = await api("/api/stats", []);
    const dates = (stats.facets && stats.facets.date_range) || [];
    const first = dates[0] ? dates[0].slice(0, 10) : "";
    const last = dates[1] ? dates[1].slice(0, 10) : "";
    const range = first && last ? ` · ${first} 至 ${last}` : "";
    const ingest = stats.last_ingest ? ` · 更新于 ${stats.last_ingest.slice(0, 16).replace("T", " ")}` : "";
    const unknown = stats.dates && stats.dates.year_unknown
      ? ` · ${stats.dates.year_unknown.toLocaleString("zh-CN")} 篇年份不明（不计入日期筛选）` : "";
    $("status").textContent = `${stats.documents.toLocaleString("zh-CN")} 篇文章${range}${ingest}${unknown}`;
  } catch (error) {
    $("status").textContent = error.message;
  }
}

function select(index) {
  const items = $("hits").children;
  if (!items.length) return;
  selected = Math.max(0, Math.min(items.length - 1, index));
  for (let i = 0; i < items.length; i++) items[i].classList.toggle("selected", i === selected);
  items[selected].scrollIntoView({ block: "nearest" });
}

document.addEventListener("DOMContentLoaded", () => {
  $("home").href = stateUrl({ q: "", category: [], tag: [], author: [], since: "", until: "",
    sort: "relevance", page: 1, article: "" });
  // An input method's letters (`x`, `xi`, `xin`…) are not searched; its committed
  // characters are.
  $("q").addEventListener("compositionstart", () => {
    composing = true;
    clearTimeout(typing);
  });
  $("q").addEventListener("compositionend", () => {
    composing = false;
    clearTimeout(typing);
    typing = setTimeout(() => go({ q: $("q").value, page: 1, article: "" }, false), TYPE_DELAY_MS);
  });
  $("q").addEventListener("input", (event) => {
    if (composing || event.isComposing) return;
    clearTimeout(typing);
    typing = setTimeout(() => go({ q: $("q").value, page: 1, article: "" }, false), TYPE_DELAY_MS);
  });
  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(typing);
    go({ q: $("q").value, page: 1, article: "" }, true);
  });
  $("sort").addEventListener("change", () => go({ sort: $("sort").value, page: 1 }, true));
  $("since").addEventListener("change", () => go({ since: $("since").value, page: 1 }, true));
  $("until").addEventListener("change", () => go({ until: $("until").value, page: 1 }, true));
  $("clear-dates").addEventListener("click", () => go({ since: "", until: "", page: 1 }, true));
  $("prev").addEventListener("click", () => go({ page: state.page - 1 }, true));
  $("next").addEventListener("click", () => go({ page: state.page + 1 }, true));
  $("back").addEventListener("click", () => {
    if (history.length > 1) history.back(); else go({ article: "" }, true);
  });
  setUpMonths();
  window.addEventListener("popstate", () => {
    state = readState();
    show();
  });
  document.addEventListener("keydown", (event) => {
    const typingInField = ["INPUT", "SELECT", "TEXTAREA"].includes(document.activeElement.tagName);
    if (event.key === "/" && !typingInField) {
      event.preventDefault();
      $("q").focus();
      $("q").select();
    } else if (event.key === "ArrowDown" && !state.article) {
      event.preventDefault();
      select(selected + 1);
    } else if (event.key === "ArrowUp" && !state.article) {
      event.preventDefault();
      select(selected - 1);
    } else if (event.key === "Enter" && selected >= 0 && !state.article && lastHits[selected]) {
      event.preventDefault();
      go({ article: lastHits[selected].id }, true);
    } else if (event.key === "Escape" && state.article) {
      go({ article: "" }, true);
    }
  });
  $("show-filters").addEventListener("click", () => {
    const open = document.querySelector("main").classList.toggle("filtering");
    $("show-filters").setAttribute("aria-expanded", String(open));
  });
  // Once the page is scrolled, a phone's header keeps only the brand, the box and 筛选.
  window.addEventListener("scroll", () => {
    document.querySelector("header").classList.toggle("scrolled", window.scrollY > 0);
  }, { passive: true });
  showStatus();
  show();
  setInterval(checkFresh, FRESH_EVERY_MS);
});

// How often an open page asks whether the archive changed (`/healthz`: a count, well under
// a millisecond to answer; not while the page is hidden).
const FRESH_EVERY_MS = 2000;
let knownArticles = null; // the size of the index that answered the shown results
let noticeFor = null; // the article count the notice on screen was drawn for

// A notice when articles arrived since the results were drawn; nothing moves until the
// reader asks for them. The notice is redrawn only when the count changes, so a reader
// (or a keyboard's focus) on its button keeps it.
async function checkFresh() {
  if (document.hidden || knownArticles === null) return;
  let health;
  try {
    health = await api("/healthz", [], null);
  } catch (error) {
    return;
  }
  const box = $("fresh");
  if (health.status !== "ok" || knownArticles === null || health.articles === knownArticles) {
    box.hidden = true;
    noticeFor = null;
    return;
  }
  if (!box.hidden && noticeFor === health.articles) return;
  noticeFor = health.articles;
  const added = health.articles - knownArticles;
  const show = element("button", "", "显示");
  show.type = "button";
  show.addEventListener("click", () => {
    knownArticles = health.articles;
    noticeFor = null;
    box.hidden = true;
    if (!state.article) search();
    showStatus();
  });
  box.replaceChildren(added > 0 ? `有 ${added} 篇新文章 · ` : "文章有更新 · ", show);
  box.hidden = false;
}
