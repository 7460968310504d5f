// ---------------------------------------------------------------------------------------------
// Vital signs during an infusion, derived from the R4 core vital-signs profiles. What a bedside
// gateway must send: patient, time, value (and its device when known). Encounter, partOf and the
// infusion phase are filled in by the server from the session whose period covers the reading.
// ---------------------------------------------------------------------------------------------
RuleSet: InfusionVitalRules
* subject 1..1 MS
* subject only Reference(Patient)
* effective[x] only dateTime
* effective[x] MS
* encounter MS
* encounter only Reference(KetamineInfusionEncounter)
* partOf 0..1 MS
* partOf only Reference(KetamineInfusionProcedure)
* device 0..1 MS
* device only Reference(Device)
* extension contains InfusionPhase named infusionPhase 0..1 MS

Profile: KetamineHeartRate
Parent: $vs-heartrate
Id: ketamine-heartrate
Title: "Heart Rate during Ketamine Infusion"
Description: "Heart rate (LOINC 8867-4, /min) taken in a ketamine session."
* insert IgMetadata
* ^extension[$applies-when].valueString = "Observation.code.coding.where(system='http://loinc.org' and code='8867-4').exists()"
* insert InfusionVitalRules

Profile: KetamineBloodPressure
Parent: $vs-bp
Id: ketamine-bp
Title: "Blood Pressure during Ketamine Infusion"
Description: "Blood pressure panel (LOINC 85354-9) with systolic and diastolic components in mm[Hg]; systolic must exceed diastolic."
* insert IgMetadata
* ^extension[$applies-when].valueString = "Observation.code.coding.where(system='http://loinc.org' and code='85354-9').exists()"
* insert InfusionVitalRules
* obeys ket-bp-1

Invariant: ket-bp-1
Description: "Systolic pressure is greater than diastolic pressure."
Severity: #error
Expression: "(component.where(code.coding.where(system='http://loinc.org' and code='8480-6').exists()).value.ofType(Quantity).value.exists() and component.where(code.coding.where(system='http://loinc.org' and code='8462-4').exists()).value.ofType(Quantity).value.exists()) implies (component.where(code.coding.where(system='http://loinc.org' and code='8480-6').exists()).value.ofType(Quantity).value.first() > component.where(code.coding.where(system='http://loinc.org' and code='8462-4').exists()).value.ofType(Quantity).value.first())"

Profile: KetamineOxygenSaturation
Parent: $vs-oxygensat
Id: ketamine-oxygensat
Title: "Oxygen Saturation during Ketamine Infusion"
Description: "SpO2 in %: core requires LOINC 2708-6; a pulse oximeter reading should also carry 59408-5."
* insert IgMetadata
* ^extension[$applies-when].valueString = "Observation.code.coding.where(system='http://loinc.org' and (code='2708-6' or code='59408-5')).exists()"
* insert InfusionVitalRules
* code.coding contains PulseOximetryCode 0..1 MS
* code.coding[PulseOximetryCode].system = $LOINC
* code.coding[PulseOximetryCode].code = #59408-5

Profile: KetamineRespiratoryRate
Parent: $vs-resprate
Id: ketamine-resprate
Title: "Respiratory Rate during Ketamine Infusion"
Description: "Respiratory rate (LOINC 9279-1, /min)."
* insert IgMetadata
* ^extension[$applies-when].valueString = "Observation.code.coding.where(system='http://loinc.org' and code='9279-1').exists()"
* insert InfusionVitalRules

Profile: KetamineBodyTemperature
Parent: $vs-bodytemp
Id: ketamine-bodytemp
Title: "Body Temperature during Ketamine Infusion"
Description: "Body temperature (LOINC 8310-5, Cel or [degF])."
* insert IgMetadata
* ^extension[$applies-when].valueString = "Observation.code.coding.where(system='http://loinc.org' and code='8310-5').exists()"
* insert InfusionVitalRules

Profile: KetamineBodyWeight
Parent: $vs-bodyweight
Id: ketamine-bodyweight
Title: "Body Weight for Ketamine Dosing"
Description: "Body weight (LOINC 29463-7) that a weight-based dose is computed from; the dose should use a weight at most 30 days old."
* insert IgMetadata
* ^extension[$applies-when].valueString = "Observation.code.coding.where(system='http://loinc.org' and code='29463-7').exists()"
* insert InfusionVitalRules
* obeys ket-weight-1

Invariant: ket-weight-1
Description: "A body weight is positive and plausible (below 500 kg / 1100 lb)."
Severity: #error
Expression: "value.ofType(Quantity).all(value > 0 and ((code = 'kg' and value < 500) or (code = 'g' and value < 500000) or (code = '[lb_av]' and value < 1100)))"

Profile: KetamineEndTidalCO2
Parent: $vs-vitalsigns
Id: ketamine-etco2
Title: "End-tidal CO2 during Ketamine Infusion"
Description: "Capnography: carbon dioxide at end expiration (LOINC 19889-5), mm[Hg]."
* insert IgMetadata
* ^extension[$applies-when].valueString = "Observation.code.coding.where(system='http://loinc.org' and code='19889-5').exists()"
* insert InfusionVitalRules
* code = $LOINC#19889-5 "Carbon dioxide [Partial pressure] in Exhaled gas --at end expiration"
* value[x] only Quantity
* valueQuantity.value 1..1
* valueQuantity.system 1..1
* valueQuantity.system = $UCUM
* valueQuantity.code 1..1
* valueQuantity.code = #mm[Hg]
