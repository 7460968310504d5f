// ---------------------------------------------------------------------------------------------
// SearchParameters, OperationDefinitions, ObservationDefinitions (safety thresholds) and the
// CapabilityStatement a conformant server meets.
// ---------------------------------------------------------------------------------------------
RuleSet: SearchParameterHeader(id, code, title)
* url = "http://fhir-ketamine.org/fhir/SearchParameter/{id}"
* version = "0.1.0"
* name = "{title}"
* status = #draft
* date = "2025-01-01"
* publisher = "FhirKetamine project"
* code = #{code}
* xpathUsage = #normal

Instance: Procedure-infusion-number
InstanceOf: SearchParameter
Usage: #definition
* insert SearchParameterHeader(Procedure-infusion-number, infusion-number, KetamineInfusionNumber)
* description = "The infusion's number in the treatment series (extension infusion-number), e.g. infusion-number=1 for first infusions, infusion-number=ge6 for boosters."
* base = #Procedure
* type = #number
* expression = "Procedure.extension('http://fhir-ketamine.org/fhir/StructureDefinition/infusion-number').value"

Instance: infusion-phase
InstanceOf: SearchParameter
Usage: #definition
* insert SearchParameterHeader(infusion-phase, infusion-phase, KetamineInfusionPhase)
* description = "The session phase of a reading or questionnaire response (extension infusion-phase): baseline | infusion | recovery | discharge."
* base[0] = #Observation
* base[1] = #QuestionnaireResponse
* type = #token
* expression = "Observation.extension('http://fhir-ketamine.org/fhir/StructureDefinition/infusion-phase').value | QuestionnaireResponse.extension('http://fhir-ketamine.org/fhir/StructureDefinition/infusion-phase').value"

Instance: MedicationAdministration-dose-per-kg
InstanceOf: SearchParameter
Usage: #definition
* insert SearchParameterHeader(MedicationAdministration-dose-per-kg, dose-per-kg, KetamineDosePerKg)
* description = "The prescribed weight-based dose (extension dose-per-kg, mg/kg), e.g. dose-per-kg=gt0.75|http://unitsofmeasure.org|mg/kg."
* base = #MedicationAdministration
* type = #quantity
* expression = "MedicationAdministration.dosage.extension('http://fhir-ketamine.org/fhir/StructureDefinition/dose-per-kg').value"

Instance: MedicationAdministration-part-of
InstanceOf: SearchParameter
Usage: #definition
* insert SearchParameterHeader(MedicationAdministration-part-of, part-of, KetamineMedicationAdministrationPartOf)
* description = "The infusion Procedure an administration is part of (R4 core defines no part-of parameter on MedicationAdministration)."
* base = #MedicationAdministration
* type = #reference
* expression = "MedicationAdministration.partOf"
* target[0] = #Procedure
* target[1] = #MedicationAdministration

Instance: CarePlan-treatment-phase
InstanceOf: SearchParameter
Usage: #definition
* insert SearchParameterHeader(CarePlan-treatment-phase, treatment-phase, KetamineTreatmentPhase)
* description = "Induction or maintenance (extension treatment-phase)."
* base = #CarePlan
* type = #token
* expression = "CarePlan.extension('http://fhir-ketamine.org/fhir/StructureDefinition/treatment-phase').value"

Instance: Condition-failed-antidepressant-trials
InstanceOf: SearchParameter
Usage: #definition
* insert SearchParameterHeader(Condition-failed-antidepressant-trials, failed-antidepressant-trials, KetamineFailedAntidepressantTrials)
* description = "Number of failed antidepressant trials (extension failed-antidepressant-trials); failed-antidepressant-trials=ge2 finds treatment-resistant depression."
* base = #Condition
* type = #number
* expression = "Condition.extension('http://fhir-ketamine.org/fhir/StructureDefinition/failed-antidepressant-trials').value"

// ---------------------------------------------------------------------------------------------
RuleSet: OpPart(path, name, min, max, doc)
* {path}.name = #{name}
* {path}.use = #out
* {path}.min = {min}
* {path}.max = "{max}"
* {path}.documentation = "{doc}"

RuleSet: OpLeaf(path, name, min, max, type, doc)
* insert OpPart({path}, {name}, {min}, {max}, [[{doc}]])
* {path}.type = #{type}

Instance: ketamine-progress
InstanceOf: OperationDefinition
Usage: #definition
Title: "Ketamine treatment progress"
Description: "One patient's ketamine treatment progress (shared/DOMAIN.md section 6): the PHQ-9 and GAD-7 totals with their change from baseline, response and remission with the date first reached, every infusion session (dose, duration, rate, vitals summary, flags and detected issues), the treatment plans, the next planned session and adverse events. Every figure carries references to the resources it was read from."
* url = "http://fhir-ketamine.org/fhir/OperationDefinition/ketamine-progress"
* version = "0.1.0"
* name = "KetamineProgress"
* title = "Ketamine treatment progress"
* status = #draft
* kind = #operation
* date = "2025-01-01"
* publisher = "FhirKetamine project"
* description = "One patient's ketamine treatment progress. Invoke as GET or POST Patient/{id}/$ketamine-progress, or at type level as GET Patient/$ketamine-progress?patient={id} (POST: a Parameters with patient). Baseline = the last total at most 7 days before infusion 1; response = (baseline - current) / baseline >= 50 % (partial 25-49 %); remission = total < 5; the same rules for GAD-7. Only the resource types the access token may read are used; a patient-context token reaches only its own patient. PHQ-9's two-week recall overlaps sessions 2-3 days apart: read per-session scores as a trend."
* affectsState = false
* code = #ketamine-progress
* resource = #Patient
* system = false
* type = true
* instance = true
* parameter[0].name = #patient
* parameter[0].use = #in
* parameter[0].min = 0
* parameter[0].max = "1"
* parameter[0].documentation = "Type level only, and then required: the patient's id or Patient/{id}. At instance level the URL names the patient."
* parameter[0].type = #string
* parameter[1].name = #patient
* parameter[1].use = #out
* parameter[1].min = 1
* parameter[1].max = "1"
* parameter[1].documentation = "The patient."
* parameter[1].type = #Reference
* parameter[2].name = #generated
* parameter[2].use = #out
* parameter[2].min = 1
* parameter[2].max = "1"
* parameter[2].documentation = "When the figures were computed."
* parameter[2].type = #dateTime
* parameter[3].name = #instrument
* parameter[3].use = #out
* parameter[3].min = 0
* parameter[3].max = "*"
* parameter[3].documentation = "One per instrument the caller may read: PHQ-9 (44261-6), then GAD-7 (70274-6)."
* parameter[3].part[0].name = #name
* parameter[3].part[0].use = #out
* parameter[3].part[0].min = 1
* parameter[3].part[0].max = "1"
* parameter[3].part[0].documentation = "PHQ-9 or GAD-7."
* parameter[3].part[0].type = #string
* parameter[3].part[1].name = #code
* parameter[3].part[1].use = #out
* parameter[3].part[1].min = 1
* parameter[3].part[1].max = "1"
* parameter[3].part[1].documentation = "The total's LOINC code."
* parameter[3].part[1].type = #Coding
* parameter[3].part[2].name = #baseline
* parameter[3].part[2].use = #out
* parameter[3].part[2].min = 0
* parameter[3].part[2].max = "1"
* parameter[3].part[2].documentation = "The last total at most 7 days before infusion 1 (and not after its start)."
* parameter[3].part[2].part[0].name = #date
* parameter[3].part[2].part[0].use = #out
* parameter[3].part[2].part[0].min = 1
* parameter[3].part[2].part[0].max = "1"
* parameter[3].part[2].part[0].documentation = "Observation.effective."
* parameter[3].part[2].part[0].type = #dateTime
* parameter[3].part[2].part[1].name = #score
* parameter[3].part[2].part[1].use = #out
* parameter[3].part[2].part[1].min = 1
* parameter[3].part[2].part[1].max = "1"
* parameter[3].part[2].part[1].documentation = "The total."
* parameter[3].part[2].part[1].type = #integer
* parameter[3].part[2].part[2].name = #source
* parameter[3].part[2].part[2].use = #out
* parameter[3].part[2].part[2].min = 1
* parameter[3].part[2].part[2].max = "1"
* parameter[3].part[2].part[2].documentation = "The total Observation."
* parameter[3].part[2].part[2].type = #Reference
* parameter[3].part[3].name = #score
* parameter[3].part[3].use = #out
* parameter[3].part[3].min = 0
* parameter[3].part[3].max = "*"
* parameter[3].part[3].documentation = "Every total, oldest first."
* parameter[3].part[3].part[0].name = #date
* parameter[3].part[3].part[0].use = #out
* parameter[3].part[3].part[0].min = 1
* parameter[3].part[3].part[0].max = "1"
* parameter[3].part[3].part[0].documentation = "Observation.effective."
* parameter[3].part[3].part[0].type = #dateTime
* parameter[3].part[3].part[1].name = #score
* parameter[3].part[3].part[1].use = #out
* parameter[3].part[3].part[1].min = 1
* parameter[3].part[3].part[1].max = "1"
* parameter[3].part[3].part[1].documentation = "The total."
* parameter[3].part[3].part[1].type = #integer
* parameter[3].part[3].part[2].name = #changePoints
* parameter[3].part[3].part[2].use = #out
* parameter[3].part[3].part[2].min = 0
* parameter[3].part[3].part[2].max = "1"
* parameter[3].part[3].part[2].documentation = "Totals after the baseline: score - baseline (negative is better)."
* parameter[3].part[3].part[2].type = #integer
* parameter[3].part[3].part[3].name = #changePercent
* parameter[3].part[3].part[3].use = #out
* parameter[3].part[3].part[3].min = 0
* parameter[3].part[3].part[3].max = "1"
* parameter[3].part[3].part[3].documentation = "Totals after the baseline: (score - baseline) / baseline x 100, one decimal (-50 or lower is a response)."
* parameter[3].part[3].part[3].type = #decimal
* parameter[3].part[3].part[4].name = #source
* parameter[3].part[3].part[4].use = #out
* parameter[3].part[3].part[4].min = 1
* parameter[3].part[3].part[4].max = "1"
* parameter[3].part[3].part[4].documentation = "The total Observation."
* parameter[3].part[3].part[4].type = #Reference
* parameter[3].part[4].name = #response
* parameter[3].part[4].use = #out
* parameter[3].part[4].min = 1
* parameter[3].part[4].max = "1"
* parameter[3].part[4].documentation = "Response = (baseline - current) / baseline >= 50 %; partial 25-49 %."
* parameter[3].part[4].part[0].name = #status
* parameter[3].part[4].part[0].use = #out
* parameter[3].part[4].part[0].min = 1
* parameter[3].part[4].part[0].max = "1"
* parameter[3].part[4].part[0].documentation = "On the latest total after the baseline: response | partial-response | no-response | not-evaluable."
* parameter[3].part[4].part[0].type = #code
* parameter[3].part[4].part[1].name = #firstReached
* parameter[3].part[4].part[1].use = #out
* parameter[3].part[4].part[1].min = 0
* parameter[3].part[4].part[1].max = "1"
* parameter[3].part[4].part[1].documentation = "The first total after the baseline that reached a response."
* parameter[3].part[4].part[1].type = #dateTime
* parameter[3].part[4].part[2].name = #source
* parameter[3].part[4].part[2].use = #out
* parameter[3].part[4].part[2].min = 0
* parameter[3].part[4].part[2].max = "1"
* parameter[3].part[4].part[2].documentation = "That total Observation."
* parameter[3].part[4].part[2].type = #Reference
* parameter[3].part[4].part[3].name = #reason
* parameter[3].part[4].part[3].use = #out
* parameter[3].part[4].part[3].min = 0
* parameter[3].part[4].part[3].max = "1"
* parameter[3].part[4].part[3].documentation = "Why the status is not-evaluable (no infusion, no baseline, baseline 0, no later total)."
* parameter[3].part[4].part[3].type = #string
* parameter[3].part[5].name = #remission
* parameter[3].part[5].use = #out
* parameter[3].part[5].min = 1
* parameter[3].part[5].max = "1"
* parameter[3].part[5].documentation = "Remission = total < 5."
* parameter[3].part[5].part[0].name = #status
* parameter[3].part[5].part[0].use = #out
* parameter[3].part[5].part[0].min = 1
* parameter[3].part[5].part[0].max = "1"
* parameter[3].part[5].part[0].documentation = "On the latest total after the baseline: remission | no-remission | not-evaluable."
* parameter[3].part[5].part[0].type = #code
* parameter[3].part[5].part[1].name = #firstReached
* parameter[3].part[5].part[1].use = #out
* parameter[3].part[5].part[1].min = 0
* parameter[3].part[5].part[1].max = "1"
* parameter[3].part[5].part[1].documentation = "The first total after the baseline below 5."
* parameter[3].part[5].part[1].type = #dateTime
* parameter[3].part[5].part[2].name = #source
* parameter[3].part[5].part[2].use = #out
* parameter[3].part[5].part[2].min = 0
* parameter[3].part[5].part[2].max = "1"
* parameter[3].part[5].part[2].documentation = "That total Observation."
* parameter[3].part[5].part[2].type = #Reference
* parameter[3].part[5].part[3].name = #reason
* parameter[3].part[5].part[3].use = #out
* parameter[3].part[5].part[3].min = 0
* parameter[3].part[5].part[3].max = "1"
* parameter[3].part[5].part[3].documentation = "Why the status is not-evaluable."
* parameter[3].part[5].part[3].type = #string
* parameter[4].name = #session
* parameter[4].use = #out
* parameter[4].min = 0
* parameter[4].max = "*"
* parameter[4].documentation = "One per infusion Procedure (code 14152002 or an infusion-number), by start. Its vitals are the readings within its Encounter period (else the infusion period)."
* parameter[4].part[0].name = #infusionNumber
* parameter[4].part[0].use = #out
* parameter[4].part[0].min = 0
* parameter[4].part[0].max = "1"
* parameter[4].part[0].documentation = "The infusion-number extension. Parts: value, and source (the resources it was read from)."
* parameter[4].part[0].part[0].name = #value
* parameter[4].part[0].part[0].use = #out
* parameter[4].part[0].part[0].min = 1
* parameter[4].part[0].part[0].max = "1"
* parameter[4].part[0].part[0].documentation = "The figure."
* parameter[4].part[0].part[0].type = #positiveInt
* parameter[4].part[0].part[1].name = #source
* parameter[4].part[0].part[1].use = #out
* parameter[4].part[0].part[1].min = 1
* parameter[4].part[0].part[1].max = "*"
* parameter[4].part[0].part[1].documentation = "The resources it was read from."
* parameter[4].part[0].part[1].type = #Reference
* parameter[4].part[1].name = #date
* parameter[4].part[1].use = #out
* parameter[4].part[1].min = 0
* parameter[4].part[1].max = "1"
* parameter[4].part[1].documentation = "performedPeriod.start. Parts: value, and source (the resources it was read from)."
* parameter[4].part[1].part[0].name = #value
* parameter[4].part[1].part[0].use = #out
* parameter[4].part[1].part[0].min = 1
* parameter[4].part[1].part[0].max = "1"
* parameter[4].part[1].part[0].documentation = "The figure."
* parameter[4].part[1].part[0].type = #dateTime
* parameter[4].part[1].part[1].name = #source
* parameter[4].part[1].part[1].use = #out
* parameter[4].part[1].part[1].min = 1
* parameter[4].part[1].part[1].max = "*"
* parameter[4].part[1].part[1].documentation = "The resources it was read from."
* parameter[4].part[1].part[1].type = #Reference
* parameter[4].part[2].name = #status
* parameter[4].part[2].use = #out
* parameter[4].part[2].min = 1
* parameter[4].part[2].max = "1"
* parameter[4].part[2].documentation = "Procedure.status."
* parameter[4].part[2].type = #code
* parameter[4].part[3].name = #procedure
* parameter[4].part[3].use = #out
* parameter[4].part[3].min = 1
* parameter[4].part[3].max = "1"
* parameter[4].part[3].documentation = "The infusion Procedure."
* parameter[4].part[3].type = #Reference
* parameter[4].part[4].name = #encounter
* parameter[4].part[4].use = #out
* parameter[4].part[4].min = 0
* parameter[4].part[4].max = "1"
* parameter[4].part[4].documentation = "The session Encounter."
* parameter[4].part[4].type = #Reference
* parameter[4].part[5].name = #carePlan
* parameter[4].part[5].use = #out
* parameter[4].part[5].min = 0
* parameter[4].part[5].max = "1"
* parameter[4].part[5].documentation = "The plan the infusion is basedOn."
* parameter[4].part[5].type = #Reference
* parameter[4].part[6].name = #doseMg
* parameter[4].part[6].use = #out
* parameter[4].part[6].min = 0
* parameter[4].part[6].max = "1"
* parameter[4].part[6].documentation = "dosage.dose (mg) of the MedicationAdministration partOf the infusion. Parts: value, and source (the resources it was read from)."
* parameter[4].part[6].part[0].name = #value
* parameter[4].part[6].part[0].use = #out
* parameter[4].part[6].part[0].min = 1
* parameter[4].part[6].part[0].max = "1"
* parameter[4].part[6].part[0].documentation = "The figure."
* parameter[4].part[6].part[0].type = #Quantity
* parameter[4].part[6].part[1].name = #source
* parameter[4].part[6].part[1].use = #out
* parameter[4].part[6].part[1].min = 1
* parameter[4].part[6].part[1].max = "*"
* parameter[4].part[6].part[1].documentation = "The resources it was read from."
* parameter[4].part[6].part[1].type = #Reference
* parameter[4].part[7].name = #dosePerKg
* parameter[4].part[7].use = #out
* parameter[4].part[7].min = 0
* parameter[4].part[7].max = "1"
* parameter[4].part[7].documentation = "The prescribed dose-per-kg extension (mg/kg). Parts: value, and source (the resources it was read from)."
* parameter[4].part[7].part[0].name = #value
* parameter[4].part[7].part[0].use = #out
* parameter[4].part[7].part[0].min = 1
* parameter[4].part[7].part[0].max = "1"
* parameter[4].part[7].part[0].documentation = "The figure."
* parameter[4].part[7].part[0].type = #Quantity
* parameter[4].part[7].part[1].name = #source
* parameter[4].part[7].part[1].use = #out
* parameter[4].part[7].part[1].min = 1
* parameter[4].part[7].part[1].max = "*"
* parameter[4].part[7].part[1].documentation = "The resources it was read from."
* parameter[4].part[7].part[1].type = #Reference
* parameter[4].part[8].name = #administeredMgPerKg
* parameter[4].part[8].use = #out
* parameter[4].part[8].min = 0
* parameter[4].part[8].max = "1"
* parameter[4].part[8].documentation = "dose / body weight (mg/kg, 3 decimals), from the weight Observation in supportingInformation. Parts: value, and source (the resources it was read from)."
* parameter[4].part[8].part[0].name = #value
* parameter[4].part[8].part[0].use = #out
* parameter[4].part[8].part[0].min = 1
* parameter[4].part[8].part[0].max = "1"
* parameter[4].part[8].part[0].documentation = "The figure."
* parameter[4].part[8].part[0].type = #Quantity
* parameter[4].part[8].part[1].name = #source
* parameter[4].part[8].part[1].use = #out
* parameter[4].part[8].part[1].min = 1
* parameter[4].part[8].part[1].max = "*"
* parameter[4].part[8].part[1].documentation = "The resources it was read from."
* parameter[4].part[8].part[1].type = #Reference
* parameter[4].part[9].name = #bodyWeight
* parameter[4].part[9].use = #out
* parameter[4].part[9].min = 0
* parameter[4].part[9].max = "1"
* parameter[4].part[9].documentation = "That weight (kg). Parts: value, and source (the resources it was read from)."
* parameter[4].part[9].part[0].name = #value
* parameter[4].part[9].part[0].use = #out
* parameter[4].part[9].part[0].min = 1
* parameter[4].part[9].part[0].max = "1"
* parameter[4].part[9].part[0].documentation = "The figure."
* parameter[4].part[9].part[0].type = #Quantity
* parameter[4].part[9].part[1].name = #source
* parameter[4].part[9].part[1].use = #out
* parameter[4].part[9].part[1].min = 1
* parameter[4].part[9].part[1].max = "*"
* parameter[4].part[9].part[1].documentation = "The resources it was read from."
* parameter[4].part[9].part[1].type = #Reference
* parameter[4].part[10].name = #durationMinutes
* parameter[4].part[10].use = #out
* parameter[4].part[10].min = 0
* parameter[4].part[10].max = "1"
* parameter[4].part[10].documentation = "effectivePeriod end - start of the administration, in minutes. Parts: value, and source (the resources it was read from)."
* parameter[4].part[10].part[0].name = #value
* parameter[4].part[10].part[0].use = #out
* parameter[4].part[10].part[0].min = 1
* parameter[4].part[10].part[0].max = "1"
* parameter[4].part[10].part[0].documentation = "The figure."
* parameter[4].part[10].part[0].type = #decimal
* parameter[4].part[10].part[1].name = #source
* parameter[4].part[10].part[1].use = #out
* parameter[4].part[10].part[1].min = 1
* parameter[4].part[10].part[1].max = "*"
* parameter[4].part[10].part[1].documentation = "The resources it was read from."
* parameter[4].part[10].part[1].type = #Reference
* parameter[4].part[11].name = #rate
* parameter[4].part[11].use = #out
* parameter[4].part[11].min = 0
* parameter[4].part[11].max = "1"
* parameter[4].part[11].documentation = "dosage.rateQuantity as recorded (mg/kg/h or mg/min). Parts: value, and source (the resources it was read from)."
* parameter[4].part[11].part[0].name = #value
* parameter[4].part[11].part[0].use = #out
* parameter[4].part[11].part[0].min = 1
* parameter[4].part[11].part[0].max = "1"
* parameter[4].part[11].part[0].documentation = "The figure."
* parameter[4].part[11].part[0].type = #Quantity
* parameter[4].part[11].part[1].name = #source
* parameter[4].part[11].part[1].use = #out
* parameter[4].part[11].part[1].min = 1
* parameter[4].part[11].part[1].max = "*"
* parameter[4].part[11].part[1].documentation = "The resources it was read from."
* parameter[4].part[11].part[1].type = #Reference
* parameter[4].part[12].name = #rateRatio
* parameter[4].part[12].use = #out
* parameter[4].part[12].min = 0
* parameter[4].part[12].max = "1"
* parameter[4].part[12].documentation = "dosage.rateRatio as recorded (pump mL/h). Parts: value, and source (the resources it was read from)."
* parameter[4].part[12].part[0].name = #value
* parameter[4].part[12].part[0].use = #out
* parameter[4].part[12].part[0].min = 1
* parameter[4].part[12].part[0].max = "1"
* parameter[4].part[12].part[0].documentation = "The figure."
* parameter[4].part[12].part[0].type = #Ratio
* parameter[4].part[12].part[1].name = #source
* parameter[4].part[12].part[1].use = #out
* parameter[4].part[12].part[1].min = 1
* parameter[4].part[12].part[1].max = "*"
* parameter[4].part[12].part[1].documentation = "The resources it was read from."
* parameter[4].part[12].part[1].type = #Reference
* parameter[4].part[13].name = #administrationStatus
* parameter[4].part[13].use = #out
* parameter[4].part[13].min = 0
* parameter[4].part[13].max = "1"
* parameter[4].part[13].documentation = "MedicationAdministration.status (stopped when halted)."
* parameter[4].part[13].type = #code
* parameter[4].part[14].name = #vitals
* parameter[4].part[14].use = #out
* parameter[4].part[14].min = 1
* parameter[4].part[14].max = "1"
* parameter[4].part[14].documentation = "The session vitals summary."
* parameter[4].part[14].part[0].name = #maxSystolic
* parameter[4].part[14].part[0].use = #out
* parameter[4].part[14].part[0].min = 0
* parameter[4].part[14].part[0].max = "1"
* parameter[4].part[14].part[0].documentation = "Highest systolic pressure (8480-6 component of 85354-9). Parts: value, and source (the resources it was read from)."
* parameter[4].part[14].part[0].part[0].name = #value
* parameter[4].part[14].part[0].part[0].use = #out
* parameter[4].part[14].part[0].part[0].min = 1
* parameter[4].part[14].part[0].part[0].max = "1"
* parameter[4].part[14].part[0].part[0].documentation = "The figure."
* parameter[4].part[14].part[0].part[0].type = #Quantity
* parameter[4].part[14].part[0].part[1].name = #source
* parameter[4].part[14].part[0].part[1].use = #out
* parameter[4].part[14].part[0].part[1].min = 1
* parameter[4].part[14].part[0].part[1].max = "*"
* parameter[4].part[14].part[0].part[1].documentation = "The resources it was read from."
* parameter[4].part[14].part[0].part[1].type = #Reference
* parameter[4].part[14].part[1].name = #maxDiastolic
* parameter[4].part[14].part[1].use = #out
* parameter[4].part[14].part[1].min = 0
* parameter[4].part[14].part[1].max = "1"
* parameter[4].part[14].part[1].documentation = "Highest diastolic pressure (8462-4). Parts: value, and source (the resources it was read from)."
* parameter[4].part[14].part[1].part[0].name = #value
* parameter[4].part[14].part[1].part[0].use = #out
* parameter[4].part[14].part[1].part[0].min = 1
* parameter[4].part[14].part[1].part[0].max = "1"
* parameter[4].part[14].part[1].part[0].documentation = "The figure."
* parameter[4].part[14].part[1].part[0].type = #Quantity
* parameter[4].part[14].part[1].part[1].name = #source
* parameter[4].part[14].part[1].part[1].use = #out
* parameter[4].part[14].part[1].part[1].min = 1
* parameter[4].part[14].part[1].part[1].max = "*"
* parameter[4].part[14].part[1].part[1].documentation = "The resources it was read from."
* parameter[4].part[14].part[1].part[1].type = #Reference
* parameter[4].part[14].part[2].name = #maxHeartRate
* parameter[4].part[14].part[2].use = #out
* parameter[4].part[14].part[2].min = 0
* parameter[4].part[14].part[2].max = "1"
* parameter[4].part[14].part[2].documentation = "Highest heart rate (8867-4). Parts: value, and source (the resources it was read from)."
* parameter[4].part[14].part[2].part[0].name = #value
* parameter[4].part[14].part[2].part[0].use = #out
* parameter[4].part[14].part[2].part[0].min = 1
* parameter[4].part[14].part[2].part[0].max = "1"
* parameter[4].part[14].part[2].part[0].documentation = "The figure."
* parameter[4].part[14].part[2].part[0].type = #Quantity
* parameter[4].part[14].part[2].part[1].name = #source
* parameter[4].part[14].part[2].part[1].use = #out
* parameter[4].part[14].part[2].part[1].min = 1
* parameter[4].part[14].part[2].part[1].max = "*"
* parameter[4].part[14].part[2].part[1].documentation = "The resources it was read from."
* parameter[4].part[14].part[2].part[1].type = #Reference
* parameter[4].part[14].part[3].name = #minHeartRate
* parameter[4].part[14].part[3].use = #out
* parameter[4].part[14].part[3].min = 0
* parameter[4].part[14].part[3].max = "1"
* parameter[4].part[14].part[3].documentation = "Lowest heart rate. Parts: value, and source (the resources it was read from)."
* parameter[4].part[14].part[3].part[0].name = #value
* parameter[4].part[14].part[3].part[0].use = #out
* parameter[4].part[14].part[3].part[0].min = 1
* parameter[4].part[14].part[3].part[0].max = "1"
* parameter[4].part[14].part[3].part[0].documentation = "The figure."
* parameter[4].part[14].part[3].part[0].type = #Quantity
* parameter[4].part[14].part[3].part[1].name = #source
* parameter[4].part[14].part[3].part[1].use = #out
* parameter[4].part[14].part[3].part[1].min = 1
* parameter[4].part[14].part[3].part[1].max = "*"
* parameter[4].part[14].part[3].part[1].documentation = "The resources it was read from."
* parameter[4].part[14].part[3].part[1].type = #Reference
* parameter[4].part[14].part[4].name = #minSpO2
* parameter[4].part[14].part[4].use = #out
* parameter[4].part[14].part[4].min = 0
* parameter[4].part[14].part[4].max = "1"
* parameter[4].part[14].part[4].documentation = "Lowest SpO2 (2708-6 / 59408-5). Parts: value, and source (the resources it was read from)."
* parameter[4].part[14].part[4].part[0].name = #value
* parameter[4].part[14].part[4].part[0].use = #out
* parameter[4].part[14].part[4].part[0].min = 1
* parameter[4].part[14].part[4].part[0].max = "1"
* parameter[4].part[14].part[4].part[0].documentation = "The figure."
* parameter[4].part[14].part[4].part[0].type = #Quantity
* parameter[4].part[14].part[4].part[1].name = #source
* parameter[4].part[14].part[4].part[1].use = #out
* parameter[4].part[14].part[4].part[1].min = 1
* parameter[4].part[14].part[4].part[1].max = "*"
* parameter[4].part[14].part[4].part[1].documentation = "The resources it was read from."
* parameter[4].part[14].part[4].part[1].type = #Reference
* parameter[4].part[14].part[5].name = #readings
* parameter[4].part[14].part[5].use = #out
* parameter[4].part[14].part[5].min = 1
* parameter[4].part[14].part[5].max = "1"
* parameter[4].part[14].part[5].documentation = "Number of blood-pressure, heart-rate and SpO2 readings in the session."
* parameter[4].part[14].part[5].type = #integer
* parameter[4].part[15].name = #flag
* parameter[4].part[15].use = #out
* parameter[4].part[15].min = 0
* parameter[4].part[15].max = "*"
* parameter[4].part[15].documentation = "Flags of the session (its encounter, one of its resources, or starting within it)."
* parameter[4].part[15].type = #Reference
* parameter[4].part[16].name = #detectedIssue
* parameter[4].part[16].use = #out
* parameter[4].part[16].min = 0
* parameter[4].part[16].max = "*"
* parameter[4].part[16].documentation = "DetectedIssues implicating the session or identified within it."
* parameter[4].part[16].type = #Reference
* parameter[5].name = #plan
* parameter[5].use = #out
* parameter[5].min = 0
* parameter[5].max = "*"
* parameter[5].documentation = "One per CarePlan of the patient, by period.start."
* parameter[5].part[0].name = #carePlan
* parameter[5].part[0].use = #out
* parameter[5].part[0].min = 1
* parameter[5].part[0].max = "1"
* parameter[5].part[0].documentation = "The plan."
* parameter[5].part[0].type = #Reference
* parameter[5].part[1].name = #status
* parameter[5].part[1].use = #out
* parameter[5].part[1].min = 1
* parameter[5].part[1].max = "1"
* parameter[5].part[1].documentation = "CarePlan.status."
* parameter[5].part[1].type = #code
* parameter[5].part[2].name = #phase
* parameter[5].part[2].use = #out
* parameter[5].part[2].min = 0
* parameter[5].part[2].max = "1"
* parameter[5].part[2].documentation = "induction | maintenance (treatment-phase extension)."
* parameter[5].part[2].type = #code
* parameter[5].part[3].name = #planned
* parameter[5].part[3].use = #out
* parameter[5].part[3].min = 0
* parameter[5].part[3].max = "1"
* parameter[5].part[3].documentation = "scheduledTiming.repeat.count of its infusion activity. Parts: value, and source (the resources it was read from)."
* parameter[5].part[3].part[0].name = #value
* parameter[5].part[3].part[0].use = #out
* parameter[5].part[3].part[0].min = 1
* parameter[5].part[3].part[0].max = "1"
* parameter[5].part[3].part[0].documentation = "The figure."
* parameter[5].part[3].part[0].type = #integer
* parameter[5].part[3].part[1].name = #source
* parameter[5].part[3].part[1].use = #out
* parameter[5].part[3].part[1].min = 1
* parameter[5].part[3].part[1].max = "*"
* parameter[5].part[3].part[1].documentation = "The resources it was read from."
* parameter[5].part[3].part[1].type = #Reference
* parameter[5].part[4].name = #completed
* parameter[5].part[4].use = #out
* parameter[5].part[4].min = 1
* parameter[5].part[4].max = "1"
* parameter[5].part[4].documentation = "Completed infusions basedOn the plan."
* parameter[5].part[4].part[0].name = #value
* parameter[5].part[4].part[0].use = #out
* parameter[5].part[4].part[0].min = 1
* parameter[5].part[4].part[0].max = "1"
* parameter[5].part[4].part[0].documentation = "Their number."
* parameter[5].part[4].part[0].type = #integer
* parameter[5].part[4].part[1].name = #source
* parameter[5].part[4].part[1].use = #out
* parameter[5].part[4].part[1].min = 0
* parameter[5].part[4].part[1].max = "*"
* parameter[5].part[4].part[1].documentation = "The Procedures."
* parameter[5].part[4].part[1].type = #Reference
* parameter[6].name = #nextSession
* parameter[6].use = #out
* parameter[6].min = 0
* parameter[6].max = "1"
* parameter[6].documentation = "The earliest next infusion of the active plans: the first scheduledTiming event after the plan's last infusion, or the last infusion plus the repeat interval (period / frequency) while the planned count is not reached."
* parameter[6].part[0].name = #date
* parameter[6].part[0].use = #out
* parameter[6].part[0].min = 1
* parameter[6].part[0].max = "1"
* parameter[6].part[0].documentation = "The date (a date only when derived from a repeat interval)."
* parameter[6].part[0].type = #dateTime
* parameter[6].part[1].name = #overdue
* parameter[6].part[1].use = #out
* parameter[6].part[1].min = 1
* parameter[6].part[1].max = "1"
* parameter[6].part[1].documentation = "True when the date has passed."
* parameter[6].part[1].type = #boolean
* parameter[6].part[2].name = #source
* parameter[6].part[2].use = #out
* parameter[6].part[2].min = 1
* parameter[6].part[2].max = "1"
* parameter[6].part[2].documentation = "The CarePlan."
* parameter[6].part[2].type = #Reference
* parameter[7].name = #adverseEvent
* parameter[7].use = #out
* parameter[7].min = 0
* parameter[7].max = "*"
* parameter[7].documentation = "AdverseEvents of the patient, by date."
* parameter[7].part[0].name = #date
* parameter[7].part[0].use = #out
* parameter[7].part[0].min = 0
* parameter[7].part[0].max = "1"
* parameter[7].part[0].documentation = "AdverseEvent.date."
* parameter[7].part[0].type = #dateTime
* parameter[7].part[1].name = #event
* parameter[7].part[1].use = #out
* parameter[7].part[1].min = 0
* parameter[7].part[1].max = "1"
* parameter[7].part[1].documentation = "AdverseEvent.event."
* parameter[7].part[1].type = #CodeableConcept
* parameter[7].part[2].name = #seriousness
* parameter[7].part[2].use = #out
* parameter[7].part[2].min = 0
* parameter[7].part[2].max = "1"
* parameter[7].part[2].documentation = "AdverseEvent.seriousness."
* parameter[7].part[2].type = #CodeableConcept
* parameter[7].part[3].name = #encounter
* parameter[7].part[3].use = #out
* parameter[7].part[3].min = 0
* parameter[7].part[3].max = "1"
* parameter[7].part[3].documentation = "AdverseEvent.encounter."
* parameter[7].part[3].type = #Reference
* parameter[7].part[4].name = #source
* parameter[7].part[4].use = #out
* parameter[7].part[4].min = 1
* parameter[7].part[4].max = "1"
* parameter[7].part[4].documentation = "The AdverseEvent."
* parameter[7].part[4].type = #Reference
* parameter[8].name = #outcome
* parameter[8].use = #out
* parameter[8].min = 0
* parameter[8].max = "1"
* parameter[8].documentation = "A warning naming the resource types left out because the access token does not grant reading them."
* parameter[8].type = #OperationOutcome


Instance: reindex
InstanceOf: OperationDefinition
Usage: #definition
Title: "Reindex"
Description: "Rebuild search index entries, e.g. after a SearchParameter was added."
* url = "http://fhir-ketamine.org/fhir/OperationDefinition/reindex"
* version = "0.1.0"
* name = "Reindex"
* title = "Reindex"
* status = #draft
* kind = #operation
* date = "2025-01-01"
* publisher = "FhirKetamine project"
* description = "Rebuilds the search index of every resource (system level), of one type (type level) or of one resource (instance level), so a newly loaded SearchParameter applies to existing data."
* affectsState = true
* code = #reindex
* resource[0] = #Resource
* system = true
* type = true
* instance = true
* parameter[0].name = #return
* parameter[0].use = #out
* parameter[0].min = 1
* parameter[0].max = "1"
* parameter[0].documentation = "An OperationOutcome stating how many resources were reindexed."
* parameter[0].type = #OperationOutcome

// ---------------------------------------------------------------------------------------------
// Safety thresholds as data. Convention: qualifiedInterval.category = critical; condition = the
// safety rule id (CodeSystem ketamine-safety); the infusion-phase extension says in which phase the
// interval applies (absent = any phase); range bounds are inclusive (strict limits of integer-valued
// readings are written as the next integer, e.g. HR > 120 -> low 121).
// ---------------------------------------------------------------------------------------------
RuleSet: CriticalLow(i, rule, low, unit, phase)
* qualifiedInterval[{i}].category = #critical
* qualifiedInterval[{i}].condition = "{rule}"
* qualifiedInterval[{i}].range.low = {low} '{unit}'
* qualifiedInterval[{i}].extension[0].url = "http://fhir-ketamine.org/fhir/StructureDefinition/infusion-phase"
* qualifiedInterval[{i}].extension[0].valueCode = #{phase}

RuleSet: CriticalHigh(i, rule, high, unit, phase)
* qualifiedInterval[{i}].category = #critical
* qualifiedInterval[{i}].condition = "{rule}"
* qualifiedInterval[{i}].range.high = {high} '{unit}'
* qualifiedInterval[{i}].extension[0].url = "http://fhir-ketamine.org/fhir/StructureDefinition/infusion-phase"
* qualifiedInterval[{i}].extension[0].valueCode = #{phase}

RuleSet: ObsDefHeader(code, display, unit)
* category = $obs-cat#vital-signs
* code = $LOINC#{code} "{display}"
* permittedDataType = #Quantity
* multipleResultsAllowed = true
* quantitativeDetails.unit = $UCUM#{unit}
* quantitativeDetails.decimalPrecision = 0

Instance: systolic-bp-thresholds
InstanceOf: ObservationDefinition
Usage: #definition
Title: "Systolic blood pressure thresholds"
Description: "bp-contra (baseline >= 180, Swiss SmPC), bp-preinfusion (baseline >= 160, clinic default), bp-intra (infusion > 180, clinic default)."
* insert ObsDefHeader(8480-6, Systolic blood pressure, mm[Hg])
* insert CriticalLow(0, bp-contra, 180, mm[Hg], baseline)
* insert CriticalLow(1, bp-preinfusion, 160, mm[Hg], baseline)
* insert CriticalLow(2, bp-intra, 181, mm[Hg], infusion)

Instance: diastolic-bp-thresholds
InstanceOf: ObservationDefinition
Usage: #definition
Title: "Diastolic blood pressure thresholds"
Description: "bp-contra (baseline >= 100), bp-preinfusion (baseline >= 100), bp-intra (infusion > 110)."
* insert ObsDefHeader(8462-4, Diastolic blood pressure, mm[Hg])
* insert CriticalLow(0, bp-contra, 100, mm[Hg], baseline)
* insert CriticalLow(1, bp-preinfusion, 100, mm[Hg], baseline)
* insert CriticalLow(2, bp-intra, 111, mm[Hg], infusion)

Instance: oxygen-saturation-thresholds
InstanceOf: ObservationDefinition
Usage: #definition
Title: "SpO2 thresholds"
Description: "spo2-low: SpO2 < 90 % in any phase."
* insert ObsDefHeader(59408-5, Oxygen saturation in Arterial blood by Pulse oximetry, %)
* qualifiedInterval[0].category = #critical
* qualifiedInterval[0].condition = "spo2-low"
* qualifiedInterval[0].range.high = 89 '%'

Instance: heart-rate-thresholds
InstanceOf: ObservationDefinition
Usage: #definition
Title: "Heart rate thresholds"
Description: "hr: heart rate > 120 or < 50 /min in any phase."
* insert ObsDefHeader(8867-4, Heart rate, /min)
* qualifiedInterval[0].category = #critical
* qualifiedInterval[0].condition = "hr"
* qualifiedInterval[0].range.low = 121 '/min'
* qualifiedInterval[1].category = #critical
* qualifiedInterval[1].condition = "hr"
* qualifiedInterval[1].range.high = 49 '/min'

Instance: respiratory-rate-thresholds
InstanceOf: ObservationDefinition
Usage: #definition
Title: "Respiratory rate thresholds"
Description: "rr-low: respiratory rate < 8 /min in any phase."
* insert ObsDefHeader(9279-1, Respiratory rate, /min)
* qualifiedInterval[0].category = #critical
* qualifiedInterval[0].condition = "rr-low"
* qualifiedInterval[0].range.high = 7 '/min'

Instance: etco2-thresholds
InstanceOf: ObservationDefinition
Usage: #definition
Title: "End-tidal CO2 thresholds"
Description: "rr-low: EtCO2 > 50 mm[Hg] in any phase."
* insert ObsDefHeader(19889-5, Carbon dioxide [Partial pressure] in Exhaled gas --at end expiration, mm[Hg])
* qualifiedInterval[0].category = #critical
* qualifiedInterval[0].condition = "rr-low"
* qualifiedInterval[0].range.low = 51 'mm[Hg]'

Instance: aldrete-discharge-threshold
InstanceOf: ObservationDefinition
Usage: #definition
Title: "Discharge recovery score threshold"
Description: "discharge: a modified Aldrete score below 9 at discharge breaks the discharge rule."
* category = $obs-cat#survey
* code = KetamineObservationCS#aldrete-total
* permittedDataType = #integer
* qualifiedInterval[0].category = #critical
* qualifiedInterval[0].condition = "discharge"
* qualifiedInterval[0].range.high = 8 '{score}'
* qualifiedInterval[0].extension[0].url = "http://fhir-ketamine.org/fhir/StructureDefinition/infusion-phase"
* qualifiedInterval[0].extension[0].valueCode = #discharge

// ---------------------------------------------------------------------------------------------
RuleSet: ServerResource(type)
* rest[0].resource[{type}].interaction[0].code = #read
* rest[0].resource[{type}].interaction[1].code = #vread
* rest[0].resource[{type}].interaction[2].code = #create
* rest[0].resource[{type}].interaction[3].code = #update
* rest[0].resource[{type}].interaction[4].code = #delete
* rest[0].resource[{type}].interaction[5].code = #search-type
* rest[0].resource[{type}].interaction[6].code = #history-instance
* rest[0].resource[{type}].versioning = #versioned-update
* rest[0].resource[{type}].conditionalCreate = true
* rest[0].resource[{type}].conditionalUpdate = true
* rest[0].resource[{type}].updateCreate = true

RuleSet: CustomSearch(type, i, name, id, kind)
* rest[0].resource[{type}].searchParam[{i}].name = "{name}"
* rest[0].resource[{type}].searchParam[{i}].definition = "http://fhir-ketamine.org/fhir/SearchParameter/{id}"
* rest[0].resource[{type}].searchParam[{i}].type = #{kind}

Instance: fhir-ketamine-server
InstanceOf: CapabilityStatement
Usage: #definition
Title: "FhirKetamine conformant server"
Description: "What a server conforming to this IG supports: the ketamine profiles (validated on write, selected by meta.profile and by content), the IG's SearchParameters and the $ketamine-progress operation, in JSON and XML."
* url = "http://fhir-ketamine.org/fhir/CapabilityStatement/fhir-ketamine-server"
* version = "0.1.0"
* name = "FhirKetamineServer"
* title = "FhirKetamine conformant server"
* status = #draft
* date = "2025-01-01"
* publisher = "FhirKetamine project"
* description = "Requirements for a server conforming to the FhirKetamine IG: it validates writes against core R4, every meta.profile and the IG profile that applies by content (StructureDefinition extension applies-when), supports the IG's SearchParameters and $ketamine-progress, and raises safety DetectedIssues/Flags per the ObservationDefinitions."
* kind = #requirements
* fhirVersion = #4.0.1
* format[0] = #json
* format[1] = #xml
* implementationGuide = "http://fhir-ketamine.org/fhir/ImplementationGuide/fhir-ketamine"
* rest[0].mode = #server
* rest[0].documentation = "SMART on FHIR (App Launch 2.x) protects every interaction."
* rest[0].security.cors = true
* rest[0].security.service = http://terminology.hl7.org/CodeSystem/restful-security-service#SMART-on-FHIR
* rest[0].interaction[0].code = #transaction
* rest[0].interaction[1].code = #batch
* rest[0].interaction[2].code = #history-system
* rest[0].interaction[3].code = #search-system
* rest[0].operation[0].name = "reindex"
* rest[0].operation[0].definition = "http://fhir-ketamine.org/fhir/OperationDefinition/reindex"
* rest[0].resource[0].type = #Patient
* insert ServerResource(0)
* rest[0].resource[0].operation[0].name = "ketamine-progress"
* rest[0].resource[0].operation[0].definition = "http://fhir-ketamine.org/fhir/OperationDefinition/ketamine-progress"
* rest[0].resource[1].type = #Encounter
* rest[0].resource[1].supportedProfile[0] = "http://fhir-ketamine.org/fhir/StructureDefinition/ketamine-session-encounter"
* insert ServerResource(1)
* rest[0].resource[2].type = #Procedure
* rest[0].resource[2].supportedProfile[0] = "http://fhir-ketamine.org/fhir/StructureDefinition/ketamine-infusion-procedure"
* insert ServerResource(2)
* insert CustomSearch(2, 0, infusion-number, Procedure-infusion-number, number)
* rest[0].resource[3].type = #MedicationAdministration
* rest[0].resource[3].supportedProfile[0] = "http://fhir-ketamine.org/fhir/StructureDefinition/ketamine-medication-administration"
* insert ServerResource(3)
* insert CustomSearch(3, 0, dose-per-kg, MedicationAdministration-dose-per-kg, quantity)
* insert CustomSearch(3, 1, part-of, MedicationAdministration-part-of, reference)
* rest[0].resource[4].type = #Observation
* rest[0].resource[4].supportedProfile[0] = "http://fhir-ketamine.org/fhir/StructureDefinition/ketamine-heartrate"
* rest[0].resource[4].supportedProfile[1] = "http://fhir-ketamine.org/fhir/StructureDefinition/ketamine-bp"
* rest[0].resource[4].supportedProfile[2] = "http://fhir-ketamine.org/fhir/StructureDefinition/ketamine-oxygensat"
* rest[0].resource[4].supportedProfile[3] = "http://fhir-ketamine.org/fhir/StructureDefinition/ketamine-resprate"
* rest[0].resource[4].supportedProfile[4] = "http://fhir-ketamine.org/fhir/StructureDefinition/ketamine-bodytemp"
* rest[0].resource[4].supportedProfile[5] = "http://fhir-ketamine.org/fhir/StructureDefinition/ketamine-bodyweight"
* rest[0].resource[4].supportedProfile[6] = "http://fhir-ketamine.org/fhir/StructureDefinition/ketamine-etco2"
* rest[0].resource[4].supportedProfile[7] = "http://fhir-ketamine.org/fhir/StructureDefinition/ketamine-dissociation-score"
* rest[0].resource[4].supportedProfile[8] = "http://fhir-ketamine.org/fhir/StructureDefinition/ketamine-sedation-score"
* rest[0].resource[4].supportedProfile[9] = "http://fhir-ketamine.org/fhir/StructureDefinition/ketamine-recovery-score"
* rest[0].resource[4].supportedProfile[10] = "http://fhir-ketamine.org/fhir/StructureDefinition/phq9-total"
* rest[0].resource[4].supportedProfile[11] = "http://fhir-ketamine.org/fhir/StructureDefinition/gad7-total"
* insert ServerResource(4)
* insert CustomSearch(4, 0, infusion-phase, infusion-phase, token)
* rest[0].resource[5].type = #CarePlan
* rest[0].resource[5].supportedProfile[0] = "http://fhir-ketamine.org/fhir/StructureDefinition/ketamine-treatment-plan"
* insert ServerResource(5)
* insert CustomSearch(5, 0, treatment-phase, CarePlan-treatment-phase, token)
* rest[0].resource[6].type = #Condition
* rest[0].resource[6].supportedProfile[0] = "http://fhir-ketamine.org/fhir/StructureDefinition/ketamine-indication"
* insert ServerResource(6)
* insert CustomSearch(6, 0, failed-antidepressant-trials, Condition-failed-antidepressant-trials, number)
* rest[0].resource[7].type = #EpisodeOfCare
* rest[0].resource[7].supportedProfile[0] = "http://fhir-ketamine.org/fhir/StructureDefinition/ketamine-episode"
* insert ServerResource(7)
* rest[0].resource[8].type = #Questionnaire
* rest[0].resource[8].supportedProfile[0] = "http://fhir-ketamine.org/fhir/StructureDefinition/ketamine-questionnaire"
* insert ServerResource(8)
* rest[0].resource[9].type = #QuestionnaireResponse
* rest[0].resource[9].supportedProfile[0] = "http://fhir-ketamine.org/fhir/StructureDefinition/ketamine-questionnaire-response"
* insert ServerResource(9)
* insert CustomSearch(9, 0, infusion-phase, infusion-phase, token)
* rest[0].resource[10].type = #DetectedIssue
* insert ServerResource(10)
* rest[0].resource[11].type = #Flag
* insert ServerResource(11)
* rest[0].resource[12].type = #Communication
* insert ServerResource(12)
* rest[0].resource[13].type = #StructureDefinition
* rest[0].resource[13].interaction[0].code = #read
* rest[0].resource[13].interaction[1].code = #search-type
* rest[0].resource[14].type = #ObservationDefinition
* rest[0].resource[14].interaction[0].code = #read
* rest[0].resource[14].interaction[1].code = #search-type
