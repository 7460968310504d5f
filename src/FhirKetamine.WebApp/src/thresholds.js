// Alert thresholds for the session vitals chart, read from the IG's ObservationDefinitions (their critical
// qualifiedIntervals): a range with a low bound is breached at or above it, one with a high bound at or below it.

export const VITALS = {
  "8480-6": { label: "Systolic BP", unit: "mmHg" },
  "8462-4": { label: "Diastolic BP", unit: "mmHg" },
  "8867-4": { label: "Heart rate", unit: "/min" },
  "59408-5": { label: "SpO₂", unit: "%" },
  "2708-6": { label: "SpO₂", unit: "%" },
};

const PHASE = "http://fhir-ketamine.org/fhir/StructureDefinition/infusion-phase";

/** code → [{ bound: "min"|"max", value, condition }] for the intra-infusion phase (or any phase when none is given). */
export function thresholdsFrom(definitions) {
  const result = {};
  for (const def of definitions) {
    const codes = (def.code?.coding ?? []).map((c) => c.code).filter((c) => c in VITALS);
    for (const interval of def.qualifiedInterval ?? []) {
      if (interval.category !== "critical") continue;
      const phase = (interval.extension ?? []).find((e) => e.url === PHASE)?.valueCode;
      if (phase && phase !== "infusion") continue;
      const entry = interval.range?.low
        ? { bound: "min", value: interval.range.low.value, condition: interval.condition }
        : interval.range?.high
          ? { bound: "max", value: interval.range.high.value, condition: interval.condition }
          : null;
      if (!entry) continue;
      for (const code of codes) (result[code] ??= []).push(entry);
    }
  }
  // SpO2 is defined once (59408-5); readings may carry 2708-6 only.
  if (result["59408-5"] && !result["2708-6"]) result["2708-6"] = result["59408-5"];
  return result;
}

export const breaches = (value, limits = []) =>
  limits.filter((t) => (t.bound === "min" ? value >= t.value : value <= t.value));

/** Observation → [{ code, time, value }] (blood pressure panels give their systolic and diastolic components). */
export function readingsOf(observation) {
  const time = observation.effectiveDateTime ?? observation.effectivePeriod?.start ?? observation.effectiveInstant;
  if (!time) return [];
  const out = [];
  const add = (codeable, quantity) => {
    const code = (codeable?.coding ?? []).map((c) => c.code).find((c) => c in VITALS);
    if (code && typeof quantity?.value === "number") out.push({ code, time, value: quantity.value, id: observation.id });
  };
  add(observation.code, observation.valueQuantity);
  for (const component of observation.component ?? []) add(component.code, component.valueQuantity);
  return out;
}
