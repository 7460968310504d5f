// ---------------------------------------------------------------------------------------------
// Extensions
// ---------------------------------------------------------------------------------------------
Extension: AppliesWhen
Id: applies-when
Title: "Profile applies when"
Description: "On a StructureDefinition of this IG: a FHIRPath expression, evaluated on a resource of the profile's type, that is true when the profile applies to that resource by its content (e.g. a heart rate by its LOINC code), whether or not meta.profile names it. The server validates against every profile whose rule is true, so a device gateway cannot bypass the IG by leaving meta.profile out."
* insert IgMetadata
* ^context[0].type = #element
* ^context[0].expression = "StructureDefinition"
* value[x] only string
* valueString 1..1

Extension: InfusionNumber
Id: infusion-number
Title: "Infusion number in series"
Description: "The ordinal of this infusion in the patient's treatment course (1 = first induction infusion; boosters continue the count)."
* insert IgMetadata
* ^context[0].type = #element
* ^context[0].expression = "Procedure"
* value[x] only positiveInt
* valuePositiveInt 1..1

Extension: DosePerKg
Id: dose-per-kg
Title: "Dose per kg body weight"
Description: "The prescribed weight-based dose in mg/kg (typically 0.5 mg/kg over 40 minutes; range 0.1-0.75, Andrade 2017). dosage.dose is the total mg actually given."
* insert IgMetadata
* ^context[0].type = #element
* ^context[0].expression = "MedicationAdministration.dosage"
* ^context[1].type = #element
* ^context[1].expression = "Dosage"
* value[x] only Quantity
* valueQuantity 1..1
* valueQuantity.value 1..1
* valueQuantity.system 1..1
* valueQuantity.system = $UCUM
* valueQuantity.code 1..1
* valueQuantity.code = #mg/kg
* valueQuantity.unit = "mg/kg"

Extension: InfusionPhase
Id: infusion-phase
Title: "Infusion phase of a reading"
Description: "The session phase (baseline, infusion, recovery, discharge) in which an observation or questionnaire response was taken. The server sets it from the session's timeline when a device gateway omits it."
* insert IgMetadata
* ^context[0].type = #element
* ^context[0].expression = "Observation"
* ^context[1].type = #element
* ^context[1].expression = "QuestionnaireResponse"
* ^context[2].type = #element
* ^context[2].expression = "ObservationDefinition.qualifiedInterval"
* value[x] only code
* valueCode 1..1
* valueCode from InfusionPhaseVS (required)

Extension: TreatmentPhase
Id: treatment-phase
Title: "Treatment phase"
Description: "Whether a care plan covers the induction series or maintenance boosters."
* insert IgMetadata
* ^context[0].type = #element
* ^context[0].expression = "CarePlan"
* value[x] only code
* valueCode 1..1
* valueCode from TreatmentPhaseVS (required)

Extension: FailedAntidepressantTrials
Id: failed-antidepressant-trials
Title: "Failed antidepressant trials"
Description: "Number of adequate antidepressant trials (dose and duration) without response in the current episode; 2 or more defines treatment-resistant depression."
* insert IgMetadata
* ^context[0].type = #element
* ^context[0].expression = "Condition"
* value[x] only integer
* valueInteger 1..1
* obeys ket-trials-1

Invariant: ket-trials-1
Description: "The number of failed trials is not negative."
Severity: #error
Expression: "value.ofType(integer) >= 0"
