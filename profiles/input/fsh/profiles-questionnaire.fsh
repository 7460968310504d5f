// ---------------------------------------------------------------------------------------------
// Questionnaire and QuestionnaireResponse profiles for the clinic's instruments.
// ---------------------------------------------------------------------------------------------
Profile: KetamineQuestionnaire
Parent: Questionnaire
Id: ketamine-questionnaire
Title: "Ketamine Clinic Questionnaire"
Description: "An instrument of this IG: canonical url and version, a computable name, and coded answer options that carry an ordinalValue so a total can be calculated (the total item carries an SDC calculatedExpression)."
* insert IgMetadata
* ^extension[$applies-when].valueString = "Questionnaire.url.startsWith('http://fhir-ketamine.org/fhir/Questionnaire/')"
* obeys ket-q-1
* url 1..1 MS
* version 1..1 MS
* name 1..1 MS
* title 1..1 MS
* status MS
* subjectType 1..* MS
* subjectType = #Patient
* item 1..* MS
* item.linkId MS
* item.code MS
* item.answerOption MS

Invariant: ket-q-1
Description: "Every coded answer option carries an ordinalValue (its score)."
Severity: #error
Expression: "repeat(item).answerOption.where(value.ofType(Coding).exists()).all(extension('http://hl7.org/fhir/StructureDefinition/ordinalValue').exists())"

Profile: KetamineQuestionnaireResponse
Parent: QuestionnaireResponse
Id: ketamine-questionnaire-response
Title: "Ketamine Clinic Questionnaire Response"
Description: "A patient's answers to one of this IG's Questionnaires, in a session phase (baseline or discharge), tied to the session Encounter."
* insert IgMetadata
* ^extension[$applies-when].valueString = "QuestionnaireResponse.questionnaire.startsWith('http://fhir-ketamine.org/fhir/Questionnaire/')"
* extension contains InfusionPhase named infusionPhase 0..1 MS
* questionnaire 1..1 MS
* status MS
* subject 1..1 MS
* subject only Reference(Patient)
* encounter MS
* authored 1..1 MS
* author MS
* item 1..* MS
* item.linkId MS
