// Ledger Guard's dashboard: reads GET /status about once a second and GET /alerts with /alerts/stream, and changes
// nothing. With admin tokens configured it sends the viewer token it is given (kept for this tab only).
"use strict";

const POLL_MS = 1000;
const POINTS_MAX = 600;
const ALERTS_SHOWN_MAX = 500;
const TOKEN_KEY = "ledger-guard-token";
// Alerts that accompany a kill switch or a refusal of money: their rows stand out.
const SEVERE = new Set(["RESERVE_COVER_BREACH", "CUSTODY_DRIFT", "KILL_SWITCH_ENGAGED", "SANITY_CAP",
  "REVERSAL_SHORTFALL", "GUARD_STOPPED", "ATTESTATION_STALE", "UNAUTHORIZED", "OUTFLOW_VELOCITY"]);

const series = new Map();   // asset code -> {times, obligations, holdings, headroom, coverage, charts}
const alerts = [];          // newest last
const alertKeys = new Set(); // of those in alerts: the stream and /alerts may both bring one
let authFailed = false;

function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

function headers() {
  const value = token();
  return value ? { "Authorization": "Bearer " + value } : {};
}

function byId(id) {
  return document.getElementById(id);
}

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) {
    node.textContent = text;
  }
  if (className) {
    node.className = className;
  }
  return node;
}

function cell(row, text, className) {
  row.appendChild(element("td", text, className));
}

function amount(minorUnits, scale) {
  if (minorUnits === null || minorUnits === undefined) {
    return "-";
  }
  if (!scale) {
    return Number(minorUnits).toLocaleString("en-US");
  }
  const negative = minorUnits < 0;
  const digits = String(Math.abs(minorUnits)).padStart(scale + 1, "0");
  const whole = Number(digits.slice(0, digits.length - scale)).toLocaleString("en-US");
  return (negative ? "-" : "") + whole + "." + digits.slice(digits.length - scale);
}

function coverage(bps) {
  return bps < 0 ? "no obligations" : (bps / 100).toFixed(2) + "%";
}

function duration(ms) {
  if (ms === null || ms === undefined) {
    return "never";
  }
  const seconds = Math.floor(ms / 1000);
  if (seconds < 120) {
    return seconds + " s";
  }
  if (seconds < 7200) {
    return Math.floor(seconds / 60) + " min";
  }
  return Math.floor(seconds / 3600) + " h";
}

function when(epochMs) {
  return epochMs ? new Date(epochMs).toISOString().replace("T", " ").replace("Z", " UTC") : "-";
}

function askForToken(message) {
  authFailed = true;
  byId("token-form").hidden = false;
  byId("token-error").textContent = message;
}

async function getJson(path) {
  const response = await fetch(path, { headers: headers(), cache: "no-store" });
  if (response.status === 401 || response.status === 403) {
    askForToken(path + " answered " + response.status + ": a viewer token is needed");
    throw new Error("unauthorised");
  }
  if (!response.ok) {
    throw new Error(path + " answered " + response.status);
  }
  return response.json();
}

// --- Status ---------------------------------------------------------------------------------------------------------

// Refused for want of a token, the page stops asking until one is given (the server logs every refusal).
async function poll() {
  try {
    const status = await getJson("/status");
    byId("token-form").hidden = true;
    render(status);
  } catch (error) {
    if (!authFailed) {
      banner("unknown", "No reading of /status: " + error.message);
    }
  } finally {
    if (!authFailed) {
      setTimeout(poll, POLL_MS);
    } else {
      banner("unknown", "Waiting for a viewer token");
    }
  }
}

function banner(kind, text) {
  const node = byId("banner");
  node.className = "banner " + kind;
  node.textContent = text;
}

function render(status) {
  byId("sequenced").textContent = Number(status.sequenced).toLocaleString("en-US");
  byId("connections").textContent = status.connections;
  byId("updated").textContent = new Date().toLocaleTimeString();
  // Without a consistent reading of the state (stateUnavailable) the switches in force are unknown, not none.
  const known = Boolean(status.killSwitches && status.killSwitches.engaged);
  const switches = known ? status.killSwitches.engaged : [];
  renderBanner(status, switches);
  renderKillSwitches(status.killSwitches || {}, switches, known);
  renderAssets(status.assets, switches);
  renderTables(status.tables || []);
  renderJournal(status.journal || {});
}

function renderBanner(status, switches) {
  const problems = [];
  for (const engaged of switches) {
    problems.push("KILL SWITCH " + engaged.scope + (engaged.asset ? " " + engaged.asset : "") +
      (engaged.walletId ? " wallet " + engaged.walletId : "") + " (" + engaged.cause + ")");
  }
  for (const asset of status.assets) {
    if (asset.coverageBps >= 0 && asset.coverageBps < 10000) {
      problems.push(asset.asset + " COVERAGE " + coverage(asset.coverageBps));
    }
  }
  if (status.stateUnavailable) {
    banner("alarm", "STATE UNAVAILABLE: " + status.stateUnavailable);
  } else if (problems.length > 0) {
    banner("alarm", problems.join(" \u00b7 "));
  } else if (status.assets.some(asset => asset.status !== "NORMAL")) {
    banner("warn", status.assets.filter(asset => asset.status !== "NORMAL")
      .map(asset => asset.asset + " " + asset.status).join(" \u00b7 "));
  } else if (!status.ready) {
    banner("warn", "Not ready yet: the guard is starting or recovering");
  } else {
    banner("ok", "Every asset covered; no kill switch engaged");
  }
}

function renderKillSwitches(killSwitches, switches, known) {
  const body = byId("kill-switches").tBodies[0];
  body.replaceChildren();
  const now = Date.now();
  for (const engaged of switches) {
    const row = element("tr", null, "engaged");
    row.dataset.scope = engaged.scope;
    row.dataset.asset = engaged.asset || "";
    cell(row, engaged.scope);
    cell(row, engaged.asset || "-");
    cell(row, engaged.walletId || "-");
    cell(row, engaged.cause);
    cell(row, when(engaged.sinceMs));
    cell(row, duration(now - engaged.sinceMs));
    cell(row, engaged.liftedBy);
    body.appendChild(row);
  }
  byId("no-kill-switches").hidden = switches.length > 0;
  byId("no-kill-switches").textContent = known ? "None engaged." : "Unknown: no consistent reading of the state.";
  byId("frozen-accounts").textContent = killSwitches.frozenAccounts === undefined ? "-" :
    killSwitches.frozenAccounts;
}

function renderAssets(assets, switches) {
  const container = byId("assets");
  const now = Date.now() / 1000;
  for (const asset of assets) {
    let card = byId("asset-" + asset.asset);
    if (!card) {
      card = newAssetCard(asset.asset);
      container.appendChild(card);
      // Once in the page, where the charts can take the card's width.
      series.set(asset.asset, newSeries(card.querySelector(".charts")));
      addFilterOption("filter-asset", asset.asset);
    }
    const outflowsHalted = switches.some(s => s.scope === "ASSET_OUTFLOWS" && s.asset === asset.asset);
    const under = asset.coverageBps >= 0 && asset.coverageBps < 10000;
    const alarm = asset.status === "HALTED" || outflowsHalted || under;
    card.className = "asset" + (alarm ? " alarm" : asset.status !== "NORMAL" ? " warn" : "");
    card.dataset.status = asset.status;
    card.dataset.outflowsHalted = String(outflowsHalted);
    const badges = card.querySelector(".badges");
    badges.replaceChildren(element("span", asset.status, "badge " + asset.status));
    if (outflowsHalted) {
      badges.appendChild(element("span", "OUTFLOWS HALTED", "badge OUTFLOWS_HALTED"));
    }
    const figures = card.querySelector(".figures");
    figures.replaceChildren(
      figure("obligations", amount(asset.obligations, asset.scale)),
      figure("holdings", amount(asset.holdings, asset.scale)),
      figure("headroom", amount(asset.headroom, asset.scale), asset.headroom < 0 ? "under" : null),
      figure("coverage", coverage(asset.coverageBps), under ? "under" : null),
      figure("attestation age", duration(asset.attestationAgeMs)));
    renderWallets(card.querySelector("table.wallets").tBodies[0], asset);
    record(asset, now);
  }
}

function figure(label, value, className) {
  const node = element("div", label);
  node.appendChild(element("b", value, className));
  return node;
}

function newAssetCard(code) {
  const card = element("div", null, "asset");
  card.id = "asset-" + code;
  const title = element("h3", code);
  title.appendChild(element("span", null, "badges"));
  card.appendChild(title);
  card.appendChild(element("div", null, "figures"));
  const charts = element("div", null, "charts");
  card.appendChild(charts);
  const wallets = element("table", null, "grid wallets");
  wallets.innerHTML = "<thead><tr><th>wallet</th><th>kind</th><th>attested</th><th>expected now</th>" +
    "<th>pending out</th><th>last attested</th><th>last drift</th><th>halted</th></tr></thead><tbody></tbody>";
  const scroll = element("div", null, "scroll");
  scroll.appendChild(wallets);
  card.appendChild(scroll);
  return card;
}

// Attested against expected: between attestations expected moves with inflows and settlements, so the drift shown
// is the guard's own (SPEC 5.2), from the last CUSTODY_DRIFT alert; highlighted while it is the wallet's latest
// attestation.
function renderWallets(body, asset) {
  body.replaceChildren();
  for (const wallet of asset.wallets || []) {
    const row = element("tr");
    row.dataset.walletId = wallet.walletId;
    cell(row, wallet.walletId);
    cell(row, wallet.kind);
    cell(row, wallet.attestedAtMs === null ? "never" : amount(wallet.attested, asset.scale), "num");
    cell(row, amount(wallet.expected, asset.scale), "num");
    cell(row, amount(wallet.pendingWithdrawals, asset.scale), "num");
    cell(row, wallet.attestedAtMs === null ? "never" : duration(wallet.attestationAgeMs) + " ago");
    const drift = wallet.lastDrift;
    const driftCell = element("td", drift ? amount(drift.attested - drift.expected, asset.scale) +
      " (attested " + amount(drift.attested, asset.scale) + ", expected " + amount(drift.expected, asset.scale) +
      ") at " + when(drift.atMs) : "none", wallet.driftAtLastAttestation ? "drift" : null);
    driftCell.dataset.drift = wallet.driftAtLastAttestation ? "current" : drift ? "earlier" : "none";
    row.appendChild(driftCell);
    cell(row, wallet.halted ? "HALTED" : "no", wallet.halted ? "halted" : null);
    body.appendChild(row);
  }
}

// --- Charts ---------------------------------------------------------------------------------------------------------

function newSeries(container) {
  // The charts share the card's width, two thirds for the amounts.
  const width = Math.max(560, container.clientWidth || 560);
  const data = { times: [], obligations: [], holdings: [], headroom: [], coverage: [], charts: [] };
  if (typeof uPlot === "undefined") {
    container.appendChild(element("p", "charts unavailable: uPlot did not load", "quiet"));
    return data;
  }
  const amounts = new uPlot({
    width: Math.floor(width * 0.62), height: 170, legend: { live: false },
    title: "obligations, holdings, headroom",
    series: [{}, { label: "obligations", stroke: "#b42318" }, { label: "holdings", stroke: "#039855" },
      { label: "headroom", stroke: "#2e90fa" }],
    axes: [{}, { size: 128 }],
  }, [[], [], [], []], container);
  const cover = new uPlot({
    width: Math.floor(width * 0.34), height: 170, title: "coverage %", legend: { live: false },
    series: [{}, { label: "coverage", stroke: "#6941c6" }],
    axes: [{}, { size: 62 }],
  }, [[], []], container);
  data.charts.push(amounts, cover);
  return data;
}

function record(asset, now) {
  const data = series.get(asset.asset);
  const scale = Math.pow(10, asset.scale || 0);
  data.times.push(now);
  data.obligations.push(asset.obligations / scale);
  data.holdings.push(asset.holdings / scale);
  data.headroom.push(asset.headroom / scale);
  data.coverage.push(asset.coverageBps < 0 ? null : asset.coverageBps / 100);
  if (data.times.length > POINTS_MAX) {
    for (const key of ["times", "obligations", "holdings", "headroom", "coverage"]) {
      data[key].shift();
    }
  }
  if (data.charts.length === 2) {
    data.charts[0].setData([data.times, data.obligations, data.holdings, data.headroom]);
    data.charts[1].setData([data.times, data.coverage]);
  }
}

// --- Tables and journal ---------------------------------------------------------------------------------------------

function renderTables(tables) {
  const body = byId("tables").tBodies[0];
  body.replaceChildren();
  for (const table of tables) {
    const row = element("tr");
    row.dataset.table = table.table;
    cell(row, table.table);
    cell(row, Number(table.entries).toLocaleString("en-US"), "num");
    cell(row, Number(table.limit).toLocaleString("en-US"), "num");
    const used = table.limit > 0 ? Math.min(100, 100 * table.entries / table.limit) : 0;
    const bar = element("div", null, "bar" + (table.full ? " full" : table.warned ? " warn" : ""));
    const fill = element("span");
    fill.style.width = used.toFixed(1) + "%";
    bar.appendChild(fill);
    bar.title = used.toFixed(1) + "%";
    const usedCell = element("td");
    usedCell.appendChild(bar);
    row.appendChild(usedCell);
    body.appendChild(row);
  }
}

function renderJournal(journal) {
  byId("journal-lag").textContent = journal.lag === undefined ? "-" : journal.lag;
  byId("chain-head").textContent = journal.chainHead || (journal.chainHeadSeq === -1 ?
    "no chain (in-memory journal)" : "not read: the journal was writing");
  const seq = journal.chainHeadSeq;
  byId("chain-head-seq").textContent = seq === null || seq === undefined || seq < 0 ? "-" : seq;
}

// --- Alerts ---------------------------------------------------------------------------------------------------------

function addFilterOption(selectId, value) {
  const select = byId(selectId);
  if (![...select.options].some(option => option.value === value)) {
    select.appendChild(element("option", value)).value = value;
  }
}

// One command may raise two alerts of a type and scope (an asset's switch and its outflows' switch): only the figures
// tell them apart, so the key is the whole alert.
function alertKey(alert) {
  return JSON.stringify(alert);
}

function addAlert(alert) {
  const key = alertKey(alert);
  if (alertKeys.has(key)) {
    return;
  }
  alerts.push(alert);
  alertKeys.add(key);
  if (alerts.length > ALERTS_SHOWN_MAX) {
    alertKeys.delete(alertKey(alerts.shift()));
  }
  addFilterOption("filter-type", alert.type);
  if (alert.asset) {
    addFilterOption("filter-asset", alert.asset);
  }
}

function renderAlerts() {
  const type = byId("filter-type").value;
  const asset = byId("filter-asset").value;
  const body = byId("alerts").tBodies[0];
  body.replaceChildren();
  let shown = 0;
  for (let i = alerts.length - 1; i >= 0; i--) {
    const alert = alerts[i];
    if ((type && alert.type !== type) || (asset && alert.asset !== asset)) {
      continue;
    }
    const row = element("tr", null, SEVERE.has(alert.type) ? "severe" : null);
    row.dataset.type = alert.type;
    row.dataset.asset = alert.asset || "";
    cell(row, when(alert.atMs));
    cell(row, alert.type);
    cell(row, alert.scope);
    cell(row, alert.asset || "-");
    cell(row, alert.walletId || alert.accountId || "-");
    cell(row, alert.seq);
    cell(row, Object.entries(alert.figures || {}).map(([name, value]) => name + "=" + value).join(", "));
    body.appendChild(row);
    shown++;
  }
  byId("alerts-count").textContent = "(" + shown + " shown of " + alerts.length + ")";
}

// The latest alerts the server kept, in order: those raised before the stream was open, or while it was lost.
async function loadAlerts() {
  const recent = await getJson("/alerts");
  for (const alert of recent.alerts) {
    addAlert(alert);
  }
  alerts.sort((a, b) => a.seq - b.seq);
  renderAlerts();
}

// Server-sent events read through fetch, which can send the token (EventSource cannot). Once the stream is open, the
// alerts kept so far are read too; what the stream then brings is added after them.
async function streamAlerts() {
  try {
    const response = await fetch("/alerts/stream", { headers: headers(), cache: "no-store" });
    if (response.status === 401 || response.status === 403) {
      askForToken("/alerts/stream answered " + response.status + ": a viewer token is needed");
      return;
    }
    if (!response.ok) {
      throw new Error("/alerts/stream answered " + response.status);
    }
    await loadAlerts();
    byId("stream-state").textContent = "live";
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffered = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        break;
      }
      buffered += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffered.indexOf("\n\n")) >= 0) {
        const event = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const data = event.split("\n").filter(line => line.startsWith("data:"))
          .map(line => line.slice(5).trim()).join("\n");
        if (data) {
          addAlert(JSON.parse(data));
          renderAlerts();
        }
      }
    }
    byId("stream-state").textContent = "stream closed; reconnecting";
  } catch (error) {
    byId("stream-state").textContent = "stream lost (" + error.message + "); reconnecting";
  }
  if (!authFailed) {
    setTimeout(streamAlerts, 2 * POLL_MS);
  }
}

function start() {
  byId("token-form").addEventListener("submit", event => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, byId("token").value);
    byId("token-error").textContent = "";
    location.reload();
  });
  byId("filter-type").addEventListener("change", renderAlerts);
  byId("filter-asset").addEventListener("change", renderAlerts);
  poll();
  streamAlerts();
}

document.addEventListener("DOMContentLoaded", start);
