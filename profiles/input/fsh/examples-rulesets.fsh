// RuleSets shared by the example files (this file defines no instances).
RuleSet: Phase(phase)
* extension[infusionPhase].valueCode = #{phase}

RuleSet: FreqAnswer(i, linkId, code, display)
* item[{i}].linkId = "{linkId}"
* item[{i}].answer[0].valueCoding = $LOINC#{code} "{display}"

RuleSet: Phq9Answers(a1, a2, a3, a4, a5, a6, a7, a8, a9, total)
// Each aN is one of: LA6568-5 (0), LA6569-3 (1), LA6570-1 (2), LA6571-9 (3).
* questionnaire = "http://fhir-ketamine.org/fhir/Questionnaire/phq9|0.1.0"
* status = #completed
* item[0].linkId = "phq9-1"
* item[0].answer[0].valueCoding = $LOINC#{a1}
* item[1].linkId = "phq9-2"
* item[1].answer[0].valueCoding = $LOINC#{a2}
* item[2].linkId = "phq9-3"
* item[2].answer[0].valueCoding = $LOINC#{a3}
* item[3].linkId = "phq9-4"
* item[3].answer[0].valueCoding = $LOINC#{a4}
* item[4].linkId = "phq9-5"
* item[4].answer[0].valueCoding = $LOINC#{a5}
* item[5].linkId = "phq9-6"
* item[5].answer[0].valueCoding = $LOINC#{a6}
* item[6].linkId = "phq9-7"
* item[6].answer[0].valueCoding = $LOINC#{a7}
* item[7].linkId = "phq9-8"
* item[7].answer[0].valueCoding = $LOINC#{a8}
* item[8].linkId = "phq9-9"
* item[8].answer[0].valueCoding = $LOINC#{a9}
* item[9].linkId = "phq9-total"
* item[9].answer[0].valueInteger = {total}

RuleSet: Gad7Answers(a1, a2, a3, a4, a5, a6, a7, total)
* questionnaire = "http://fhir-ketamine.org/fhir/Questionnaire/gad7|0.1.0"
* status = #completed
* item[0].linkId = "gad7-1"
* item[0].answer[0].valueCoding = $LOINC#{a1}
* item[1].linkId = "gad7-2"
* item[1].answer[0].valueCoding = $LOINC#{a2}
* item[2].linkId = "gad7-3"
* item[2].answer[0].valueCoding = $LOINC#{a3}
* item[3].linkId = "gad7-4"
* item[3].answer[0].valueCoding = $LOINC#{a4}
* item[4].linkId = "gad7-5"
* item[4].answer[0].valueCoding = $LOINC#{a5}
* item[5].linkId = "gad7-6"
* item[5].answer[0].valueCoding = $LOINC#{a6}
* item[6].linkId = "gad7-7"
* item[6].answer[0].valueCoding = $LOINC#{a7}
* item[7].linkId = "gad7-total"
* item[7].answer[0].valueInteger = {total}

RuleSet: BoolAnswer(i, linkId, value)
* item[{i}].linkId = "{linkId}"
* item[{i}].answer[0].valueBoolean = {value}

RuleSet: PreInfusionAnswers(systolic, diastolic)
* questionnaire = "http://fhir-ketamine.org/fhir/Questionnaire/pre-infusion-checklist|0.1.0"
* status = #completed
* insert BoolAnswer(0, contraindications-reviewed, true)
* insert BoolAnswer(1, new-medications, false)
* insert BoolAnswer(2, fasting, true)
* insert BoolAnswer(3, companion-to-drive, true)
* item[4].linkId = "companion-name"
* item[4].answer[0].valueString = "Sam Rivera (spouse)"
* item[5].linkId = "baseline-bp"
* item[5].item[0].linkId = "baseline-systolic"
* item[5].item[0].answer[0].valueInteger = {systolic}
* item[5].item[1].linkId = "baseline-diastolic"
* item[5].item[1].answer[0].valueInteger = {diastolic}
* insert BoolAnswer(6, suicidal-ideation-assessed, true)
* insert BoolAnswer(7, consent-on-file, true)
* insert BoolAnswer(8, cleared-to-proceed, true)

RuleSet: DischargeAnswers(aldrete)
* questionnaire = "http://fhir-ketamine.org/fhir/Questionnaire/discharge-checklist|0.1.0"
* status = #completed
* item[0].linkId = "aldrete-total"
* item[0].answer[0].valueInteger = {aldrete}
* insert BoolAnswer(1, vitals-near-baseline, true)
* insert BoolAnswer(2, dissociation-resolved, true)
* insert BoolAnswer(3, ambulating, true)
* insert BoolAnswer(4, nausea-controlled, true)
* insert BoolAnswer(5, companion-present, true)
* insert BoolAnswer(6, instructions-given, true)
* insert BoolAnswer(7, discharge-ready, true)

RuleSet: VitalQuantity(value, unit, code)
* valueQuantity = {value} '{code}' "{unit}"

RuleSet: BpValues(sys, dia)
* component[SystolicBP].valueQuantity = {sys} 'mm[Hg]' "mmHg"
* component[DiastolicBP].valueQuantity = {dia} 'mm[Hg]' "mmHg"
