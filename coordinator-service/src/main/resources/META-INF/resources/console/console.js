// The fedarch console: renders /console/api as tables and inline-SVG charts and keeps them current from the
// server-sent events at /console/api/events. Plain JavaScript, no build step.
'use strict';

const API = 'api';
const SVG = 'http://www.w3.org/2000/svg';
const jobs = new Map();          // jobId -> summary or full detail
let selected = null;             // the job shown below the list
let pinned = false;              // true once the user picked a job: new jobs no longer take over the view
const deadLetters = [];

const $ = id => document.getElementById(id);
const fmt = (v, digits = 4) => v === null || v === undefined ? '–' : (typeof v === 'number' ? +v.toFixed(digits) : v);
const pct = v => v === null || v === undefined ? '–' : (100 * v).toFixed(1) + '%';

async function get(path) {
  const response = await fetch(`${API}/${path}`, {credentials: 'same-origin'});
  if (!response.ok) {
    const error = new Error(`${path}: HTTP ${response.status}`);
    error.status = response.status;
    try { error.detail = (await response.json()).error; } catch (ignored) { /* not JSON */ }
    throw error;
  }
  return response.json();
}

async function start() {
  let list;
  try {
    list = await get('jobs');
  } catch (e) {
    if (e.status === 401) { showLogin(); return; }
    $('unavailable').textContent = e.detail || e.message;
    $('unavailable').hidden = false;
    return;
  }
  $('login').hidden = true;
  $('console').hidden = false;
  list.forEach(j => jobs.set(j.jobId, j));
  const wanted = decodeURIComponent(location.hash.slice(1));
  if (wanted && jobs.has(wanted)) { selected = wanted; pinned = true; } else if (list.length) { selected = list[0].jobId; }
  renderJobs();
  if (selected) { await loadJob(selected); }
  (await get('dead-letters')).forEach(d => deadLetters.push(d));
  renderDeadLetters();
  follow();
}

function showLogin() {
  $('login').hidden = false;
  $('login-form').onsubmit = async event => {
    event.preventDefault();
    const body = new URLSearchParams({token: $('token').value});
    const response = await fetch('login', {method: 'POST', body, credentials: 'same-origin'});
    if (response.ok) { $('token').value = ''; start(); } else {
      let message = `HTTP ${response.status}`;
      try { message = (await response.json()).error; } catch (ignored) { /* keep the status */ }
      $('login-error').textContent = message;
    }
  };
}

function follow() {
  const events = new EventSource(`${API}/events`);
  events.addEventListener('hello', () => { $('stream').textContent = 'live'; $('stream').className = 'stream on'; });
  events.addEventListener('job', e => {
    const job = JSON.parse(e.data);
    jobs.set(job.jobId, job);
    if (!selected || (!pinned && job.jobId !== selected && !jobs.get(selected).rounds)) { selected = job.jobId; }
    renderJobs();
    if (job.jobId === selected) { renderJob(job); }
  });
  events.addEventListener('dead-letter', e => {
    deadLetters.push(JSON.parse(e.data));
    if (deadLetters.length > 500) { deadLetters.shift(); }
    renderDeadLetters();
  });
  events.onerror = () => { $('stream').textContent = 'reconnecting'; $('stream').className = 'stream off'; };
}

async function loadJob(jobId) {
  const job = await get(`jobs/${encodeURIComponent(jobId)}`);
  jobs.set(jobId, job);
  if (jobId === selected) { renderJob(job); }
}

function cells(row, values) {
  values.forEach(v => {
    const td = row.insertCell();
    if (v instanceof Node) { td.appendChild(v); } else { td.textContent = v; }
    if (typeof v === 'string' && isNaN(parseFloat(v))) { td.className = 'text'; }
  });
}

function renderJobs() {
  const body = $('jobs').tBodies[0];
  body.replaceChildren();
  [...jobs.values()].sort((a, b) => b.updatedAt - a.updatedAt).forEach(j => {
    const row = body.insertRow();
    row.className = 'job' + (j.jobId === selected ? ' selected' : '');
    row.dataset.jobId = j.jobId;
    row.dataset.state = j.state;
    const state = document.createElement('span');
    state.className = `state ${j.state}`;
    state.textContent = j.state;
    const closed = j.rounds ? j.rounds.length : j.roundsClosed;
    const last = j.rounds && j.rounds.length ? j.rounds[j.rounds.length - 1].globalValidationAccuracy
      : j.lastGlobalValidationAccuracy;
    cells(row, [j.jobId, j.name || '', j.algorithm || '', state, `${closed} / ${j.totalRounds || '?'}`, pct(last)]);
    row.onclick = () => { selected = j.jobId; pinned = true; location.hash = j.jobId; renderJobs(); loadJob(j.jobId); };
  });
}

function renderJob(job) {
  $('job').hidden = false;
  $('job-id').textContent = job.jobId;
  $('job-state').textContent = job.state;
  $('job-state').className = `state ${job.state}`;
  $('job-meta').textContent = `${job.algorithm} on a ${job.family} model, ${job.totalClients} clients`
    + (job.parentJobId ? `, continues ${job.parentJobId}` : '');
  $('job-failure').textContent = job.failureReason || '';

  const rounds = job.rounds || [];
  lineChart($('accuracy-chart'), [
    {name: 'global model (val.)', color: '#1f6fd1', points: rounds.map(r => [r.round, r.globalValidationAccuracy])},
    {name: 'local models (val.)', color: '#e07b00', points: rounds.map(r => [r.round, r.validationAccuracy])},
  ], [0, 1]);
  lineChart($('loss-chart'), [
    {name: 'train loss', color: '#b0306a', points: rounds.map(r => [r.round, r.trainLoss])},
  ]);
  const roundBody = $('rounds').tBodies[0];
  roundBody.replaceChildren();
  rounds.forEach(r => cells(roundBody.insertRow(), [r.round, `${r.clientsReported} / ${r.clientsSelected}`,
    fmt(r.trainLoss), pct(r.validationAccuracy), pct(r.globalValidationAccuracy), r.roundMs]));

  $('architecture').hidden = !job.alpha && !job.genotypeSvg;
  if (job.alpha) {
    $('alpha-round').textContent = `after round ${job.alphaRound}`;
    const edges = job.alpha.edges.map(e => `${e.edge}: ${e.from}→${e.to}`);
    $('alpha-heatmap').replaceChildren(
      heatmap('normal cell', edges, job.alpha.operations, job.alpha.normal.softmax, 'alpha'),
      heatmap('reduction cell', edges, job.alpha.operations, job.alpha.reduce.softmax, 'alpha'));
  }
  // The cell diagram is the coordinator's own SVG (CellDiagram), made from the α above; it carries no scripts.
  $('genotype').innerHTML = job.genotypeSvg || '';

  const masks = job.masks || [];
  $('masks-section').hidden = masks.length === 0;
  if (masks.length) {
    lineChart($('mask-chart'), [
      {name: 'active', color: '#2a9d46', points: masks.map(m => [m.round, m.activeOperations])},
      {name: 'decaying', color: '#e07b00', points: masks.map(m => [m.round, m.decayingOperations])},
    ], [0, masks[0].totalOperations]);
    const m = job.latestMask;
    const rows = (values, n) => Array.from({length: values.length / n}, (_, i) => values.slice(i * n, (i + 1) * n));
    const edges = Array.from({length: 14}, (_, i) => `edge ${i}`);
    $('mask-heatmap').replaceChildren(
      heatmap(`normal keep factors, round ${m.round}`, edges, m.operations, rows(m.normal, m.operations.length), 'mask'),
      heatmap(`reduction keep factors, round ${m.round}`, edges, m.operations, rows(m.reduce, m.operations.length), 'mask'));
  }

  const clientBody = $('clients').tBodies[0];
  clientBody.replaceChildren();
  [...(job.clientRounds || [])].sort((a, b) => a.round - b.round || a.clientId - b.clientId).forEach(c =>
    cells(clientBody.insertRow(), [c.round, c.clientId, c.workerId, c.sampleCount, fmt(c.trainLoss), pct(c.trainAccuracy),
      fmt(c.validationLoss), pct(c.validationAccuracy), pct(c.globalValidationAccuracy)]));

  const personalized = job.personalized || [];
  $('personalized-section').hidden = personalized.length === 0;
  const pBody = $('personalized').tBodies[0];
  pBody.replaceChildren();
  personalized.forEach(p => cells(pBody.insertRow(), [p.clientId, p.workerId, pct(p.localTestAccuracy),
    fmt(p.localTestLoss), p.localTestSamples]));

  const modelBody = $('models').tBodies[0];
  modelBody.replaceChildren();
  (job.models || []).forEach(m => {
    const row = modelBody.insertRow();
    row.dataset.scope = m.scope;
    const who = m.scope === 'CLIENT' ? `client ${m.clientId}` : m.scope === 'BUDGET' ? `≤ ${m.macsBudget} MACs` : 'global';
    cells(row, [m.scope, who, m.architecture, m.macs.toLocaleString('en'), m.parameterCount.toLocaleString('en'),
      pct(m.testAccuracy), fmt(m.testLoss), m.artifactUri]);
  });
}

function renderDeadLetters() {
  const body = $('dead-letters').tBodies[0];
  body.replaceChildren();
  [...deadLetters].reverse().forEach(d => cells(body.insertRow(), [new Date(d.timestamp).toISOString(), d.service,
    d.sourceTopic, d.jobId || '', d.errorType, d.reason]));
}

function svgElement(name, attributes, text) {
  const element = document.createElementNS(SVG, name);
  Object.entries(attributes).forEach(([k, v]) => element.setAttribute(k, v));
  if (text !== undefined) { element.textContent = text; }
  return element;
}

/** Lines with one circle.point per value; x = round. Null values (unmeasured) are left out. */
function lineChart(svg, series, yRange) {
  const width = 440, height = 220, left = 44, right = 12, top = 24, bottom = 28;
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.replaceChildren();
  const all = series.flatMap(s => s.points).filter(p => p[1] !== null && p[1] !== undefined);
  const xs = all.map(p => p[0]);
  const x0 = Math.min(...xs, 0), x1 = Math.max(...xs, 1);
  let [y0, y1] = yRange || [Math.min(...all.map(p => p[1]), 0), Math.max(...all.map(p => p[1]), 1e-9)];
  if (y1 <= y0) { y1 = y0 + 1; }
  const X = x => left + (x - x0) / (x1 - x0 || 1) * (width - left - right);
  const Y = y => height - bottom - (y - y0) / (y1 - y0) * (height - top - bottom);
  svg.append(svgElement('line', {class: 'axis', x1: left, y1: height - bottom, x2: width - right, y2: height - bottom}),
    svgElement('line', {class: 'axis', x1: left, y1: top, x2: left, y2: height - bottom}));
  for (let i = 0; i <= 4; i++) {
    const y = y0 + (y1 - y0) * i / 4;
    svg.append(svgElement('text', {x: left - 4, y: Y(y) + 3, 'text-anchor': 'end'}, +y.toFixed(3)));
  }
  const step = Math.max(1, Math.ceil((x1 - x0) / 10));
  for (let x = x0; x <= x1; x += step) {
    svg.append(svgElement('text', {x: X(x), y: height - bottom + 14, 'text-anchor': 'middle'}, x));
  }
  svg.append(svgElement('text', {x: width - right, y: height - 2, 'text-anchor': 'end'}, 'round'));
  series.forEach((s, i) => {
    const points = s.points.filter(p => p[1] !== null && p[1] !== undefined);
    if (points.length > 1) {
      svg.append(svgElement('polyline', {fill: 'none', stroke: s.color, 'stroke-width': 2,
        points: points.map(p => `${X(p[0])},${Y(p[1])}`).join(' ')}));
    }
    points.forEach(p => {
      const dot = svgElement('circle', {class: 'point', cx: X(p[0]), cy: Y(p[1]), r: 3.5, fill: s.color});
      dot.append(svgElement('title', {}, `${s.name}, round ${p[0]}: ${fmt(p[1])}`));
      svg.append(dot);
    });
    svg.append(svgElement('rect', {x: left + 8 + i * 150, y: 6, width: 10, height: 10, fill: s.color}),
      svgElement('text', {x: left + 22 + i * 150, y: 15}, s.name));
  });
}

/**
 * Rows × columns of rect.cell. Masks: darker for a larger keep factor in [0, 1]. α: shaded within each edge's row,
 * from its weakest to its strongest operation, because early in a search the softmax weights differ in the third
 * digit and would all look alike on one absolute scale (the exact weight is in each cell's tooltip).
 */
function heatmap(title, rowNames, columnNames, values, kind) {
  const cell = 26, labelW = 70, headerH = 90, titleH = 16, rightPad = 60;
  const width = labelW + columnNames.length * cell + rightPad, height = titleH + headerH + rowNames.length * cell + 4;
  const svg = svgElement('svg', {class: 'heatmap', width, height, viewBox: `0 0 ${width} ${height}`});
  svg.append(svgElement('text', {x: 2, y: 12, 'font-weight': 'bold'}, title));
  columnNames.forEach((name, c) => svg.append(svgElement('text', {x: 0, y: 0,
    transform: `translate(${labelW + c * cell + cell / 2 + 3},${titleH + headerH - 4}) rotate(-60)`}, name)));
  rowNames.forEach((name, r) => {
    svg.append(svgElement('text', {x: 2, y: titleH + headerH + r * cell + cell / 2 + 3}, name));
    const low = Math.min(...values[r]), high = Math.max(...values[r]);
    columnNames.forEach((op, c) => {
      const v = values[r][c];
      const shade = kind === 'alpha' ? (high > low ? 0.08 + 0.92 * (v - low) / (high - low) : 0.5) : v;
      const rect = svgElement('rect', {class: 'cell', 'data-kind': kind, 'data-edge': r, 'data-op': op,
        x: labelW + c * cell, y: titleH + headerH + r * cell, width: cell - 1, height: cell - 1,
        fill: `rgba(31, 111, 209, ${Math.max(0.04, Math.min(1, shade))})`});
      rect.append(svgElement('title', {}, `${name}, ${op}: ${fmt(v, 3)}`));
      svg.append(rect);
    });
  });
  return svg;
}

start();
