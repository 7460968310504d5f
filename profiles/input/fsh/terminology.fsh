// ---------------------------------------------------------------------------------------------
// Local CodeSystems: only where no standard code was found (DOMAIN.md §2).
// ---------------------------------------------------------------------------------------------
CodeSystem: InfusionPhaseCS
Id: infusion-phase
Title: "Infusion Phase"
Description: "The phase of a ketamine infusion session in which a reading or assessment was taken."
* insert IgMetadata
* ^status = #draft
* ^caseSensitive = true
* ^content = #complete
* #baseline "Baseline" "Before the infusion starts: screening, baseline vitals and questionnaires."
* #infusion "Infusion" "While the pump is running."
* #recovery "Recovery" "After the pump stops, until discharge criteria are met."
* #discharge "Discharge" "The discharge assessment."

CodeSystem: TreatmentPhaseCS
Id: treatment-phase
Title: "Ketamine Treatment Phase"
Description: "The phase of a ketamine treatment course."
* insert IgMetadata
* ^status = #draft
* ^caseSensitive = true
* ^content = #complete
* #induction "Induction" "The initial series (typically six infusions over two to three weeks)."
* #maintenance "Maintenance" "Booster infusions after the induction series, spaced by response."

CodeSystem: KetamineObservationCS
Id: ketamine-observation
Title: "Ketamine Clinic Observation Codes"
Description: "Assessment codes for which no LOINC code was found (unverified against LOINC releases after 2.76)."
* insert IgMetadata
* ^status = #draft
* ^caseSensitive = true
* ^content = #complete
* #cadss-total "CADSS total score" "Clinician-Administered Dissociative States Scale total (0-92). CADSS is copyrighted: only its total is recorded."
* #moaas "MOAA/S score" "Modified Observer's Assessment of Alertness/Sedation (0 = no response to painful stimulus ... 5 = responds readily to name)."
* #aldrete-total "Modified Aldrete score" "Modified Aldrete post-anaesthesia recovery score (0-10); 9 or more allows discharge."
* #pcl5-total "PCL-5 total score" "PTSD Checklist for DSM-5 total (0-80)."
* #discharge-ready "Discharge ready" "The clinician judges the patient ready for discharge."
* #companion-present "Companion present" "A responsible adult is present to accompany the patient home."

CodeSystem: KetamineSafetyCS
Id: ketamine-safety
Title: "Ketamine Safety Rules"
Description: "Identifiers of the server's safety rules (DOMAIN.md §5); used as DetectedIssue and Flag codes."
* insert IgMetadata
* ^status = #draft
* ^caseSensitive = true
* ^content = #complete
* #bp-contra "Pre-infusion blood pressure contraindicates infusion" "Pre-infusion systolic >= 180 or diastolic >= 100 mm[Hg]."
* #bp-preinfusion "Pre-infusion blood pressure needs review" "Pre-infusion systolic >= 160 or diastolic >= 100 mm[Hg]; physician review."
* #bp-intra "Blood pressure high during infusion" "Systolic > 180 or diastolic > 110 mm[Hg] during the infusion; hold infusion."
* #spo2-low "Low oxygen saturation" "SpO2 < 90 %."
* #hr "Heart rate out of range" "Heart rate > 120 or < 50 /min."
* #rr-low "Respiratory depression" "Respiratory rate < 8 /min or EtCO2 > 50 mm[Hg]."
* #dose-high "Ketamine dose high or inconsistent" "Dose per kg > 1.0 mg/kg (warning above 0.75), or dose differs from dose-per-kg x weight by more than 5 %."
* #rate-high "Ketamine infusion rate high" "Rate > 0.75 mg/kg/h."
* #si "Suicidal ideation reported" "PHQ-9 item 9 (LOINC 44260-8) answered other than 'Not at all'."
* #contra-history "Contraindicated condition on record" "An active Condition in the ketamine contraindication ValueSet."
* #discharge "Discharge criteria not met" "Discharge without Aldrete >= 9 or without a companion."
* #weight-missing "No recent body weight" "No body weight in the 30 days before the infusion."

CodeSystem: KetamineEncounterTypeCS
Id: ketamine-encounter-type
Title: "Ketamine Clinic Encounter and Programme Types"
Description: "Types of encounters and episodes of a ketamine clinic."
* insert IgMetadata
* ^status = #draft
* ^caseSensitive = true
* ^content = #complete
* #infusion-session "Ketamine infusion session" "A visit in which an IV ketamine infusion is given (induction or booster)."
* #evaluation "Psychiatric evaluation for ketamine treatment" "The intake visit that decides eligibility."
* #ketamine-program "Ketamine treatment programme" "An episode of care grouping a patient's ketamine treatment."

// ---------------------------------------------------------------------------------------------
// ValueSets
// ---------------------------------------------------------------------------------------------
ValueSet: InfusionPhaseVS
Id: infusion-phase
Title: "Infusion Phase"
Description: "Phases of an infusion session."
* insert IgMetadata
* ^status = #draft
* include codes from system InfusionPhaseCS

ValueSet: TreatmentPhaseVS
Id: treatment-phase
Title: "Ketamine Treatment Phase"
Description: "Induction or maintenance."
* insert IgMetadata
* ^status = #draft
* include codes from system TreatmentPhaseCS

ValueSet: KetamineMedicationVS
Id: ketamine-medication
Title: "Ketamine Medication"
Description: "Ketamine for IV infusion: RxNorm ingredient and clinical drugs, SNOMED CT substance and products. (Which of RxNorm 238082/238084 is the 10 and which the 50 mg/mL SCD is unverified; both are ketamine solutions.)"
* insert IgMetadata
* ^status = #draft
* $RXN#6130 "ketamine"
* $RXN#238082 "ketamine 10 or 50 MG/ML Injectable Solution (strength unverified)"
* $RXN#238083 "ketamine 100 MG/ML Injectable Solution"
* $RXN#238084 "ketamine 10 or 50 MG/ML Injectable Solution (strength unverified)"
* $SCT#373464007 "Ketamine (substance)"
* $SCT#333847008 "Product containing ketamine (medicinal product)"
* $SCT#781952002 "Ketamine 10 mg/mL solution for injection"
* $SCT#781954001 "Ketamine 50 mg/mL solution for injection"
* $SCT#781953007 "Ketamine 100 mg/mL solution for injection"

ValueSet: KetamineIndicationVS
Id: ketamine-indication
Title: "Ketamine Infusion Indication"
Description: "Conditions treated with IV ketamine in the clinic (off-label except where a label says otherwise). Treatment-resistant depression has no code of its own: use the MDD code with the failed-antidepressant-trials extension >= 2."
* insert IgMetadata
* ^status = #draft
* $SCT#370143000 "Major depressive disorder"
* $SCT#36474008 "Severe recurrent major depression without psychotic features"
* $SCT#47505003 "Posttraumatic stress disorder"
* $SCT#21897009 "Generalized anxiety disorder"
* $SCT#191736004 "Obsessive-compulsive disorder"
* $SCT#13746004 "Bipolar disorder"
* $SCT#128200000 "Complex regional pain syndrome"
* $SCT#203082005 "Fibromyalgia"
* $ICD10CM#F33.2 "Major depressive disorder, recurrent severe without psychotic features"
* $ICD10CM#F32.2 "Major depressive disorder, single episode, severe without psychotic features"
* $ICD10CM#F43.10 "Post-traumatic stress disorder, unspecified"
* $ICD10CM#F43.12 "Post-traumatic stress disorder, chronic"
* $ICD10CM#F41.1 "Generalized anxiety disorder"
* $ICD10CM#F42.2 "Mixed obsessional thoughts and acts"
* $ICD10CM#F42.9 "Obsessive-compulsive disorder, unspecified"
* $ICD10CM#F31.30 "Bipolar disorder, current episode depressed, mild or moderate severity, unspecified"
* $ICD10CM#F31.31 "Bipolar disorder, current episode depressed, mild"
* $ICD10CM#F31.32 "Bipolar disorder, current episode depressed, moderate"
* $ICD10CM#F31.4 "Bipolar disorder, current episode depressed, severe, without psychotic features"
* $ICD10CM#F31.5 "Bipolar disorder, current episode depressed, severe, with psychotic features"
* $ICD10CM#G90.50 "Complex regional pain syndrome I, unspecified"
* $ICD10CM#G90.59 "Complex regional pain syndrome I of other specified site"
* $ICD10CM#M79.7 "Fibromyalgia"

ValueSet: KetamineContraindicationVS
Id: ketamine-contraindication
Title: "Ketamine Contraindication"
Description: "Conditions whose active presence makes the server raise the contra-history safety rule (an active Condition with one of these codes while the patient is in ketamine treatment). DOMAIN.md lists essential hypertension, substance abuse, alcoholism and schizophrenia; the other codes follow the contraindications of the APA consensus statement (Sanacora et al., JAMA Psychiatry 2017): uncontrolled hypertension, aneurysmal vascular disease, raised intracranial pressure, active psychosis, active substance use disorder and pregnancy (codes not in DOMAIN.md are unverified against the code systems). Enumerated codes only, no hierarchy: the server holds no SNOMED CT or ICD-10-CM content. A clinic adjusts the list by updating this ValueSet through the API."
* insert IgMetadata
* ^status = #draft
* $SCT#59621000 "Essential hypertension"
* $ICD10CM#I10 "Essential (primary) hypertension"
* $ICD10CM#I16.0 "Hypertensive urgency"
* $ICD10CM#I16.1 "Hypertensive emergency"
* $ICD10CM#I16.9 "Hypertensive crisis, unspecified"
* $SCT#432119003 "Aneurysm"
* $ICD10CM#I67.1 "Cerebral aneurysm, nonruptured"
* $ICD10CM#I71.9 "Aortic aneurysm of unspecified site, without rupture"
* $ICD10CM#G93.2 "Benign intracranial hypertension"
* $SCT#58214004 "Schizophrenia"
* $SCT#69322001 "Psychotic disorder"
* $ICD10CM#F20.9 "Schizophrenia, unspecified"
* $ICD10CM#F29 "Unspecified psychosis not due to a substance or known physiological condition"
* $SCT#66214007 "Substance abuse"
* $SCT#7200002 "Alcoholism"
* $ICD10CM#F10.20 "Alcohol dependence, uncomplicated"
* $ICD10CM#F14.20 "Cocaine dependence, uncomplicated"
* $ICD10CM#F19.20 "Other psychoactive substance dependence, uncomplicated"
* $SCT#77386006 "Pregnancy"
* $ICD10CM#Z33.1 "Pregnant state, incidental"

ValueSet: KetamineObservationVS
Id: ketamine-observation
Title: "Ketamine Clinic Observation Codes"
Description: "All local assessment codes."
* insert IgMetadata
* ^status = #draft
* include codes from system KetamineObservationCS

ValueSet: KetamineSafetyVS
Id: ketamine-safety
Title: "Ketamine Safety Rules"
Description: "All safety rule identifiers."
* insert IgMetadata
* ^status = #draft
* include codes from system KetamineSafetyCS

ValueSet: KetamineRateUnitsVS
Id: ketamine-rate-units
Title: "Ketamine Infusion Rate Units"
Description: "UCUM units for rateQuantity: weight-based (mg/kg/h), absolute (mg/h, mg/min)."
* insert IgMetadata
* ^status = #draft
* $UCUM#mg/kg/h "milligram per kilogram per hour"
* $UCUM#mg/h "milligram per hour"
* $UCUM#mg/min "milligram per minute"

ValueSet: LoincAnswersFrequencyVS
Id: ll358-3-frequency
Title: "PHQ/GAD frequency answers (LOINC LL358-3)"
Description: "The four answers of LOINC answer list LL358-3 used by PHQ-9 and GAD-7 items."
* insert IgMetadata
* ^status = #draft
* $LOINC#LA6568-5 "Not at all"
* $LOINC#LA6569-3 "Several days"
* $LOINC#LA6570-1 "More than half the days"
* $LOINC#LA6571-9 "Nearly every day"
