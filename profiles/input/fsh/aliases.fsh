// External code systems and core definitions used throughout the IG.
Alias: $LOINC = http://loinc.org
Alias: $SCT = http://snomed.info/sct
Alias: $RXN = http://www.nlm.nih.gov/research/umls/rxnorm
Alias: $ICD10CM = http://hl7.org/fhir/sid/icd-10-cm
Alias: $UCUM = http://unitsofmeasure.org
Alias: $v3-ActCode = http://terminology.hl7.org/CodeSystem/v3-ActCode
Alias: $obs-cat = http://terminology.hl7.org/CodeSystem/observation-category
Alias: $cond-clinical = http://terminology.hl7.org/CodeSystem/condition-clinical
Alias: $cond-ver = http://terminology.hl7.org/CodeSystem/condition-ver-status
Alias: $cond-cat = http://terminology.hl7.org/CodeSystem/condition-category
Alias: $careplan-cat = http://hl7.org/fhir/us/core/CodeSystem/careplan-category
Alias: $consentscope = http://terminology.hl7.org/CodeSystem/consentscope
Alias: $consentcat = http://terminology.hl7.org/CodeSystem/consentcategorycodes
Alias: $v3-ActReason = http://terminology.hl7.org/CodeSystem/v3-ActReason
Alias: $ordinalValue = http://hl7.org/fhir/StructureDefinition/ordinalValue
Alias: $sdc-calculatedExpression = http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression
Alias: $vs-heartrate = http://hl7.org/fhir/StructureDefinition/heartrate
Alias: $vs-bp = http://hl7.org/fhir/StructureDefinition/bp
Alias: $vs-oxygensat = http://hl7.org/fhir/StructureDefinition/oxygensat
Alias: $vs-resprate = http://hl7.org/fhir/StructureDefinition/resprate
Alias: $vs-bodytemp = http://hl7.org/fhir/StructureDefinition/bodytemp
Alias: $vs-bodyweight = http://hl7.org/fhir/StructureDefinition/bodyweight
Alias: $vs-vitalsigns = http://hl7.org/fhir/StructureDefinition/vitalsigns
// The IG's own "profile selection by content" rule, an extension on each StructureDefinition (README).
Alias: $applies-when = http://fhir-ketamine.org/fhir/StructureDefinition/applies-when

// Metadata of every StructureDefinition, CodeSystem and ValueSet. SUSHI leaves version and publisher
// to the IG Publisher when FSHOnly is false; we are the publisher, so set them here. Keep the version
// equal to sushi-config.yaml's.
RuleSet: IgMetadata
* ^version = "0.1.0"
* ^publisher = "FhirKetamine project"
* ^contact[0].telecom[0].system = #url
* ^contact[0].telecom[0].value = "http://fhir-ketamine.org"
