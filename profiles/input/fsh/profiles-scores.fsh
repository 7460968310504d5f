// ---------------------------------------------------------------------------------------------
// Scores: dissociation, sedation, recovery (local codes) and PHQ-9 / GAD-7 totals (LOINC).
// ---------------------------------------------------------------------------------------------
Profile: KetamineScoreObservation
Parent: Observation
Id: ketamine-score-observation
Title: "Ketamine Clinic Score (abstract)"
Description: "Common shape of the clinic's scored assessments: category survey, an integer value, the patient, the session and (for questionnaire-based scores) the QuestionnaireResponse it was derived from."
* insert IgMetadata
* ^abstract = true
* extension contains InfusionPhase named infusionPhase 0..1 MS
* category 1..* MS
* category = $obs-cat#survey
* subject 1..1 MS
* subject only Reference(Patient)
* effective[x] 1..1 MS
* effective[x] only dateTime
* encounter MS
* encounter only Reference(KetamineInfusionEncounter or Encounter)
* partOf MS
* partOf only Reference(KetamineInfusionProcedure)
* value[x] only integer
* value[x] MS
* derivedFrom MS
* derivedFrom only Reference(QuestionnaireResponse)
* component 0..0

Profile: KetamineDissociationScore
Parent: KetamineScoreObservation
Id: ketamine-dissociation-score
Title: "Dissociation Score (CADSS total)"
Description: "Clinician-Administered Dissociative States Scale total (0-92), taken during or after the infusion. Only the total is recorded: CADSS items are copyrighted."
* insert IgMetadata
* ^extension[$applies-when].valueString = "Observation.code.coding.where(system='http://fhir-ketamine.org/fhir/CodeSystem/ketamine-observation' and code='cadss-total').exists()"
* code = KetamineObservationCS#cadss-total
* valueInteger ^minValueInteger = 0
* valueInteger ^maxValueInteger = 92

Profile: KetamineSedationScore
Parent: KetamineScoreObservation
Id: ketamine-sedation-score
Title: "Sedation Score (MOAA/S)"
Description: "Modified Observer's Assessment of Alertness/Sedation (0-5; 5 = responds readily to name spoken in normal tone)."
* insert IgMetadata
* ^extension[$applies-when].valueString = "Observation.code.coding.where(system='http://fhir-ketamine.org/fhir/CodeSystem/ketamine-observation' and code='moaas').exists()"
* code = KetamineObservationCS#moaas
* valueInteger ^minValueInteger = 0
* valueInteger ^maxValueInteger = 5

Profile: KetamineRecoveryScore
Parent: KetamineScoreObservation
Id: ketamine-recovery-score
Title: "Recovery Score (modified Aldrete)"
Description: "Modified Aldrete score (0-10); discharge needs 9 or more (Aldrete, J Clin Anesth 1995)."
* insert IgMetadata
* ^extension[$applies-when].valueString = "Observation.code.coding.where(system='http://fhir-ketamine.org/fhir/CodeSystem/ketamine-observation' and code='aldrete-total').exists()"
* code = KetamineObservationCS#aldrete-total
* valueInteger ^minValueInteger = 0
* valueInteger ^maxValueInteger = 10

Profile: Phq9Total
Parent: KetamineScoreObservation
Id: phq9-total
Title: "PHQ-9 Total Score"
Description: "PHQ-9 total (LOINC 44261-6, 0-27), derived from one PHQ-9 QuestionnaireResponse. Bands: 0-4 minimal, 5-9 mild, 10-14 moderate, 15-19 moderately severe, 20-27 severe."
* insert IgMetadata
* ^extension[$applies-when].valueString = "Observation.code.coding.where(system='http://loinc.org' and code='44261-6').exists()"
* code = $LOINC#44261-6 "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]"
* valueInteger ^minValueInteger = 0
* valueInteger ^maxValueInteger = 27
* derivedFrom 1..1

Profile: Gad7Total
Parent: KetamineScoreObservation
Id: gad7-total
Title: "GAD-7 Total Score"
Description: "GAD-7 total (LOINC 70274-6, 0-21), derived from one GAD-7 QuestionnaireResponse. Bands: 0-4 minimal, 5-9 mild, 10-14 moderate, 15-21 severe."
* insert IgMetadata
* ^extension[$applies-when].valueString = "Observation.code.coding.where(system='http://loinc.org' and code='70274-6').exists()"
* code = $LOINC#70274-6 "Generalized anxiety disorder 7 item (GAD-7) total score [Reported.PHQ]"
* valueInteger ^minValueInteger = 0
* valueInteger ^maxValueInteger = 21
* derivedFrom 1..1
