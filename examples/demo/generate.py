#!/usr/bin/env python3
"""Makes the demo clinic's extra patients from the IG's journey (examples/journey, a remitter) by copying the
patient's own resources under new ids and changing their PHQ-9 / GAD-7 answers and session 4 blood pressure:
  demo-responder     PHQ-9 22 -> 9: a response (>= 50 % below baseline) without remission
  demo-nonresponder  PHQ-9 20 -> 18: no response; BP 184/112 during infusion 4, an open safety Flag and a DetectedIssue
Shared resources (practitioners, the clinic, devices) are referenced, not copied. Run from anywhere:
  python3 examples/demo/generate.py   (rewrites examples/demo/*.json)
Seed:Examples=true loads examples/journey and these files (src/FhirKetamine.Server/WebApp/DemoClinic.cs)."""
import glob, json, os, re

HERE = os.path.dirname(os.path.abspath(__file__))
JOURNEY = os.path.join(HERE, "..", "journey")
SHARED = ("Practitioner-", "Organization-", "Device-")
# LOINC answer codes of the PHQ-9 / GAD-7 frequency scale by weight
ANSWERS = ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"]

PATIENTS = {
    "responder": {
        "name": {"family": "Okafor", "given": ["Samuel"]}, "gender": "male", "birthDate": "1986-02-11", "mrn": "KC-000311",
        "phq9": {"s0": 22, "s1": 21, "s3": 16, "s6": 10, "s7": 9}, "gad7": {"s0": 16, "s1": 15, "s6": 9},
        "bp_s4": (150, 92),
    },
    "nonresponder": {
        "name": {"family": "Marsh", "given": ["Robin"]}, "gender": "female", "birthDate": "1972-06-23", "mrn": "KC-000417",
        "phq9": {"s0": 20, "s1": 20, "s3": 19, "s6": 17, "s7": 18}, "gad7": {"s0": 14, "s1": 14, "s6": 13},
        "bp_s4": (184, 112),
    },
}


def spread(total, items):
    """Answer weights (0-3) for `items` questions that add up to `total`, as even as possible."""
    base, extra = divmod(total, items)
    return [base + (1 if i < extra else 0) for i in range(items)]


def clone(text, key):
    prefix = f"demo-{key}-"
    text = re.sub(r'(?<!Practitioner/)(?<!Organization/)(?<!Device/)journey-', prefix, text)
    return text.replace(f"{prefix}patient", f"demo-{key}")


def main():
    for old in glob.glob(os.path.join(HERE, "*.json")):
        os.remove(old)
    for key, spec in PATIENTS.items():
        for path in sorted(glob.glob(os.path.join(JOURNEY, "*.json"))):
            name = os.path.basename(path)
            if name.startswith(SHARED):
                continue
            resource = json.loads(clone(open(path, encoding="utf-8").read(), key))
            rid = resource["id"]
            if resource["resourceType"] == "Patient":
                resource.update(name=[spec["name"]], gender=spec["gender"], birthDate=spec["birthDate"])
                resource["identifier"][0]["value"] = spec["mrn"]
            for instrument in ("phq9", "gad7"):
                for session, total in spec[instrument].items():
                    if rid == f"demo-{key}-{instrument}-total-{session}":
                        resource["valueInteger"] = total
                    if rid == f"demo-{key}-qr-{instrument}-{session}":
                        questions = [i for i in resource["item"] if not i["linkId"].endswith("-total")]
                        for item, weight in zip(questions, spread(total, len(questions))):
                            item["answer"] = [{"valueCoding": {"code": ANSWERS[weight], "system": "http://loinc.org"}}]
                        for item in resource["item"]:
                            if item["linkId"].endswith("-total"):
                                item["answer"] = [{"valueInteger": total}]
            if rid == f"demo-{key}-bp-infusion-0950-s4":
                for component, value in zip(resource["component"], spec["bp_s4"]):
                    component["valueQuantity"]["value"] = value
            write(f"{resource['resourceType']}-{rid}.json", resource)

    # The non-responder's hypertensive episode at infusion 4, as the ingest safety rules raise it: still open.
    patient, encounter = "Patient/demo-nonresponder", "Encounter/demo-nonresponder-encounter-s4"
    write("DetectedIssue-demo-nonresponder-issue-bp-s4.json", {
        "resourceType": "DetectedIssue", "id": "demo-nonresponder-issue-bp-s4", "status": "final",
        "code": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "COND"}]},
        "severity": "high", "patient": {"reference": patient}, "identifiedDateTime": "2025-04-14T09:50:00-04:00",
        "implicated": [{"reference": "Observation/demo-nonresponder-bp-infusion-0950-s4"}],
        "detail": "Systolic 184 mmHg and diastolic 112 mmHg during infusion (bp-intra: 181/111)"})
    write("Flag-demo-nonresponder-flag-bp.json", {
        "resourceType": "Flag", "id": "demo-nonresponder-flag-bp", "status": "active",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/flag-category", "code": "safety"}]}],
        "code": {"text": "Hypertensive episode during infusion 4 (184/112): review antihypertensives before the next infusion"},
        "subject": {"reference": patient}, "period": {"start": "2025-04-14T09:50:00-04:00"}, "encounter": {"reference": encounter}})


def write(name, resource):
    with open(os.path.join(HERE, name), "w", encoding="utf-8") as f:
        json.dump(resource, f, indent=2, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
