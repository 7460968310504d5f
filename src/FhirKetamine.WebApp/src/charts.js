// Chart.js 4 with only the parts used registered (tree-shaken), the annotation plugin for thresholds and
// infusion markers, and date-fns for the time axis. Series differ by point shape and line dash, not only colour.
import {
  Chart, LineController, LineElement, PointElement, LinearScale, TimeScale, Tooltip, Legend,
} from "chart.js";
import annotationPlugin from "chartjs-plugin-annotation";
import "chartjs-adapter-date-fns";
import { VITALS, breaches } from "./thresholds.js";

Chart.register(LineController, LineElement, PointElement, LinearScale, TimeScale, Tooltip, Legend, annotationPlugin);
Chart.defaults.font.family = "system-ui, sans-serif";
Chart.defaults.animation = false; // fast first paint, and stable screenshots

const STYLE = {
  "PHQ-9": { color: "#1f5fa8", point: "circle", dash: [] },
  "GAD-7": { color: "#a8591f", point: "rect", dash: [6, 3] },
  "Systolic BP": { color: "#b3261e", point: "triangle", dash: [] },
  "Diastolic BP": { color: "#7d5260", point: "rectRot", dash: [4, 3] },
  "Heart rate": { color: "#1b6e3a", point: "circle", dash: [] },
  "SpO₂": { color: "#3d4fb3", point: "rect", dash: [2, 2] },
};

function replace(canvas, config) {
  Chart.getChart(canvas)?.destroy();
  return new Chart(canvas, config);
}

const line = (id, y, label, color, dash) => ({
  type: "line", yMin: y, yMax: y, borderColor: color, borderWidth: 1.5, borderDash: dash,
  label: { display: true, content: label, position: "start", backgroundColor: "rgba(255,255,255,0.85)", color: "#222", font: { size: 11 } },
});

/** PHQ-9 / GAD-7 totals over time, PHQ-9 response (50 % below baseline) and remission (< 5) lines, infusions marked. */
export function drawTrajectory(canvas, progress) {
  const datasets = progress.instruments.map((instrument) => {
    const style = STYLE[instrument.name] ?? STYLE["PHQ-9"];
    return {
      label: instrument.name,
      data: instrument.scores.map((s) => ({ x: new Date(s.date).getTime(), y: s.score })),
      borderColor: style.color, backgroundColor: style.color, pointStyle: style.point, borderDash: style.dash,
      pointRadius: 5, pointHoverRadius: 7, tension: 0,
    };
  });
  const annotations = {};
  const phq9 = progress.instruments.find((i) => i.code === "44261-6");
  if (phq9?.baseline) {
    annotations.response = line("response", phq9.baseline.score / 2, `PHQ-9 response ≤ ${phq9.baseline.score / 2}`, "#1f5fa8", [8, 4]);
  }
  annotations.remission = line("remission", 5, "Remission < 5", "#1b6e3a", [2, 3]);
  for (const session of progress.sessions) {
    if (!session.date) continue;
    annotations[`infusion-${session.number ?? session.procedure}`] = {
      type: "line", xMin: new Date(session.date).getTime(), xMax: new Date(session.date).getTime(),
      borderColor: "#888", borderWidth: 1, borderDash: [1, 3],
      label: { display: true, content: `#${session.number ?? "?"}`, position: "end", backgroundColor: "transparent", color: "#555", font: { size: 10 } },
    };
  }
  const chart = replace(canvas, {
    type: "line",
    data: { datasets },
    options: {
      maintainAspectRatio: false,
      scales: {
        x: { type: "time", time: { unit: "week", tooltipFormat: "yyyy-MM-dd HH:mm" }, title: { display: true, text: "Date" } },
        y: { min: 0, max: 27, title: { display: true, text: "Total score" } },
      },
      plugins: { annotation: { annotations }, legend: { labels: { usePointStyle: true } } },
    },
  });
  const points = datasets.reduce((n, d) => n + d.data.length, 0);
  canvas.dataset.points = String(points);
  canvas.setAttribute("aria-label", progress.instruments
    .map((i) => `${i.name}: ${i.scores.length} totals, from ${i.scores[0]?.score ?? "–"} to ${i.scores.at(-1)?.score ?? "–"}`).join("; "));
  return chart;
}

/** A session's readings by vital, the IG thresholds as dashed lines, and readings beyond them drawn large and crossed. */
export function drawVitals(canvas, readings, thresholds) {
  const byLabel = new Map();
  for (const r of readings) {
    const label = VITALS[r.code].label;
    if (!byLabel.has(label)) byLabel.set(label, []);
    byLabel.get(label).push({ x: new Date(r.time).getTime(), y: r.value, breach: breaches(r.value, thresholds[r.code]).length > 0 });
  }
  const datasets = [...byLabel].map(([label, data]) => {
    const style = STYLE[label];
    data.sort((a, b) => a.x - b.x);
    return {
      label, data, borderColor: style.color, backgroundColor: style.color, borderDash: style.dash, tension: 0,
      pointStyle: (ctx) => (ctx.raw?.breach ? "crossRot" : style.point),
      pointRadius: (ctx) => (ctx.raw?.breach ? 10 : 4),
      pointBorderWidth: (ctx) => (ctx.raw?.breach ? 3 : 1),
    };
  });
  const annotations = {};
  const drawn = new Set();
  for (const [code, limits] of Object.entries(thresholds)) {
    const label = VITALS[code].label;
    if (!byLabel.has(label)) continue;
    for (const t of limits) {
      const key = `${label}-${t.bound}-${t.value}`;
      if (drawn.has(key)) continue;
      drawn.add(key);
      annotations[key] = line(key, t.value, `${label} ${t.bound === "min" ? "≥" : "≤"} ${t.value}`, STYLE[label].color, [6, 4]);
    }
  }
  const chart = replace(canvas, {
    type: "line",
    data: { datasets },
    options: {
      maintainAspectRatio: false,
      scales: {
        x: { type: "time", ticks: { maxTicksLimit: 12 }, time: { unit: "minute", displayFormats: { minute: "HH:mm" }, tooltipFormat: "HH:mm" }, title: { display: true, text: "Time" } },
        y: { suggestedMin: 40, suggestedMax: 200, title: { display: true, text: "mmHg · /min · %" } },
      },
      plugins: { annotation: { annotations }, legend: { labels: { usePointStyle: true } } },
    },
  });
  canvas.dataset.points = String(readings.length);
  canvas.setAttribute("aria-label", `${readings.length} readings: ${[...byLabel.keys()].join(", ")}`);
  return chart;
}
