// ---------------------------------------------------------------------------------------------
// The infusion session: Encounter -> Procedure -> MedicationAdministration, the plan and the indication.
// Every profile carries its "applies when" rule (README: Profile selection by content).
// ---------------------------------------------------------------------------------------------
Profile: KetamineInfusionEncounter
Parent: Encounter
Id: ketamine-session-encounter
Title: "Ketamine Infusion Session Encounter"
Description: "One ambulatory visit in which a ketamine infusion is given. Its period covers every reading of the session; the server links gateway readings to the encounter whose period covers them."
* insert IgMetadata
* ^extension[$applies-when].valueString = "Encounter.type.coding.where(system='http://fhir-ketamine.org/fhir/CodeSystem/ketamine-encounter-type' and code='infusion-session').exists()"
* obeys ket-period-1
* class = $v3-ActCode#AMB
* type 1..* MS
* type = KetamineEncounterTypeCS#infusion-session
* subject 1..1 MS
* subject only Reference(Patient)
* period 1..1 MS
* period.start 1..1
* episodeOfCare 0..1 MS
* episodeOfCare only Reference(KetamineEpisode)
* serviceProvider MS

Profile: KetamineInfusionProcedure
Parent: Procedure
Id: ketamine-infusion-procedure
Title: "Ketamine Infusion Procedure"
Description: "The IV ketamine infusion given in a session: its number in the series, the plan it fulfils, the indication, the pump and the pump's start and stop times."
* insert IgMetadata
* ^extension[$applies-when].valueString = "Procedure.code.coding.where(system='http://snomed.info/sct' and code='14152002').exists()"
* obeys ket-proc-1 and ket-proc-2 and ket-proc-3
* extension contains InfusionNumber named infusionNumber 1..1 MS
* basedOn 1..1 MS
* basedOn only Reference(KetamineTreatmentPlan)
* code 1..1 MS
* code = $SCT#14152002 "Intravenous infusion"
* subject MS
* subject only Reference(Patient)
* encounter 1..1 MS
* encounter only Reference(KetamineInfusionEncounter)
* performed[x] only Period
* performed[x] MS
* reasonReference 1..* MS
* reasonReference only Reference(KetamineIndicationCondition)
* usedReference MS
* usedReference only Reference(Device)

Invariant: ket-proc-1
Description: "A started infusion has a performed period (unless status is preparation or not-done)."
Severity: #error
Expression: "status = 'preparation' or status = 'not-done' or performed.exists()"

Invariant: ket-proc-2
Description: "The infusion ends after it starts."
Severity: #error
Expression: "performed.ofType(Period).all(start.empty() or end.empty() or end > start)"

Invariant: ket-proc-3
Description: "A completed infusion records when it ended."
Severity: #error
Expression: "status = 'completed' implies performed.ofType(Period).end.exists()"

Invariant: ket-period-1
Description: "The period ends after it starts."
Severity: #error
Expression: "period.all(start.empty() or end.empty() or end > start)"

Profile: KetamineMedicationAdministration
Parent: MedicationAdministration
Id: ketamine-medication-administration
Title: "Ketamine Medication Administration"
Description: "The ketamine given in one infusion: total dose in mg, the prescribed weight-based dose in mg/kg, the rate, the IV route, the pump's start and stop, the weight it was computed from, and the infusion Procedure it is part of. Dose-per-kg above 2 mg/kg is rejected as implausible (most likely a unit error); above 0.75 mg/kg it is a warning here and a safety rule on the server."
* insert IgMetadata
* ^extension[$applies-when].valueString = "MedicationAdministration.medication.ofType(CodeableConcept).coding.where((system='http://www.nlm.nih.gov/research/umls/rxnorm' and (code='6130' or code='238082' or code='238083' or code='238084')) or (system='http://snomed.info/sct' and (code='373464007' or code='333847008' or code='781952002' or code='781954001' or code='781953007'))).exists()"
* obeys ket-ma-1 and ket-ma-2 and ket-ma-3 and ket-ma-4 and ket-ma-5 and ket-ma-6
* partOf 1..1 MS
* partOf only Reference(KetamineInfusionProcedure)
* status MS
* statusReason MS
* medication[x] only CodeableConcept
* medication[x] MS
* medicationCodeableConcept from KetamineMedicationVS (required)
* subject MS
* subject only Reference(Patient)
* context 1..1 MS
* context only Reference(KetamineInfusionEncounter)
* effective[x] only Period
* effective[x] MS
* effectivePeriod.start 1..1
* reasonReference 1..* MS
* reasonReference only Reference(KetamineIndicationCondition)
* supportingInformation 1..* MS
* supportingInformation only Reference(KetamineBodyWeight)
* supportingInformation ^short = "The body weight the dose was computed from (taken at most 30 days before)"
* device MS
* device only Reference(Device)
* dosage 1..1 MS
* dosage.extension contains DosePerKg named dosePerKg 1..1 MS
* dosage.route 1..1 MS
* dosage.route = $SCT#47625008 "Intravenous route"
* dosage.dose 1..1 MS
* dosage.dose.value 1..1
* dosage.dose.system 1..1
* dosage.dose.system = $UCUM
* dosage.dose.code 1..1
* dosage.dose.code = #mg
* dosage.rate[x] MS
* dosage.rateQuantity.system = $UCUM
* dosage.rateQuantity.code from KetamineRateUnitsVS (required)

Invariant: ket-ma-1
Description: "Dose per kg is positive and at most 2 mg/kg (above that, most likely a unit error)."
Severity: #error
Expression: "dosage.extension('http://fhir-ketamine.org/fhir/StructureDefinition/dose-per-kg').value.ofType(Quantity).all(value > 0 and value <= 2)"

Invariant: ket-ma-2
Description: "Dose per kg above 0.75 mg/kg exceeds the usual sub-anaesthetic range (Andrade 2017)."
Severity: #warning
Expression: "dosage.extension('http://fhir-ketamine.org/fhir/StructureDefinition/dose-per-kg').value.ofType(Quantity).all(value <= 0.75)"

Invariant: ket-ma-3
Description: "The infusion ends after it starts."
Severity: #error
Expression: "effective.ofType(Period).all(start.empty() or end.empty() or end > start)"

Invariant: ket-ma-4
Description: "A completed administration records when the pump stopped."
Severity: #error
Expression: "status = 'completed' implies effective.ofType(Period).end.exists()"

Invariant: ket-ma-5
Description: "A stopped infusion says why."
Severity: #error
Expression: "status = 'stopped' implies statusReason.exists()"

Invariant: ket-ma-6
Description: "The total dose given is positive."
Severity: #error
Expression: "dosage.dose.all(value > 0)"

Profile: KetamineTreatmentPlan
Parent: CarePlan
Id: ketamine-treatment-plan
Title: "Ketamine Treatment Plan"
Description: "A ketamine treatment course: the induction series (typically six infusions over two to three weeks) or maintenance boosters. A maintenance plan 'replaces' the completed induction plan. $ketamine-progress counts the completed Procedures that are basedOn a plan."
* insert IgMetadata
* ^extension[$applies-when].valueString = "CarePlan.activity.detail.code.coding.where(system='http://snomed.info/sct' and code='14152002').exists()"
* obeys ket-period-1
* extension contains TreatmentPhase named treatmentPhase 1..1 MS
* intent = #plan
* subject MS
* subject only Reference(Patient)
* period 1..1 MS
* period.start 1..1
* addresses 1..* MS
* addresses only Reference(KetamineIndicationCondition)
* replaces MS
* replaces only Reference(KetamineTreatmentPlan)
* activity 1..* MS
* activity.detail 1..1 MS
* activity.detail.code 1..1 MS
* activity.detail.code = $SCT#14152002 "Intravenous infusion"
* activity.detail.scheduled[x] only Timing
* activity.detail.scheduled[x] 1..1 MS
* activity.detail.productCodeableConcept from KetamineMedicationVS (required)

Profile: KetamineIndicationCondition
Parent: Condition
Id: ketamine-indication
Title: "Ketamine Indication Condition"
Description: "The condition a ketamine course treats. Treatment-resistant depression: the MDD code plus failed-antidepressant-trials >= 2."
* insert IgMetadata
* ^extension[$applies-when].valueString = "Condition.code.coding.where((system='http://snomed.info/sct' and (code='370143000' or code='36474008' or code='47505003' or code='21897009' or code='191736004' or code='13746004' or code='128200000' or code='203082005')) or (system='http://hl7.org/fhir/sid/icd-10-cm' and (code='F33.2' or code='F32.2' or code='F43.10' or code='F43.12' or code='F41.1' or code='F42.2' or code='F42.9' or code='F31.30' or code='F31.31' or code='F31.32' or code='F31.4' or code='F31.5' or code='G90.50' or code='G90.59' or code='M79.7'))).exists()"
* extension contains FailedAntidepressantTrials named failedAntidepressantTrials 0..1 MS
* clinicalStatus 1..1 MS
* code 1..1 MS
* code from KetamineIndicationVS (extensible)
* subject MS
* subject only Reference(Patient)

Profile: KetamineEpisode
Parent: EpisodeOfCare
Id: ketamine-episode
Title: "Ketamine Treatment Episode"
Description: "Optional grouping of a patient's ketamine programme (evaluation, plans, sessions)."
* insert IgMetadata
* ^extension[$applies-when].valueString = "EpisodeOfCare.type.coding.where(system='http://fhir-ketamine.org/fhir/CodeSystem/ketamine-encounter-type' and code='ketamine-program').exists()"
* type 1..* MS
* type = KetamineEncounterTypeCS#ketamine-program
* diagnosis MS
* diagnosis.condition only Reference(KetamineIndicationCondition)
* patient only Reference(Patient)
