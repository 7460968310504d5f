// One valid instance of every profile, named for what it shows; exported to examples/valid/.
// Scenario: Alex Morgan, 70 kg, treatment-resistant depression, third induction infusion on 2025-03-07.

Instance: example-patient
InstanceOf: Patient
Usage: #example
Title: "Patient with treatment-resistant depression"
Description: "The patient of the per-profile examples."
* identifier[0].system = "http://fhir-ketamine.org/fhir/sid/mrn"
* identifier[0].value = "KC-000101"
* name[0].family = "Morgan"
* name[0].given[0] = "Alex"
* gender = #female
* birthDate = "1986-04-12"

Instance: example-psychiatrist
InstanceOf: Practitioner
Usage: #example
Title: "Treating psychiatrist"
* name[0].family = "Rivera"
* name[0].given[0] = "Dana"
* name[0].prefix[0] = "Dr."

Instance: example-infusion-pump
InstanceOf: Device
Usage: #example
Title: "Syringe infusion pump"
Description: "The pump whose start and stop times bound the MedicationAdministration."
* identifier[0].system = "http://fhir-ketamine.org/fhir/sid/device-asset"
* identifier[0].value = "PUMP-07"
* status = #active
* deviceName[0].name = "Syringe pump 07"
* deviceName[0].type = #user-friendly-name
* type = $SCT#69805005 "Insulin pump"
* type.text = "Syringe infusion pump"

Instance: indication-trd-recurrent-severe-mdd
InstanceOf: KetamineIndicationCondition
Usage: #example
Title: "Indication: treatment-resistant depression (MDD recurrent severe, 3 failed trials)"
* clinicalStatus = $cond-clinical#active
* verificationStatus = $cond-ver#confirmed
* category = $cond-cat#encounter-diagnosis
* code.coding[0] = $SCT#36474008 "Severe recurrent major depression without psychotic features"
* code.coding[1] = $ICD10CM#F33.2 "Major depressive disorder, recurrent severe without psychotic features"
* extension[failedAntidepressantTrials].valueInteger = 3
* subject = Reference(example-patient)
* onsetDateTime = "2019-06"
* recordedDate = "2025-02-20"

Instance: episode-ketamine-program
InstanceOf: KetamineEpisode
Usage: #example
Title: "Ketamine programme episode"
* status = #active
* type = KetamineEncounterTypeCS#ketamine-program
* diagnosis[0].condition = Reference(indication-trd-recurrent-severe-mdd)
* diagnosis[0].rank = 1
* patient = Reference(example-patient)
* period.start = "2025-02-20"

Instance: careplan-induction-six-infusions
InstanceOf: KetamineTreatmentPlan
Usage: #example
Title: "Induction plan: six infusions over two weeks"
* extension[treatmentPhase].valueCode = #induction
* status = #active
* intent = #plan
* title = "Ketamine induction series"
* subject = Reference(example-patient)
* period.start = "2025-03-03"
* period.end = "2025-03-17"
* addresses[0] = Reference(indication-trd-recurrent-severe-mdd)
* author = Reference(example-psychiatrist)
* activity[0].detail.kind = #ServiceRequest
* activity[0].detail.code = $SCT#14152002 "Intravenous infusion"
* activity[0].detail.status = #in-progress
* activity[0].detail.scheduledTiming.repeat.count = 6
* activity[0].detail.scheduledTiming.repeat.frequency = 3
* activity[0].detail.scheduledTiming.repeat.period = 1
* activity[0].detail.scheduledTiming.repeat.periodUnit = #wk
* activity[0].detail.productCodeableConcept = $RXN#6130 "ketamine"
* activity[0].detail.dailyAmount = 0.5 'mg/kg' "mg/kg"
* activity[0].detail.description = "0.5 mg/kg IV over 40 minutes, three times a week for two weeks"

Instance: careplan-maintenance-boosters
InstanceOf: KetamineTreatmentPlan
Usage: #example
Title: "Maintenance plan: boosters every four weeks, replacing the completed induction plan"
* extension[treatmentPhase].valueCode = #maintenance
* status = #active
* intent = #plan
* title = "Ketamine maintenance boosters"
* subject = Reference(example-patient)
* period.start = "2025-03-18"
* replaces[0] = Reference(careplan-induction-six-infusions)
* addresses[0] = Reference(indication-trd-recurrent-severe-mdd)
* author = Reference(example-psychiatrist)
* activity[0].detail.kind = #ServiceRequest
* activity[0].detail.code = $SCT#14152002 "Intravenous infusion"
* activity[0].detail.status = #scheduled
* activity[0].detail.scheduledTiming.repeat.frequency = 1
* activity[0].detail.scheduledTiming.repeat.period = 4
* activity[0].detail.scheduledTiming.repeat.periodUnit = #wk
* activity[0].detail.productCodeableConcept = $RXN#6130 "ketamine"
* activity[0].detail.description = "Booster 0.5 mg/kg IV over 40 minutes every 4 weeks, adjusted to response"

Instance: encounter-infusion-session
InstanceOf: KetamineInfusionEncounter
Usage: #example
Title: "Infusion session encounter (third induction infusion)"
* status = #finished
* class = $v3-ActCode#AMB "ambulatory"
* type = KetamineEncounterTypeCS#infusion-session
* subject = Reference(example-patient)
* episodeOfCare = Reference(episode-ketamine-program)
* participant[0].individual = Reference(example-psychiatrist)
* period.start = "2025-03-07T09:00:00-05:00"
* period.end = "2025-03-07T11:30:00-05:00"
* reasonReference[0] = Reference(indication-trd-recurrent-severe-mdd)

Instance: procedure-infusion-3-completed
InstanceOf: KetamineInfusionProcedure
Usage: #example
Title: "Third infusion of the induction series, completed"
* extension[infusionNumber].valuePositiveInt = 3
* basedOn = Reference(careplan-induction-six-infusions)
* status = #completed
* code = $SCT#14152002 "Intravenous infusion"
* subject = Reference(example-patient)
* encounter = Reference(encounter-infusion-session)
* performedPeriod.start = "2025-03-07T09:30:00-05:00"
* performedPeriod.end = "2025-03-07T10:10:00-05:00"
* performer[0].actor = Reference(example-psychiatrist)
* reasonReference[0] = Reference(indication-trd-recurrent-severe-mdd)
* usedReference[0] = Reference(example-infusion-pump)

Instance: medadmin-ketamine-35mg-0-5-mg-per-kg
InstanceOf: KetamineMedicationAdministration
Usage: #example
Title: "Ketamine 35 mg (0.5 mg/kg for 70 kg) over 40 minutes at 0.75 mg/kg/h"
* partOf = Reference(procedure-infusion-3-completed)
* status = #completed
* medicationCodeableConcept = $RXN#238083 "ketamine 100 MG/ML Injectable Solution"
* subject = Reference(example-patient)
* context = Reference(encounter-infusion-session)
* effectivePeriod.start = "2025-03-07T09:30:00-05:00"
* effectivePeriod.end = "2025-03-07T10:10:00-05:00"
* performer[0].actor = Reference(example-psychiatrist)
* reasonReference[0] = Reference(indication-trd-recurrent-severe-mdd)
* supportingInformation[0] = Reference(bodyweight-70kg-at-baseline)
* device[0] = Reference(example-infusion-pump)
* dosage.extension[dosePerKg].valueQuantity = 0.5 'mg/kg' "mg/kg"
* dosage.text = "0.5 mg/kg IV over 40 minutes"
* dosage.route = $SCT#47625008 "Intravenous route"
* dosage.dose = 35 'mg' "mg"
* dosage.rateQuantity = 0.75 'mg/kg/h' "mg/kg/h"

Instance: bodyweight-70kg-at-baseline
InstanceOf: KetamineBodyWeight
Usage: #example
Title: "Body weight 70 kg at baseline (the dose's basis)"
* insert Phase(baseline)
* status = #final
* subject = Reference(example-patient)
* encounter = Reference(encounter-infusion-session)
* effectiveDateTime = "2025-03-07T09:05:00-05:00"
* valueQuantity = 70 'kg' "kg"

Instance: bp-baseline-132-over-84
InstanceOf: KetamineBloodPressure
Usage: #example
Title: "Baseline blood pressure 132/84 mm[Hg]"
* insert Phase(baseline)
* status = #final
* subject = Reference(example-patient)
* encounter = Reference(encounter-infusion-session)
* effectiveDateTime = "2025-03-07T09:10:00-05:00"
* insert BpValues(132, 84)

Instance: bp-during-infusion-148-over-92
InstanceOf: KetamineBloodPressure
Usage: #example
Title: "Blood pressure 148/92 mm[Hg] 20 minutes into the infusion, linked to the Procedure"
* insert Phase(infusion)
* status = #final
* subject = Reference(example-patient)
* encounter = Reference(encounter-infusion-session)
* partOf = Reference(procedure-infusion-3-completed)
* effectiveDateTime = "2025-03-07T09:50:00-05:00"
* device = Reference(example-infusion-pump)
* insert BpValues(148, 92)

Instance: heartrate-from-gateway-minimal
InstanceOf: KetamineHeartRate
Usage: #example
Title: "Heart rate 88 /min as a bedside gateway sends it (no encounter, no phase)"
* status = #final
* subject = Reference(example-patient)
* effectiveDateTime = "2025-03-07T09:45:00-05:00"
* valueQuantity = 88 '/min' "beats/minute"

Instance: spo2-pulse-oximetry-97
InstanceOf: KetamineOxygenSaturation
Usage: #example
Title: "SpO2 97 % by pulse oximetry during the infusion"
* insert Phase(infusion)
* status = #final
* code.coding[PulseOximetryCode] = $LOINC#59408-5 "Oxygen saturation in Arterial blood by Pulse oximetry"
* subject = Reference(example-patient)
* encounter = Reference(encounter-infusion-session)
* partOf = Reference(procedure-infusion-3-completed)
* effectiveDateTime = "2025-03-07T09:45:00-05:00"
* valueQuantity = 97 '%' "%"

Instance: resprate-14-during-infusion
InstanceOf: KetamineRespiratoryRate
Usage: #example
Title: "Respiratory rate 14 /min during the infusion"
* insert Phase(infusion)
* status = #final
* subject = Reference(example-patient)
* encounter = Reference(encounter-infusion-session)
* partOf = Reference(procedure-infusion-3-completed)
* effectiveDateTime = "2025-03-07T09:45:00-05:00"
* valueQuantity = 14 '/min' "breaths/minute"

Instance: bodytemp-36-8-baseline
InstanceOf: KetamineBodyTemperature
Usage: #example
Title: "Body temperature 36.8 Cel at baseline"
* insert Phase(baseline)
* status = #final
* subject = Reference(example-patient)
* encounter = Reference(encounter-infusion-session)
* effectiveDateTime = "2025-03-07T09:10:00-05:00"
* valueQuantity = 36.8 'Cel' "C"

Instance: etco2-38-during-infusion
InstanceOf: KetamineEndTidalCO2
Usage: #example
Title: "End-tidal CO2 38 mm[Hg] by capnography during the infusion"
* insert Phase(infusion)
* status = #final
* subject = Reference(example-patient)
* encounter = Reference(encounter-infusion-session)
* partOf = Reference(procedure-infusion-3-completed)
* effectiveDateTime = "2025-03-07T09:45:00-05:00"
* valueQuantity = 38 'mm[Hg]' "mmHg"

Instance: dissociation-cadss-18
InstanceOf: KetamineDissociationScore
Usage: #example
Title: "CADSS total 18 at the end of the infusion"
* insert Phase(infusion)
* status = #final
* subject = Reference(example-patient)
* encounter = Reference(encounter-infusion-session)
* partOf = Reference(procedure-infusion-3-completed)
* effectiveDateTime = "2025-03-07T10:05:00-05:00"
* performer[0] = Reference(example-psychiatrist)
* valueInteger = 18

Instance: sedation-moaas-4
InstanceOf: KetamineSedationScore
Usage: #example
Title: "MOAA/S 4 (lethargic response to name) during the infusion"
* insert Phase(infusion)
* status = #final
* subject = Reference(example-patient)
* encounter = Reference(encounter-infusion-session)
* partOf = Reference(procedure-infusion-3-completed)
* effectiveDateTime = "2025-03-07T09:55:00-05:00"
* valueInteger = 4

Instance: recovery-aldrete-10-at-discharge
InstanceOf: KetamineRecoveryScore
Usage: #example
Title: "Modified Aldrete 10 at discharge"
* insert Phase(discharge)
* status = #final
* subject = Reference(example-patient)
* encounter = Reference(encounter-infusion-session)
* effectiveDateTime = "2025-03-07T11:15:00-05:00"
* valueInteger = 10
* derivedFrom[0] = Reference(qr-discharge-ready-with-companion)

Instance: qr-phq9-before-infusion-3
InstanceOf: KetamineQuestionnaireResponse
Usage: #example
Title: "PHQ-9 answers before infusion 3: total 15, item 9 'Not at all'"
* insert Phase(baseline)
* insert Phq9Answers(LA6571-9, LA6570-1, LA6570-1, LA6571-9, LA6569-3, LA6570-1, LA6569-3, LA6569-3, LA6568-5, 15)
* subject = Reference(example-patient)
* encounter = Reference(encounter-infusion-session)
* authored = "2025-03-07T09:08:00-05:00"
* author = Reference(example-patient)

Instance: phq9-total-15-before-infusion-3
InstanceOf: Phq9Total
Usage: #example
Title: "PHQ-9 total 15 (moderately severe) before infusion 3"
* insert Phase(baseline)
* status = #final
* subject = Reference(example-patient)
* encounter = Reference(encounter-infusion-session)
* effectiveDateTime = "2025-03-07T09:08:00-05:00"
* valueInteger = 15
* derivedFrom[0] = Reference(qr-phq9-before-infusion-3)

Instance: qr-gad7-baseline-12
InstanceOf: KetamineQuestionnaireResponse
Usage: #example
Title: "GAD-7 answers before infusion 3: total 12"
* insert Phase(baseline)
* insert Gad7Answers(LA6570-1, LA6570-1, LA6571-9, LA6569-3, LA6569-3, LA6570-1, LA6569-3, 12)
* subject = Reference(example-patient)
* encounter = Reference(encounter-infusion-session)
* authored = "2025-03-07T09:08:00-05:00"
* author = Reference(example-patient)

Instance: gad7-total-12-before-infusion-3
InstanceOf: Gad7Total
Usage: #example
Title: "GAD-7 total 12 (moderate) before infusion 3"
* insert Phase(baseline)
* status = #final
* subject = Reference(example-patient)
* encounter = Reference(encounter-infusion-session)
* effectiveDateTime = "2025-03-07T09:08:00-05:00"
* valueInteger = 12
* derivedFrom[0] = Reference(qr-gad7-baseline-12)

Instance: qr-pre-infusion-cleared
InstanceOf: KetamineQuestionnaireResponse
Usage: #example
Title: "Pre-infusion screening: fasting, companion, BP 132/84, cleared to proceed"
* insert Phase(baseline)
* insert PreInfusionAnswers(132, 84)
* subject = Reference(example-patient)
* encounter = Reference(encounter-infusion-session)
* authored = "2025-03-07T09:12:00-05:00"
* author = Reference(example-psychiatrist)

Instance: qr-discharge-ready-with-companion
InstanceOf: KetamineQuestionnaireResponse
Usage: #example
Title: "Discharge checklist: Aldrete 10, companion present, ready"
* insert Phase(discharge)
* insert DischargeAnswers(10)
* subject = Reference(example-patient)
* encounter = Reference(encounter-infusion-session)
* authored = "2025-03-07T11:15:00-05:00"
* author = Reference(example-psychiatrist)
