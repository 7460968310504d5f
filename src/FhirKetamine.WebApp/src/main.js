// The Progress app: a SMART on FHIR client (fhirclient) of the FhirKetamine server it is served by.
// Standalone launch: open /app/ → the server's login and patient picker → back here with a token and a patient.
// EHR launch: /app/?iss=…&launch=… → the same, with the EHR's launch context.
import FHIR from "fhirclient";
import { parseProgress } from "./progress.js";
import { drawTrajectory, drawVitals } from "./charts.js";
import { thresholdsFrom, readingsOf, breaches, VITALS } from "./thresholds.js";
import { INSTRUMENTS, renderQuestionnaire, submissionBundle } from "./questionnaire.js";

const CLIENT_ID = "progress";
const WRITE = "user/QuestionnaireResponse.c user/Observation.c";
const STANDALONE_SCOPE = `openid fhirUser launch/patient user/*.rs ${WRITE}`;
const EHR_SCOPE = `openid fhirUser launch user/*.rs ${WRITE}`;

const $ = (id) => document.getElementById(id);
const say = (text, node = $("status")) => { node.textContent = text; };
const fmtDate = (value) => (value ? new Date(value).toLocaleDateString("en-CA") : "–");
const fmtTime = (value) => (value ? new Date(value).toLocaleString("en-CA", { dateStyle: "short", timeStyle: "short" }) : "–");
const qty = (q, digits) => (q ? `${digits === undefined ? q.value : Number(q.value).toFixed(digits)} ${q.unit ?? q.code ?? ""}`.trim() : "–");
const cell = (text, attrs = {}) => Object.assign(document.createElement(attrs.header ? "th" : "td"), { textContent: text }, attrs.header ? { scope: "row" } : {});

async function connect() {
  const params = new URLSearchParams(location.search);
  const redirectUri = new URL("./", location.href).href;
  if (params.has("launch") && params.has("iss")) {
    await FHIR.oauth2.authorize({ clientId: CLIENT_ID, scope: EHR_SCOPE, redirectUri, iss: params.get("iss"), launch: params.get("launch") });
    return null;
  }
  if (params.has("code") || params.has("error")) return FHIR.oauth2.ready();
  try {
    return await FHIR.oauth2.ready(); // a reload: the session's state is still in sessionStorage
  } catch {
    const iss = params.get("iss") ?? new URL("/fhir", location.origin).href;
    await FHIR.oauth2.authorize({ clientId: CLIENT_ID, scope: STANDALONE_SCOPE, redirectUri, iss });
    return null;
  }
}

const state = { client: null, patientId: null, progress: null, thresholds: {}, trajectory: null };

async function searchAll(url) {
  return state.client.request(url, { pageLimit: 0, flat: true });
}

async function loadProgress() {
  const parameters = await state.client.request(`Patient/${state.patientId}/$ketamine-progress`);
  state.progress = parseProgress(parameters);
  renderOutcomes();
  state.trajectory = drawTrajectory($("trajectory"), state.progress);
  renderScores();
  renderSessions();
}

function renderBanner(patient) {
  const name = patient.name?.[0];
  const display = name ? [name.given?.join(" "), name.family].filter(Boolean).join(" ") : patient.id;
  $("patient-banner").textContent = `${display} · born ${patient.birthDate ?? "–"} · ${patient.gender ?? ""} · Patient/${patient.id}`;
  document.title = `Progress · ${display}`;
}

function renderOutcomes() {
  const box = $("outcomes");
  box.replaceChildren();
  for (const instrument of state.progress.instruments) {
    const latest = instrument.scores.at(-1);
    const p = document.createElement("p");
    const baseline = instrument.baseline ? `baseline ${instrument.baseline.score} (${fmtDate(instrument.baseline.date)})` : "no baseline";
    const change = latest?.changePercent !== undefined ? ` (${latest.changePercent > 0 ? "+" : ""}${latest.changePercent} %)` : "";
    const response = instrument.response.status === "response" ? `✔ response since ${fmtDate(instrument.response.firstReached)}`
      : instrument.response.status === "partial-response" ? "◐ partial response"
        : instrument.response.status === "no-response" ? "✘ no response" : `? response not evaluable${instrument.response.reason ? `: ${instrument.response.reason}` : ""}`;
    const remission = instrument.remission.status === "remission" ? `✔ remission since ${fmtDate(instrument.remission.firstReached)}`
      : instrument.remission.status === "no-remission" ? "✘ no remission" : "? remission not evaluable";
    p.innerHTML = "";
    p.append(Object.assign(document.createElement("strong"), { textContent: `${instrument.name}: ` }),
      `${baseline} → latest ${latest?.score ?? "–"}${change}. ${response}; ${remission}.`);
    p.dataset.instrument = instrument.code;
    p.dataset.response = instrument.response.status;
    p.dataset.remission = instrument.remission.status;
    box.append(p);
  }
}

function renderScores() {
  const body = $("scores").tBodies[0];
  body.replaceChildren();
  const rows = state.progress.instruments.flatMap((i) => i.scores.map((s) => ({ ...s, name: i.name }))).sort((a, b) => new Date(a.date) - new Date(b.date));
  for (const s of rows) {
    const tr = document.createElement("tr");
    tr.append(cell(fmtTime(s.date)), cell(s.name), cell(String(s.score)),
      cell(s.changePoints === undefined ? "baseline or before" : `${s.changePoints > 0 ? "+" : ""}${s.changePoints} (${s.changePercent} %)`));
    body.append(tr);
  }
}

function renderSessions() {
  const { sessions, plans, nextSession } = state.progress;
  const planText = plans.map((p) => `${p.phase ?? "plan"}: ${p.completed} of ${p.planned ?? "?"} infusions done (${p.status})`).join(" · ");
  $("plan").textContent = [planText, nextSession ? `Next session: ${fmtDate(nextSession.date)}${nextSession.overdue ? " (overdue)" : ""}` : ""].filter(Boolean).join(" · ");
  const body = $("sessions").tBodies[0];
  body.replaceChildren();
  for (const s of sessions) {
    const v = s.vitals;
    const tr = document.createElement("tr");
    const flagged = s.flags.length + s.detectedIssues.length;
    tr.append(cell(String(s.number ?? "–"), { header: true }), cell(fmtTime(s.date)), cell(s.administrationStatus === "stopped" ? `${s.status}, stopped` : s.status),
      cell(qty(s.doseMg)), cell(s.administeredMgPerKg ? qty(s.administeredMgPerKg, 2) : qty(s.dosePerKg)),
      cell(s.durationMinutes !== undefined ? `${s.durationMinutes} min` : "–"), cell(qty(s.rate)),
      cell(v.maxSystolic ? `${v.maxSystolic.value}/${v.maxDiastolic?.value ?? "–"}` : "–"),
      cell(v.minHeartRate ? `${v.minHeartRate.value}–${v.maxHeartRate?.value}` : "–"), cell(v.minSpO2 ? `${v.minSpO2.value} %` : "–"),
      cell(flagged ? `⚠ ${flagged}` : "none"));
    const action = document.createElement("td");
    action.className = "no-print";
    const button = Object.assign(document.createElement("button"), { type: "button", textContent: `Vitals #${s.number ?? "?"}` });
    button.setAttribute("aria-label", `Show vitals of session ${s.number ?? ""} on ${fmtDate(s.date)}`);
    button.addEventListener("click", () => showVitals(s).catch(fail));
    action.append(button);
    tr.append(action);
    if (flagged) tr.classList.add("flagged");
    body.append(tr);
  }
}

async function sessionWindow(session) {
  if (session.encounter) {
    const encounter = await state.client.request(session.encounter);
    if (encounter.period?.start) return [encounter.period.start, encounter.period.end ?? new Date(new Date(encounter.period.start).getTime() + 4 * 3600e3).toISOString()];
  }
  const start = new Date(session.date);
  return [new Date(start.getTime() - 3600e3).toISOString(), new Date(start.getTime() + 4 * 3600e3).toISOString()];
}

async function showVitals(session) {
  const [from, to] = await sessionWindow(session);
  const observations = await searchAll(`Observation?patient=${state.patientId}&category=vital-signs&date=ge${encodeURIComponent(from)}&date=le${encodeURIComponent(to)}&_sort=date&_count=500`);
  const readings = observations.flatMap(readingsOf);
  $("vitals-panel").hidden = false;
  $("vitals-h").textContent = `Vitals of session #${session.number ?? "?"} (${fmtTime(from)} – ${fmtTime(to)})`;
  drawVitals($("vitals"), readings, state.thresholds);
  const list = $("breaches");
  list.replaceChildren();
  const over = readings.flatMap((r) => breaches(r.value, state.thresholds[r.code]).map((t) => ({ r, t })));
  for (const { r, t } of over) {
    list.append(Object.assign(document.createElement("li"), {
      textContent: `⚠ ${fmtTime(r.time)}: ${VITALS[r.code].label} ${r.value} ${VITALS[r.code].unit} (${t.bound === "min" ? "≥" : "≤"} ${t.value}, ${t.condition})`,
    }));
  }
  if (!over.length) list.append(Object.assign(document.createElement("li"), { textContent: "No reading beyond a threshold." }));
  $("vitals-panel").dataset.session = String(session.number ?? "");
  $("vitals-h").focus();
}

async function loadThresholds() {
  const definitions = await searchAll("ObservationDefinition?_count=100");
  state.thresholds = thresholdsFrom(definitions);
}

async function loadFlags() {
  const flags = await searchAll(`Flag?patient=${state.patientId}&status=active&_count=100`);
  const list = $("flags");
  list.replaceChildren();
  for (const flag of flags) {
    const text = flag.code?.text ?? flag.code?.coding?.[0]?.display ?? "Flag";
    const category = flag.category?.[0]?.coding?.[0]?.code;
    list.append(Object.assign(document.createElement("li"), { textContent: `⚠ ${text}${category ? ` [${category}]` : ""} since ${fmtTime(flag.period?.start)}` }));
  }
  if (!flags.length) list.append(Object.assign(document.createElement("li"), { textContent: "No open flags." }));
  list.dataset.count = String(flags.length);
}

let readAnswers = null;
let current = null;

async function openQuestionnaire(instrument) {
  const bundle = await state.client.request(`Questionnaire?url=${encodeURIComponent(INSTRUMENTS[instrument].url)}`);
  const questionnaire = bundle.entry?.[0]?.resource;
  if (!questionnaire) throw new Error(`The server has no Questionnaire ${INSTRUMENTS[instrument].url}.`);
  current = { instrument, questionnaire };
  readAnswers = renderQuestionnaire($("questionnaire"), questionnaire);
  say("", $("record-status"));
  $("questionnaire").querySelector("input")?.focus();
}

async function save(event) {
  event.preventDefault();
  const answers = readAnswers();
  if (answers.missing) {
    say(`Please answer: ${answers.missing.join("; ")}.`, $("record-status"));
    return;
  }
  const fhirUser = state.client.getFhirUser?.();
  const bundle = submissionBundle({ ...current, patientId: state.patientId, author: fhirUser ?? undefined, items: answers.items, total: answers.total });
  say("Saving…", $("record-status"));
  try {
    await state.client.request({ url: state.client.state.serverUrl, method: "POST", body: JSON.stringify(bundle), headers: { "Content-Type": "application/fhir+json" } });
  } catch (error) {
    say(`Not saved: ${outcomeText(error)}`, $("record-status"));
    return;
  }
  $("questionnaire").hidden = true;
  await loadProgress();
  say(`Saved: ${current.questionnaire.title ?? current.instrument} total ${answers.total}.`, $("record-status"));
}

function outcomeText(error) {
  const issues = error?.response?.body?.issue ?? error?.body?.issue;
  if (Array.isArray(issues)) return issues.map((i) => i.diagnostics ?? i.details?.text).filter(Boolean).join(" ");
  return error?.message ?? String(error);
}

function fail(error) {
  console.error(error);
  say(`Something went wrong: ${outcomeText(error)}`);
}

async function main() {
  $("print").addEventListener("click", () => window.print());
  const client = await connect();
  if (!client) return; // redirected to the authorization server
  state.client = client;
  state.patientId = client.patient.id;
  if (!state.patientId) {
    say("No patient was chosen at launch: launch the app again and pick a patient.");
    return;
  }
  document.body.dataset.patient = state.patientId;
  say("Loading…");
  $("main").hidden = false;
  const [patient] = await Promise.all([client.patient.read(), loadThresholds(), loadProgress(), loadFlags()]);
  renderBanner(patient);
  say("");
  $("status").hidden = true;
  $("record-choose").addEventListener("submit", (event) => {
    event.preventDefault();
    openQuestionnaire($("instrument").value).catch(fail);
  });
  $("questionnaire").addEventListener("submit", (event) => save(event).catch(fail));
}

main().catch(fail);
