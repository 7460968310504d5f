// Reads the Parameters of Patient/{id}/$ketamine-progress (the IG's OperationDefinition) into plain objects.

const part = (p, name) => p?.part?.find((x) => x.name === name);
const parts = (p, name) => p?.part?.filter((x) => x.name === name) ?? [];

/** The value[x] of a parameter, whatever its type. */
export function valueOf(p) {
  if (!p) return undefined;
  const key = Object.keys(p).find((k) => k.startsWith("value"));
  return key ? p[key] : undefined;
}

/** A figure: a part holding "value" and "source" parts. */
const figure = (p, name) => valueOf(part(part(p, name), "value"));

function score(p) {
  return {
    date: valueOf(part(p, "date")),
    score: valueOf(part(p, "score")),
    changePoints: valueOf(part(p, "changePoints")),
    changePercent: valueOf(part(p, "changePercent")),
    source: valueOf(part(p, "source"))?.reference,
  };
}

function status(p) {
  return {
    status: valueOf(part(p, "status")),
    firstReached: valueOf(part(p, "firstReached")),
    reason: valueOf(part(p, "reason")),
  };
}

export function parseProgress(parameters) {
  const top = parameters.parameter ?? [];
  const named = (name) => top.filter((p) => p.name === name);
  const instruments = named("instrument").map((p) => ({
    name: valueOf(part(p, "name")),
    code: valueOf(part(p, "code"))?.code,
    baseline: part(p, "baseline") ? score(part(p, "baseline")) : null,
    scores: parts(p, "score").map(score),
    response: status(part(p, "response")),
    remission: status(part(p, "remission")),
  }));
  const sessions = named("session").map((p) => {
    const vitals = part(p, "vitals");
    return {
      number: figure(p, "infusionNumber"),
      date: figure(p, "date"),
      status: valueOf(part(p, "status")),
      procedure: valueOf(part(p, "procedure"))?.reference,
      encounter: valueOf(part(p, "encounter"))?.reference,
      doseMg: figure(p, "doseMg"),
      dosePerKg: figure(p, "dosePerKg"),
      administeredMgPerKg: figure(p, "administeredMgPerKg"),
      durationMinutes: figure(p, "durationMinutes"),
      rate: figure(p, "rate"),
      administrationStatus: valueOf(part(p, "administrationStatus")),
      vitals: {
        maxSystolic: figure(vitals, "maxSystolic"),
        maxDiastolic: figure(vitals, "maxDiastolic"),
        maxHeartRate: figure(vitals, "maxHeartRate"),
        minHeartRate: figure(vitals, "minHeartRate"),
        minSpO2: figure(vitals, "minSpO2"),
        readings: valueOf(part(vitals, "readings")) ?? 0,
      },
      flags: parts(p, "flag").map((f) => valueOf(f)?.reference),
      detectedIssues: parts(p, "detectedIssue").map((f) => valueOf(f)?.reference),
    };
  });
  const plans = named("plan").map((p) => ({
    carePlan: valueOf(part(p, "carePlan"))?.reference,
    status: valueOf(part(p, "status")),
    phase: valueOf(part(p, "phase")),
    planned: figure(p, "planned"),
    completed: valueOf(part(part(p, "completed"), "value")) ?? 0,
  }));
  const next = named("nextSession")[0];
  return {
    instruments,
    sessions,
    plans,
    nextSession: next ? { date: valueOf(part(next, "date")), overdue: valueOf(part(next, "overdue")) } : null,
    adverseEvents: named("adverseEvent").map((p) => ({
      date: valueOf(part(p, "date")),
      event: valueOf(part(p, "event"))?.text ?? valueOf(part(p, "event"))?.coding?.[0]?.display,
    })),
  };
}
