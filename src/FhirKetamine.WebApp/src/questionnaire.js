// A small renderer for the IG's scored Questionnaires (PHQ-9, GAD-7): each choice item becomes a fieldset of radio
// buttons (keyboard and screen-reader friendly), the total item (SDC calculatedExpression) a live read-only output.
// The answers are saved as a QuestionnaireResponse plus the total Observation the progress operation reads
// (profiles phq9-total / gad7-total: derivedFrom the response), in one transaction.

const ORDINAL = "http://hl7.org/fhir/StructureDefinition/ordinalValue";
const CALCULATED = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression";

export const INSTRUMENTS = {
  phq9: {
    url: "http://fhir-ketamine.org/fhir/Questionnaire/phq9",
    profile: "http://fhir-ketamine.org/fhir/StructureDefinition/phq9-total",
    code: { system: "http://loinc.org", code: "44261-6", display: "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]" },
  },
  gad7: {
    url: "http://fhir-ketamine.org/fhir/Questionnaire/gad7",
    profile: "http://fhir-ketamine.org/fhir/StructureDefinition/gad7-total",
    code: { system: "http://loinc.org", code: "70274-6", display: "Generalized anxiety disorder 7 item (GAD-7) total score [Reported.PHQ]" },
  },
};

const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== false) node.setAttribute(k, v === true ? "" : v);
  node.append(...children);
  return node;
};

const weight = (option) => option.extension?.find((e) => e.url === ORDINAL)?.valueDecimal ?? 0;

/**
 * The items a total sums: the IG writes "%resource.repeat(item).where(linkId.startsWith('X') and linkId != 'Y')
 * .answer.value.weight().sum()". Other expressions are not evaluated (the total is then left to the clinician).
 */
function summedItems(total, items) {
  const expression = total.extension?.find((e) => e.url === CALCULATED)?.valueExpression?.expression ?? "";
  const match = /linkId\.startsWith\('([^']+)'\)\s+and\s+linkId\s*!=\s*'([^']+)'\).*weight\(\)\.sum\(\)/.exec(expression);
  if (!match) return null;
  return items.filter((i) => i.type === "choice" && i.linkId.startsWith(match[1]) && i.linkId !== match[2]).map((i) => i.linkId);
}

/** Renders the Questionnaire into the form; returns a function that reads the answers (or the list of missing ones). */
export function renderQuestionnaire(form, questionnaire) {
  form.replaceChildren();
  form.append(el("h3", { id: "q-title" }, questionnaire.title ?? questionnaire.name));
  if (questionnaire.description) form.append(el("p", { class: "q-desc" }, questionnaire.description));
  const items = questionnaire.item ?? [];
  const totals = items.filter((i) => i.type === "integer" && i.readOnly);
  const outputs = new Map();
  const recalc = () => {
    for (const total of totals) {
      const ids = summedItems(total, items);
      if (!ids) continue;
      const answered = ids.map((id) => form.querySelector(`input[name="${CSS.escape(id)}"]:checked`));
      const sum = answered.reduce((n, input) => n + (input ? Number(input.dataset.weight) : 0), 0);
      // Complete when every required item is answered (an optional one, unanswered, adds nothing).
      const complete = ids.every((id, n) => answered[n] || !items.find((i) => i.linkId === id).required);
      outputs.get(total.linkId).value = complete ? String(sum) : `${sum} (incomplete)`;
      outputs.get(total.linkId).dataset.total = complete ? String(sum) : "";
    }
  };
  items.forEach((item, index) => {
    if (item.type === "choice") {
      const legendId = `q-${item.linkId}-legend`;
      const fieldset = el("fieldset", { class: "q-item", "aria-required": item.required ? "true" : undefined },
        el("legend", { id: legendId }, `${index + 1}. ${item.text}${item.required ? " *" : ""}`));
      const options = el("div", { class: "q-options" });
      for (const option of item.answerOption ?? []) {
        const coding = option.valueCoding;
        const id = `q-${item.linkId}-${coding.code}`;
        options.append(el("label", { for: id },
          el("input", { type: "radio", id, name: item.linkId, value: coding.code, "data-weight": weight(option), required: item.required ? true : undefined }),
          ` ${coding.display} `, el("span", { class: "weight", "aria-hidden": "true" }, `(${weight(option)})`)));
      }
      fieldset.append(options);
      form.append(fieldset);
    } else if (item.type === "integer" && item.readOnly) {
      const id = `q-${item.linkId}`;
      const output = el("output", { id, name: item.linkId, "aria-live": "polite" }, "0 (incomplete)");
      outputs.set(item.linkId, output);
      form.append(el("p", { class: "q-total" }, el("label", { for: id }, `${item.text}: `), output));
    }
  });
  form.append(el("button", { type: "submit" }, "Save"));
  form.addEventListener("change", recalc);
  recalc();
  form.hidden = false;

  return () => {
    const missing = items.filter((i) => i.type === "choice" && i.required && !form.querySelector(`input[name="${CSS.escape(i.linkId)}"]:checked`));
    if (missing.length) return { missing: missing.map((i) => i.text) };
    const answers = [];
    for (const item of items) {
      if (item.type === "choice") {
        const input = form.querySelector(`input[name="${CSS.escape(item.linkId)}"]:checked`);
        if (!input) continue;
        const option = item.answerOption.find((o) => o.valueCoding.code === input.value);
        answers.push({ linkId: item.linkId, answer: [{ valueCoding: { system: option.valueCoding.system, code: option.valueCoding.code, display: option.valueCoding.display } }] });
      } else if (outputs.has(item.linkId) && outputs.get(item.linkId).dataset.total !== "") {
        answers.push({ linkId: item.linkId, answer: [{ valueInteger: Number(outputs.get(item.linkId).dataset.total) }] });
      }
    }
    const total = totals.map((t) => outputs.get(t.linkId).dataset.total).find((v) => v !== "");
    return { items: answers, total: total === undefined ? null : Number(total) };
  };
}

/** The transaction: the QuestionnaireResponse and the total Observation derived from it. */
export function submissionBundle({ instrument, questionnaire, patientId, author, items, total, now = new Date() }) {
  const authored = now.toISOString();
  const qrUrl = `urn:uuid:${crypto.randomUUID()}`;
  const qr = {
    resourceType: "QuestionnaireResponse",
    meta: { profile: ["http://fhir-ketamine.org/fhir/StructureDefinition/ketamine-questionnaire-response"] },
    questionnaire: `${questionnaire.url}|${questionnaire.version}`,
    status: "completed",
    subject: { reference: `Patient/${patientId}` },
    authored,
    ...(author ? { author: { reference: author } } : {}),
    item: items,
  };
  const entries = [{ fullUrl: qrUrl, resource: qr, request: { method: "POST", url: "QuestionnaireResponse" } }];
  if (total !== null) {
    const spec = INSTRUMENTS[instrument];
    entries.push({
      fullUrl: `urn:uuid:${crypto.randomUUID()}`,
      resource: {
        resourceType: "Observation",
        meta: { profile: [spec.profile] },
        status: "final",
        category: [{ coding: [{ system: "http://terminology.hl7.org/CodeSystem/observation-category", code: "survey" }] }],
        code: { coding: [spec.code] },
        subject: { reference: `Patient/${patientId}` },
        effectiveDateTime: authored,
        valueInteger: total,
        derivedFrom: [{ reference: qrUrl }],
      },
      request: { method: "POST", url: "Observation" },
    });
  }
  return { resourceType: "Bundle", type: "transaction", entry: entries };
}
