// sousuo's search page, the filters column: the value facets (categories, tags, authors:
// the most frequent first, the rest behind 更多, each toggle in the URL) and the month
// histogram. Loaded before app.js, whose state, go() and element() these use.
"use strict";

// The value facets: the URL and API parameter, the list it is drawn in, the facet's key in
// the API's answer.
const VALUE_FACETS = [
  { param: "category", list: "categories", key: "categories" },
  { param: "tag", list: "tags", key: "tags" },
  { param: "author", list: "authors", key: "authors" },
];
// Values listed before 更多.
const FACET_TOP = 8;
const expandedFacets = new Set(); // the facets whose every value is shown
let dragFrom = null;              // month bar where a drag started

// The request parameters of the state's value filters.
function valueFilterParams(s) {
  const params = [];
  for (const facet of VALUE_FACETS) {
    for (const value of s[facet.param]) params.push([facet.param, value]);
  }
  return params;
}

// The searches that count the facets a filter is picked in without that filter (picking a
// value must not hide the others: values of one field are alternatives, and the histogram
// keeps its months while some are picked). Each is [the facet keys it answers, params].
function facetSearches(params) {
  const searches = [];
  const without = (names) => params.filter(([k]) => !names.includes(k) && k !== "limit")
    .concat([["limit", "0"]]);
  for (const facet of VALUE_FACETS) {
    if (state[facet.param].length) searches.push([[facet.key], without([facet.param])]);
  }
  if (state.since || state.until) searches.push([["months"], without(["since", "until"])]);
  return searches;
}

function renderFacets(facets) {
  if (!facets) return;
  for (const facet of VALUE_FACETS) renderValueFacet(facet, facets[facet.key] || []);
  renderMonths(everyMonth(facets.months));
}

// One field's values as toggles: the picked ones and the FACET_TOP most frequent, the rest
// behind a 更多 button; the section is hidden when the matches have no value for it.
function renderValueFacet(facet, counts) {
  const picked = state[facet.param];
  const list = $(facet.list);
  list.closest("section").hidden = !counts.length && !picked.length;
  const expanded = expandedFacets.has(facet.param);
  const shown = expanded ? counts
    : counts.filter((c, i) => i < FACET_TOP || picked.includes(c.value));
  const items = shown.map((c) => {
    const li = element("li");
    const button = element("button");
    button.type = "button";
    button.setAttribute("aria-pressed", String(picked.includes(c.value)));
    button.append(element("span", "name", c.value), element("span", "count", c.count.toLocaleString("zh-CN")));
    button.addEventListener("click", () => {
      const on = picked.includes(c.value);
      go({ [facet.param]: on ? picked.filter((x) => x !== c.value) : picked.concat([c.value]), page: 1 }, true);
    });
    li.append(button);
    return li;
  });
  const hidden = counts.length - shown.length;
  if (hidden > 0 || expanded && counts.length > FACET_TOP) {
    const more = element("button", "more", expanded ? "收起" : `更多（${hidden.toLocaleString("zh-CN")}）`);
    more.type = "button";
    more.setAttribute("aria-expanded", String(expanded));
    more.addEventListener("click", () => {
      if (expanded) expandedFacets.delete(facet.param); else expandedFacets.add(facet.param);
      renderValueFacet(facet, counts);
      list.querySelector(".more").focus();
    });
    const li = element("li");
    li.append(more);
    items.push(li);
  }
  list.replaceChildren(...items);
}

// Clears every facet's counts (under an error they would be another query's).
function clearFacets() {
  for (const facet of VALUE_FACETS) $(facet.list).replaceChildren();
  $("months").replaceChildren();
  $("months-range").textContent = "";
}

// Every month from the first to the last with articles, the empty ones with count 0.
function everyMonth(counted) {
  const months = counted.slice().sort((a, b) => a.value.localeCompare(b.value));
  if (!months.length) return [];
  const count = new Map(months.map((m) => [m.value, m.count]));
  const all = [];
  let [year, month] = months[0].value.split("-").map(Number);
  const last = months[months.length - 1].value;
  for (let value = ""; value !== last && all.length < 1200; month++) {
    if (month > 12) { year++; month = 1; }
    value = `${year}-${String(month).padStart(2, "0")}`;
    all.push({ value, count: count.get(value) || 0 });
  }
  return all;
}

// The month bars (buttons: Tab reaches the histogram, arrow keys move along it) and their
// labels: years, or months when a year or less is shown.
function renderMonths(months) {
  const most = Math.max(1, ...months.map((m) => m.count));
  const picked = (m) => state.since && state.until
    && m.value >= state.since.slice(0, 7) && m.value <= state.until.slice(0, 7);
  const focusAt = Math.max(0, months.findIndex(picked));
  const bars = months.map((m, i) => {
    const bar = element("button", m.count ? "bar" : "bar empty");
    bar.type = "button";
    bar.style.height = m.count ? Math.max(2, Math.round((m.count / most) * 100)) + "%" : "0";
    bar.title = `${m.value}：${m.count.toLocaleString("zh-CN")} 篇`;
    bar.setAttribute("aria-label", bar.title);
    bar.dataset.month = m.value;
    bar.dataset.index = String(i);
    bar.tabIndex = i === focusAt ? 0 : -1;
    if (picked(m)) {
      bar.classList.add("on");
      bar.setAttribute("aria-pressed", "true");
    }
    return bar;
  });
  $("months").replaceChildren(...bars);
  const short = months.length <= 12;
  $("month-labels").replaceChildren(...months.map((m, i) => {
    const [year, month] = m.value.split("-");
    const text = short ? `${Number(month)}月` : (month === "01" || i === 0 ? year : "");
    return element("span", "", text);
  }));
  $("months-range").textContent = months.length
    ? `${months[0].value} … ${months[months.length - 1].value}（点击或拖动选择）` : "";
}

// Arrow keys move along the bars, Enter or Space picks the month (the button's click),
// Esc clears the dates.
function monthKeys(event) {
  const bar = event.target.closest(".bar");
  if (event.key === "Escape") {
    event.preventDefault();
    go({ since: "", until: "", page: 1 }, true);
    return;
  }
  if (!bar || !["ArrowLeft", "ArrowRight", "Home", "End"].includes(event.key)) return;
  event.preventDefault();
  const bars = [...$("months").children];
  const at = Number(bar.dataset.index);
  const to = { ArrowLeft: at - 1, ArrowRight: at + 1, Home: 0, End: bars.length - 1 }[event.key];
  const next = bars[Math.max(0, Math.min(bars.length - 1, to))];
  bar.tabIndex = -1;
  next.tabIndex = 0;
  next.focus();
}

function pickMonths(from, to) {
  const [a, b] = [from, to].sort();
  go({ since: a, until: b, page: 1 }, true);
}


// The histogram's mouse and keyboard: a click picks a month, a drag a range, Enter or Space
// the focused bar, arrows move, Esc clears.
function setUpMonths() {
  $("months").addEventListener("mousedown", (event) => {
    if (event.target.dataset.month) dragFrom = event.target.dataset.month;
  });
  $("months").addEventListener("mouseup", (event) => {
    if (dragFrom && event.target.dataset.month) pickMonths(dragFrom, event.target.dataset.month);
    dragFrom = null;
  });
  // A click without a mouse (Enter, Space) picks the bar's month.
  $("months").addEventListener("click", (event) => {
    if (event.detail === 0 && event.target.dataset.month) {
      pickMonths(event.target.dataset.month, event.target.dataset.month);
    }
  });
  $("months").addEventListener("keydown", monthKeys);
}
