#!/usr/bin/env python3
"""Writes input/fsh/examples-journey.fsh: the demo patient journey (referral, evaluation, consent,
induction series of six infusions with doses, vitals and PHQ-9s, then a maintenance booster).
The FSH is the source the package is compiled from; this script only saves typing. Edit it and run
`python3 profiles/tools/make-journey.py && profiles/build.sh`."""
import os

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "input", "fsh", "examples-journey.fsh")
TZ = "-04:00"
WEIGHT = 80
# (infusion number, date, plan, mg/kg, minutes, intra-infusion peak BP, PHQ-9 (total, item9) or None, GAD-7 total or None)
SESSIONS = [
    (1, "2025-04-07", "induction", 0.5, 40, (146, 92), (20, 1), 15),
    (2, "2025-04-09", "induction", 0.5, 40, (150, 94), None, None),
    (3, "2025-04-11", "induction", 0.5, 40, (144, 90), (16, 0), None),
    (4, "2025-04-14", "induction", 0.6, 48, (182, 104), None, None),
    (5, "2025-04-16", "induction", 0.6, 48, (152, 92), None, None),
    (6, "2025-04-18", "induction", 0.6, 48, (148, 90), (9, 0), 8),
    (7, "2025-05-16", "maintenance", 0.5, 40, (142, 88), (4, 0), None),
]
ANSWERS = [("LA6568-5", "Not at all"), ("LA6569-3", "Several days"),
           ("LA6570-1", "More than half the days"), ("LA6571-9", "Nearly every day")]

out = []
w = out.append


def t(date, hhmm):
    return f"{date}T{hhmm}:00{TZ}"


def plus(hhmm, minutes):
    h, m = map(int, hhmm.split(":"))
    total = h * 60 + m + minutes
    return f"{total // 60:02d}:{total % 60:02d}"


def spread(total, items, fixed_last=None):
    """Item values 0-3 summing to total; the last item fixed if given."""
    values = [0] * items
    remaining = total
    if fixed_last is not None:
        values[-1] = fixed_last
        remaining -= fixed_last
        items -= 1
    for i in range(items):
        values[i] = min(3, remaining // (items - i) + (1 if remaining % (items - i) else 0))
        remaining -= values[i]
    assert remaining == 0 and sum(values) == total, (total, values)
    return values


def obs_header(id_, profile, title, phase, date, hhmm, s):
    w(f"Instance: {id_}")
    w(f"InstanceOf: {profile}")
    w("Usage: #example")
    w(f'Title: "{title}"')
    w(f"* insert Phase({phase})")
    w("* status = #final")
    w("* subject = Reference(journey-patient)")
    w(f"* encounter = Reference(journey-encounter-s{s})")
    w(f'* effectiveDateTime = "{t(date, hhmm)}"')


def vital(kind, s, date, hhmm, phase, value, during=False):
    profile, unit, code, label = {
        "hr": ("KetamineHeartRate", "beats/minute", "/min", "Heart rate"),
        "spo2": ("KetamineOxygenSaturation", "%", "%", "SpO2"),
        "rr": ("KetamineRespiratoryRate", "breaths/minute", "/min", "Respiratory rate"),
        "etco2": ("KetamineEndTidalCO2", "mmHg", "mm[Hg]", "End-tidal CO2"),
        "weight": ("KetamineBodyWeight", "kg", "kg", "Body weight"),
        "temp": ("KetamineBodyTemperature", "C", "Cel", "Body temperature"),
    }[kind]
    id_ = f"journey-{kind}-{phase}-s{s}"
    obs_header(id_, profile, f"Session {s}: {label} {value} {code} ({phase})", phase, date, hhmm, s)
    if kind == "spo2":
        w('* code.coding[PulseOximetryCode] = $LOINC#59408-5 "Oxygen saturation in Arterial blood by Pulse oximetry"')
    if during:
        w(f"* partOf = Reference(journey-procedure-s{s})")
        w("* device = Reference(journey-monitor)")
    w(f"* valueQuantity = {value} '{code}' \"{unit}\"")
    w("")
    return id_


def bp(s, date, hhmm, phase, sys_, dia, during=False):
    id_ = f"journey-bp-{phase}-{hhmm.replace(':', '')}-s{s}"
    obs_header(id_, "KetamineBloodPressure", f"Session {s}: BP {sys_}/{dia} mm[Hg] ({phase} {hhmm})", phase, date, hhmm, s)
    if during:
        w(f"* partOf = Reference(journey-procedure-s{s})")
        w("* device = Reference(journey-monitor)")
    w(f"* insert BpValues({sys_}, {dia})")
    w("")


def phq9(s, date, hhmm, total, item9, encounter):
    values = spread(total, 9, item9)
    args = ", ".join(ANSWERS[v][0] for v in values)
    qr = f"journey-qr-phq9-s{s}"
    w(f"Instance: {qr}")
    w("InstanceOf: KetamineQuestionnaireResponse")
    w("Usage: #example")
    w(f'Title: "PHQ-9 answers{"" if s == 0 else f" before infusion {s}"}: total {total}, item 9 = {item9}"')
    w("* insert Phase(baseline)")
    w(f"* insert Phq9Answers({args}, {total})")
    w("* subject = Reference(journey-patient)")
    w(f"* encounter = Reference({encounter})")
    w(f'* authored = "{t(date, hhmm)}"')
    w("* author = Reference(journey-patient)")
    w("")
    w(f"Instance: journey-phq9-total-s{s}")
    w("InstanceOf: Phq9Total")
    w("Usage: #example")
    w(f'Title: "PHQ-9 total {total}{" (baseline, at evaluation)" if s == 0 else f" before infusion {s}"}"')
    w("* insert Phase(baseline)")
    w("* status = #final")
    w("* subject = Reference(journey-patient)")
    w(f"* encounter = Reference({encounter})")
    w(f'* effectiveDateTime = "{t(date, hhmm)}"')
    w(f"* valueInteger = {total}")
    w(f"* derivedFrom[0] = Reference({qr})")
    w("")


def gad7(s, date, hhmm, total, encounter):
    values = spread(total, 7)
    args = ", ".join(ANSWERS[v][0] for v in values)
    qr = f"journey-qr-gad7-s{s}"
    w(f"Instance: {qr}")
    w("InstanceOf: KetamineQuestionnaireResponse")
    w("Usage: #example")
    w(f'Title: "GAD-7 answers{"" if s == 0 else f" before infusion {s}"}: total {total}"')
    w("* insert Phase(baseline)")
    w(f"* insert Gad7Answers({args}, {total})")
    w("* subject = Reference(journey-patient)")
    w(f"* encounter = Reference({encounter})")
    w(f'* authored = "{t(date, hhmm)}"')
    w("* author = Reference(journey-patient)")
    w("")
    w(f"Instance: journey-gad7-total-s{s}")
    w("InstanceOf: Gad7Total")
    w("Usage: #example")
    w(f'Title: "GAD-7 total {total}{" (baseline, at evaluation)" if s == 0 else f" before infusion {s}"}"')
    w("* insert Phase(baseline)")
    w("* status = #final")
    w("* subject = Reference(journey-patient)")
    w(f"* encounter = Reference({encounter})")
    w(f'* effectiveDateTime = "{t(date, hhmm)}"')
    w(f"* valueInteger = {total}")
    w(f"* derivedFrom[0] = Reference({qr})")
    w("")


w("// GENERATED by profiles/tools/make-journey.py: edit that script, not this file.")
w("// Demo patient journey: Jordan Lee, 80 kg, recurrent severe MDD with 4 failed antidepressant trials.")
w("// Referral -> evaluation (baseline PHQ-9 21 with item 9 'several days', GAD-7 15) -> consent ->")
w("// induction: six infusions over two weeks (0.5 then 0.6 mg/kg; a BP of 182/104 in infusion 4) ->")
w("// PHQ-9 9 after infusion 6 (response) -> maintenance plan -> booster: PHQ-9 4 (remission).")
w("")
w("""Instance: journey-patient
InstanceOf: Patient
Usage: #example
Title: "Journey patient: Jordan Lee"
* identifier[0].system = "http://fhir-ketamine.org/fhir/sid/mrn"
* identifier[0].value = "KC-000202"
* name[0].family = "Lee"
* name[0].given[0] = "Jordan"
* gender = #male
* birthDate = "1979-09-30"
* telecom[0].system = #phone
* telecom[0].value = "+1-555-0142"
* generalPractitioner[0] = Reference(journey-referrer)
* managingOrganization = Reference(journey-clinic)

Instance: journey-clinic
InstanceOf: Organization
Usage: #example
Title: "The ketamine clinic"
* active = true
* name = "Riverside Ketamine Clinic"
* type[0] = http://terminology.hl7.org/CodeSystem/organization-type#prov "Healthcare Provider"

Instance: journey-psychiatrist
InstanceOf: Practitioner
Usage: #example
Title: "Clinic psychiatrist"
* name[0].family = "Shah"
* name[0].given[0] = "Priya"
* name[0].prefix[0] = "Dr."

Instance: journey-nurse
InstanceOf: Practitioner
Usage: #example
Title: "Infusion nurse"
* name[0].family = "Okafor"
* name[0].given[0] = "Grace"

Instance: journey-referrer
InstanceOf: Practitioner
Usage: #example
Title: "Referring general practitioner"
* name[0].family = "Becker"
* name[0].given[0] = "Tom"
* name[0].prefix[0] = "Dr."

Instance: journey-pump
InstanceOf: Device
Usage: #example
Title: "Syringe pump"
* status = #active
* deviceName[0].name = "Syringe pump 03"
* deviceName[0].type = #user-friendly-name
* type.text = "Syringe infusion pump"
* owner = Reference(journey-clinic)

Instance: journey-monitor
InstanceOf: Device
Usage: #example
Title: "Bedside patient monitor (vitals gateway)"
* status = #active
* deviceName[0].name = "Bay 2 monitor"
* deviceName[0].type = #user-friendly-name
* type.text = "Multiparameter patient monitor"
* owner = Reference(journey-clinic)

Instance: journey-indication
InstanceOf: KetamineIndicationCondition
Usage: #example
Title: "Treatment-resistant depression: recurrent severe MDD, 4 failed trials"
* clinicalStatus = $cond-clinical#active
* verificationStatus = $cond-ver#confirmed
* category = $cond-cat#problem-list-item
* code.coding[0] = $SCT#36474008 "Severe recurrent major depression without psychotic features"
* code.coding[1] = $ICD10CM#F33.2 "Major depressive disorder, recurrent severe without psychotic features"
* extension[failedAntidepressantTrials].valueInteger = 4
* subject = Reference(journey-patient)
* onsetDateTime = "2016"
* recordedDate = "2025-03-20"
* recorder = Reference(journey-referrer)

Instance: journey-referral
InstanceOf: ServiceRequest
Usage: #example
Title: "Referral from the GP for ketamine treatment"
* status = #completed
* intent = #order
* code = $SCT#3457005 "Patient referral"
* code.text = "Referral for IV ketamine evaluation (treatment-resistant depression)"
* subject = Reference(journey-patient)
* authoredOn = "2025-03-20"
* requester = Reference(journey-referrer)
* performer[0] = Reference(journey-clinic)
* reasonReference[0] = Reference(journey-indication)

Instance: journey-episode
InstanceOf: KetamineEpisode
Usage: #example
Title: "Jordan Lee's ketamine programme"
* status = #active
* type = KetamineEncounterTypeCS#ketamine-program
* diagnosis[0].condition = Reference(journey-indication)
* patient = Reference(journey-patient)
* managingOrganization = Reference(journey-clinic)
* period.start = "2025-04-02"
* referralRequest[0] = Reference(journey-referral)
* careManager = Reference(journey-psychiatrist)

Instance: journey-evaluation
InstanceOf: Encounter
Usage: #example
Title: "Psychiatric evaluation for ketamine treatment"
* status = #finished
* class = $v3-ActCode#AMB "ambulatory"
* type[0] = KetamineEncounterTypeCS#evaluation
* subject = Reference(journey-patient)
* episodeOfCare[0] = Reference(journey-episode)
* basedOn[0] = Reference(journey-referral)
* participant[0].individual = Reference(journey-psychiatrist)
* period.start = "2025-04-02T14:00:00-04:00"
* period.end = "2025-04-02T15:00:00-04:00"
* reasonReference[0] = Reference(journey-indication)
* serviceProvider = Reference(journey-clinic)

Instance: journey-consent
InstanceOf: Consent
Usage: #example
Title: "Informed consent to off-label IV ketamine treatment"
* status = #active
* scope = $consentscope#treatment
* category[0] = $LOINC#59284-0 "Consent Document"
* patient = Reference(journey-patient)
* dateTime = "2025-04-02T14:45:00-04:00"
* performer[0] = Reference(journey-patient)
* organization[0] = Reference(journey-clinic)
* policyRule = http://terminology.hl7.org/CodeSystem/v3-ActCode#OPTIN
* provision.type = #permit
* provision.period.start = "2025-04-02"
* provision.code[0].text = "IV ketamine infusions (induction series and maintenance boosters)"

Instance: journey-weight-evaluation
InstanceOf: KetamineBodyWeight
Usage: #example
Title: "Body weight 80 kg at evaluation"
* status = #final
* subject = Reference(journey-patient)
* encounter = Reference(journey-evaluation)
* effectiveDateTime = "2025-04-02T14:10:00-04:00"
* valueQuantity = 80 'kg' "kg"

Instance: journey-bp-evaluation
InstanceOf: KetamineBloodPressure
Usage: #example
Title: "Blood pressure 126/80 mm[Hg] at evaluation"
* status = #final
* subject = Reference(journey-patient)
* encounter = Reference(journey-evaluation)
* effectiveDateTime = "2025-04-02T14:10:00-04:00"
* insert BpValues(126, 80)

Instance: journey-plan-induction
InstanceOf: KetamineTreatmentPlan
Usage: #example
Title: "Induction plan: six infusions over two weeks"
* extension[treatmentPhase].valueCode = #induction
* status = #completed
* intent = #plan
* title = "Ketamine induction series"
* subject = Reference(journey-patient)
* period.start = "2025-04-07"
* period.end = "2025-04-18"
* addresses[0] = Reference(journey-indication)
* author = Reference(journey-psychiatrist)
* activity[0].detail.kind = #ServiceRequest
* activity[0].detail.code = $SCT#14152002 "Intravenous infusion"
* activity[0].detail.status = #completed
* activity[0].detail.scheduledTiming.repeat.count = 6
* activity[0].detail.scheduledTiming.repeat.frequency = 3
* activity[0].detail.scheduledTiming.repeat.period = 1
* activity[0].detail.scheduledTiming.repeat.periodUnit = #wk
* activity[0].detail.productCodeableConcept = $RXN#6130 "ketamine"
* activity[0].detail.description = "0.5 mg/kg IV over 40 minutes (0.6 mg/kg over 48 minutes from infusion 4 if response < 25 %)"

Instance: journey-plan-maintenance
InstanceOf: KetamineTreatmentPlan
Usage: #example
Title: "Maintenance plan: boosters every four weeks"
* extension[treatmentPhase].valueCode = #maintenance
* status = #active
* intent = #plan
* title = "Ketamine maintenance boosters"
* subject = Reference(journey-patient)
* period.start = "2025-04-19"
* replaces[0] = Reference(journey-plan-induction)
* addresses[0] = Reference(journey-indication)
* author = Reference(journey-psychiatrist)
* activity[0].detail.kind = #ServiceRequest
* activity[0].detail.code = $SCT#14152002 "Intravenous infusion"
* activity[0].detail.status = #in-progress
* activity[0].detail.scheduledTiming.repeat.frequency = 1
* activity[0].detail.scheduledTiming.repeat.period = 4
* activity[0].detail.scheduledTiming.repeat.periodUnit = #wk
* activity[0].detail.productCodeableConcept = $RXN#6130 "ketamine"
* activity[0].detail.description = "Booster 0.5 mg/kg IV over 40 minutes every 4 weeks"
""")

phq9(0, "2025-04-02", "14:05", 21, 1, "journey-evaluation")
gad7(0, "2025-04-02", "14:05", 15, "journey-evaluation")

for n, date, plan, dpk, minutes, (psys, pdia), phq, gad in SESSIONS:
    s = n
    start, end = "09:30", plus("09:30", minutes)
    dose = round(dpk * WEIGHT, 1)
    rate = round(dpk * 60 / minutes, 3)
    dose_s = f"{dose:g}"
    w(f"// ---- Infusion {n} ({plan}) on {date}: {dpk} mg/kg x {WEIGHT} kg = {dose_s} mg over {minutes} min")
    w(f"""Instance: journey-encounter-s{s}
InstanceOf: KetamineInfusionEncounter
Usage: #example
Title: "Infusion session {n} ({plan})"
* status = #finished
* class = $v3-ActCode#AMB "ambulatory"
* type = KetamineEncounterTypeCS#infusion-session
* subject = Reference(journey-patient)
* episodeOfCare = Reference(journey-episode)
* participant[0].individual = Reference(journey-psychiatrist)
* participant[1].individual = Reference(journey-nurse)
* period.start = "{t(date, "09:00")}"
* period.end = "{t(date, "11:30")}"
* reasonReference[0] = Reference(journey-indication)
* serviceProvider = Reference(journey-clinic)

Instance: journey-procedure-s{s}
InstanceOf: KetamineInfusionProcedure
Usage: #example
Title: "Infusion {n} of the {plan} plan"
* extension[infusionNumber].valuePositiveInt = {n}
* basedOn = Reference(journey-plan-{plan})
* status = #completed
* code = $SCT#14152002 "Intravenous infusion"
* subject = Reference(journey-patient)
* encounter = Reference(journey-encounter-s{s})
* performedPeriod.start = "{t(date, start)}"
* performedPeriod.end = "{t(date, end)}"
* performer[0].actor = Reference(journey-nurse)
* reasonReference[0] = Reference(journey-indication)
* usedReference[0] = Reference(journey-pump)

Instance: journey-medadmin-s{s}
InstanceOf: KetamineMedicationAdministration
Usage: #example
Title: "Infusion {n}: ketamine {dose_s} mg ({dpk} mg/kg) over {minutes} min"
* partOf = Reference(journey-procedure-s{s})
* status = #completed
* medicationCodeableConcept = $RXN#238083 "ketamine 100 MG/ML Injectable Solution"
* subject = Reference(journey-patient)
* context = Reference(journey-encounter-s{s})
* effectivePeriod.start = "{t(date, start)}"
* effectivePeriod.end = "{t(date, end)}"
* performer[0].actor = Reference(journey-nurse)
* reasonReference[0] = Reference(journey-indication)
* supportingInformation[0] = Reference(journey-weight-baseline-s{s})
* device[0] = Reference(journey-pump)
* dosage.extension[dosePerKg].valueQuantity = {dpk} 'mg/kg' "mg/kg"
* dosage.text = "{dpk} mg/kg IV over {minutes} minutes"
* dosage.route = $SCT#47625008 "Intravenous route"
* dosage.dose = {dose_s} 'mg' "mg"
* dosage.rateQuantity = {rate:g} 'mg/kg/h' "mg/kg/h"
""")
    if phq:
        phq9(s, date, "09:05", phq[0], phq[1], f"journey-encounter-s{s}")
    if gad:
        gad7(s, date, "09:05", gad, f"journey-encounter-s{s}")
    vital("weight", s, date, "09:08", "baseline", WEIGHT)
    bp(s, date, "09:10", "baseline", 128 - n % 3, 82 - n % 2)
    vital("hr", s, date, "09:10", "baseline", 74 + n % 4)
    vital("spo2", s, date, "09:10", "baseline", 98)
    vital("temp", s, date, "09:10", "baseline", 36.7)
    w(f"""Instance: journey-qr-pre-infusion-s{s}
InstanceOf: KetamineQuestionnaireResponse
Usage: #example
Title: "Infusion {n}: pre-infusion screening, cleared"
* insert Phase(baseline)
* insert PreInfusionAnswers({128 - n % 3}, {82 - n % 2})
* subject = Reference(journey-patient)
* encounter = Reference(journey-encounter-s{s})
* authored = "{t(date, "09:15")}"
* author = Reference(journey-nurse)
""")
    bp(s, date, "09:40", "infusion", psys - 8, pdia - 4, during=True)
    bp(s, date, "09:50", "infusion", psys, pdia, during=True)
    vital("hr", s, date, "09:50", "infusion", 86 + n % 5, during=True)
    vital("spo2", s, date, "09:50", "infusion", 97, during=True)
    vital("rr", s, date, "09:50", "infusion", 14, during=True)
    vital("etco2", s, date, "09:50", "infusion", 37, during=True)
    obs_header(f"journey-moaas-s{s}", "KetamineSedationScore", f"Infusion {n}: MOAA/S 4", "infusion", date, "09:55", s)
    w(f"* partOf = Reference(journey-procedure-s{s})")
    w("* performer[0] = Reference(journey-nurse)")
    w("* valueInteger = 4\n")
    cadss = [24, 22, 19, 21, 17, 14, 12][n - 1]
    obs_header(f"journey-cadss-s{s}", "KetamineDissociationScore", f"Infusion {n}: CADSS total {cadss}", "infusion", date, plus(end, -5), s)
    w(f"* partOf = Reference(journey-procedure-s{s})")
    w("* performer[0] = Reference(journey-psychiatrist)")
    w(f"* valueInteger = {cadss}\n")
    bp(s, date, "10:45", "recovery", 130, 84)
    vital("hr", s, date, "10:45", "recovery", 78)
    w(f"""Instance: journey-qr-discharge-s{s}
InstanceOf: KetamineQuestionnaireResponse
Usage: #example
Title: "Infusion {n}: discharge checklist, Aldrete 10, companion present"
* insert Phase(discharge)
* insert DischargeAnswers(10)
* subject = Reference(journey-patient)
* encounter = Reference(journey-encounter-s{s})
* authored = "{t(date, "11:15")}"
* author = Reference(journey-nurse)
""")
    obs_header(f"journey-aldrete-s{s}", "KetamineRecoveryScore", f"Infusion {n}: modified Aldrete 10 at discharge", "discharge", date, "11:15", s)
    w("* performer[0] = Reference(journey-nurse)")
    w("* valueInteger = 10")
    w(f"* derivedFrom[0] = Reference(journey-qr-discharge-s{s})\n")

with open(OUT, "w", encoding="utf-8") as f:
    f.write("\n".join(out).rstrip() + "\n")
print(f"wrote {OUT}")
