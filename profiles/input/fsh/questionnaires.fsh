// ---------------------------------------------------------------------------------------------
// Instruments. PHQ-9 and GAD-7 (Spitzer, Williams, Kroenke; no permission required to reproduce)
// with LOINC item codes and LOINC answer list LL358-3; PCL-5 (National Center for PTSD, public
// domain) with local answers; the clinic's pre-infusion screening and discharge checklist.
// ---------------------------------------------------------------------------------------------
RuleSet: FrequencyAnswers(item)
* item[{item}].type = #choice
* item[{item}].required = true
* item[{item}].answerOption[0].valueCoding = $LOINC#LA6568-5 "Not at all"
* item[{item}].answerOption[0].extension[0].url = $ordinalValue
* item[{item}].answerOption[0].extension[0].valueDecimal = 0
* item[{item}].answerOption[1].valueCoding = $LOINC#LA6569-3 "Several days"
* item[{item}].answerOption[1].extension[0].url = $ordinalValue
* item[{item}].answerOption[1].extension[0].valueDecimal = 1
* item[{item}].answerOption[2].valueCoding = $LOINC#LA6570-1 "More than half the days"
* item[{item}].answerOption[2].extension[0].url = $ordinalValue
* item[{item}].answerOption[2].extension[0].valueDecimal = 2
* item[{item}].answerOption[3].valueCoding = $LOINC#LA6571-9 "Nearly every day"
* item[{item}].answerOption[3].extension[0].url = $ordinalValue
* item[{item}].answerOption[3].extension[0].valueDecimal = 3

RuleSet: ScoredItem(item, linkId, code, text)
* item[{item}].linkId = "{linkId}"
* item[{item}].code = $LOINC#{code}
* item[{item}].text = "{text}"
* insert FrequencyAnswers({item})

RuleSet: TotalItem(item, linkId, code, text, expression)
* item[{item}].linkId = "{linkId}"
* item[{item}].code = {code}
* item[{item}].text = "{text}"
* item[{item}].type = #integer
* item[{item}].readOnly = true
* item[{item}].extension[0].url = $sdc-calculatedExpression
* item[{item}].extension[0].valueExpression.language = #text/fhirpath
* item[{item}].extension[0].valueExpression.expression = "{expression}"

RuleSet: InstrumentHeader(id, name, title)
* url = "http://fhir-ketamine.org/fhir/Questionnaire/{id}"
* version = "0.1.0"
* name = "{name}"
* title = "{title}"
* status = #active
* subjectType = #Patient
* date = "2025-01-01"
* publisher = "FhirKetamine project"

Instance: phq9
InstanceOf: KetamineQuestionnaire
Usage: #definition
Title: "PHQ-9"
Description: "Patient Health Questionnaire-9 (LOINC 44249-1): nine items over the last two weeks, total 0-27, plus the difficulty item (not scored). Item 9 (44260-8) drives the server's suicidal-ideation rule."
* insert InstrumentHeader(phq9, PHQ9, [[PHQ-9 Patient Health Questionnaire]])
* description = "Over the last 2 weeks, how often have you been bothered by any of the following problems? (Developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues, with an educational grant from Pfizer Inc. No permission required to reproduce, translate, display or distribute.)"
* code = $LOINC#44249-1 "PHQ-9 quick depression assessment panel [Reported.PHQ]"
* insert ScoredItem(0, phq9-1, 44250-9, [[Little interest or pleasure in doing things]])
* insert ScoredItem(1, phq9-2, 44255-8, [[Feeling down, depressed, or hopeless]])
* insert ScoredItem(2, phq9-3, 44259-0, [[Trouble falling or staying asleep, or sleeping too much]])
* insert ScoredItem(3, phq9-4, 44254-1, [[Feeling tired or having little energy]])
* insert ScoredItem(4, phq9-5, 44251-7, [[Poor appetite or overeating]])
* insert ScoredItem(5, phq9-6, 44258-2, [[Feeling bad about yourself - or that you are a failure or have let yourself or your family down]])
* insert ScoredItem(6, phq9-7, 44252-5, [[Trouble concentrating on things, such as reading the newspaper or watching television]])
* insert ScoredItem(7, phq9-8, 44253-3, [[Moving or speaking so slowly that other people could have noticed. Or the opposite - being so fidgety or restless that you have been moving around a lot more than usual]])
* insert ScoredItem(8, phq9-9, 44260-8, [[Thoughts that you would be better off dead, or of hurting yourself in some way]])
* insert TotalItem(9, phq9-total, $LOINC#44261-6, [[PHQ-9 total score]], [[%resource.repeat(item).where(linkId.startsWith('phq9-') and linkId != 'phq9-total').answer.value.weight().sum()]])
* item[10].linkId = "phq9-difficulty"
* item[10].code = $LOINC#69722-7 "How difficult have these problems made it for you to do your work, take care of things at home, or get along with other people?"
* item[10].text = "If you checked off any problems, how difficult have these problems made it for you to do your work, take care of things at home, or get along with other people?"
* item[10].type = #choice
* item[10].required = false
* item[10].answerOption[0].valueCoding = $LOINC#LA6572-7 "Not difficult at all"
* item[10].answerOption[0].extension[0].url = $ordinalValue
* item[10].answerOption[0].extension[0].valueDecimal = 0
* item[10].answerOption[1].valueCoding = $LOINC#LA6573-5 "Somewhat difficult"
* item[10].answerOption[1].extension[0].url = $ordinalValue
* item[10].answerOption[1].extension[0].valueDecimal = 1
* item[10].answerOption[2].valueCoding = $LOINC#LA6575-0 "Very difficult"
* item[10].answerOption[2].extension[0].url = $ordinalValue
* item[10].answerOption[2].extension[0].valueDecimal = 2
* item[10].answerOption[3].valueCoding = $LOINC#LA6574-3 "Extremely difficult"
* item[10].answerOption[3].extension[0].url = $ordinalValue
* item[10].answerOption[3].extension[0].valueDecimal = 3

Instance: gad7
InstanceOf: KetamineQuestionnaire
Usage: #definition
Title: "GAD-7"
Description: "Generalized Anxiety Disorder 7-item scale (LOINC 69737-5), total 0-21."
* insert InstrumentHeader(gad7, GAD7, [[GAD-7 Generalized Anxiety Disorder 7-item scale]])
* description = "Over the last 2 weeks, how often have you been bothered by the following problems? (Developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues, with an educational grant from Pfizer Inc. No permission required to reproduce, translate, display or distribute.)"
* code = $LOINC#69737-5 "Generalized anxiety disorder 7 item (GAD-7)"
* insert ScoredItem(0, gad7-1, 69725-0, [[Feeling nervous, anxious or on edge]])
* insert ScoredItem(1, gad7-2, 68509-9, [[Not being able to stop or control worrying]])
* insert ScoredItem(2, gad7-3, 69733-4, [[Worrying too much about different things]])
* insert ScoredItem(3, gad7-4, 69734-2, [[Trouble relaxing]])
* insert ScoredItem(4, gad7-5, 69735-9, [[Being so restless that it is hard to sit still]])
* insert ScoredItem(5, gad7-6, 69689-8, [[Becoming easily annoyed or irritable]])
* insert ScoredItem(6, gad7-7, 69736-7, [[Feeling afraid as if something awful might happen]])
* insert TotalItem(7, gad7-total, $LOINC#70274-6, [[GAD-7 total score]], [[%resource.repeat(item).where(linkId.startsWith('gad7-') and linkId != 'gad7-total').answer.value.weight().sum()]])

RuleSet: Pcl5Item(item, n, text)
* item[{item}].linkId = "pcl5-{n}"
* item[{item}].text = "{text}"
* item[{item}].type = #choice
* item[{item}].required = true
* item[{item}].answerOption[0].valueCoding = Pcl5AnswersCS#0 "Not at all"
* item[{item}].answerOption[0].extension[0].url = $ordinalValue
* item[{item}].answerOption[0].extension[0].valueDecimal = 0
* item[{item}].answerOption[1].valueCoding = Pcl5AnswersCS#1 "A little bit"
* item[{item}].answerOption[1].extension[0].url = $ordinalValue
* item[{item}].answerOption[1].extension[0].valueDecimal = 1
* item[{item}].answerOption[2].valueCoding = Pcl5AnswersCS#2 "Moderately"
* item[{item}].answerOption[2].extension[0].url = $ordinalValue
* item[{item}].answerOption[2].extension[0].valueDecimal = 2
* item[{item}].answerOption[3].valueCoding = Pcl5AnswersCS#3 "Quite a bit"
* item[{item}].answerOption[3].extension[0].url = $ordinalValue
* item[{item}].answerOption[3].extension[0].valueDecimal = 3
* item[{item}].answerOption[4].valueCoding = Pcl5AnswersCS#4 "Extremely"
* item[{item}].answerOption[4].extension[0].url = $ordinalValue
* item[{item}].answerOption[4].extension[0].valueDecimal = 4

CodeSystem: Pcl5AnswersCS
Id: pcl5-answers
Title: "PCL-5 Answers"
Description: "The five PCL-5 response options (no LOINC answer list found: unverified)."
* insert IgMetadata
* ^status = #draft
* ^caseSensitive = true
* ^content = #complete
* #0 "Not at all"
* #1 "A little bit"
* #2 "Moderately"
* #3 "Quite a bit"
* #4 "Extremely"

Instance: pcl5
InstanceOf: KetamineQuestionnaire
Usage: #definition
Title: "PCL-5"
Description: "PTSD Checklist for DSM-5 (Weathers et al., National Center for PTSD; public domain): 20 items over the past month, 0-4 each, total 0-80. No LOINC panel code found (unverified), so items are uncoded."
* insert InstrumentHeader(pcl5, PCL5, [[PCL-5 PTSD Checklist for DSM-5]])
* description = "In the past month, how much were you bothered by:"
* insert Pcl5Item(0, 1, [[Repeated, disturbing, and unwanted memories of the stressful experience?]])
* insert Pcl5Item(1, 2, [[Repeated, disturbing dreams of the stressful experience?]])
* insert Pcl5Item(2, 3, [[Suddenly feeling or acting as if the stressful experience were actually happening again (as if you were actually back there reliving it)?]])
* insert Pcl5Item(3, 4, [[Feeling very upset when something reminded you of the stressful experience?]])
* insert Pcl5Item(4, 5, [[Having strong physical reactions when something reminded you of the stressful experience (for example, heart pounding, trouble breathing, sweating)?]])
* insert Pcl5Item(5, 6, [[Avoiding memories, thoughts, or feelings related to the stressful experience?]])
* insert Pcl5Item(6, 7, [[Avoiding external reminders of the stressful experience (for example, people, places, conversations, activities, objects, or situations)?]])
* insert Pcl5Item(7, 8, [[Trouble remembering important parts of the stressful experience?]])
* insert Pcl5Item(8, 9, [[Having strong negative beliefs about yourself, other people, or the world (for example, having thoughts such as: I am bad, there is something seriously wrong with me, no one can be trusted, the world is completely dangerous)?]])
* insert Pcl5Item(9, 10, [[Blaming yourself or someone else for the stressful experience or what happened after it?]])
* insert Pcl5Item(10, 11, [[Having strong negative feelings such as fear, horror, anger, guilt, or shame?]])
* insert Pcl5Item(11, 12, [[Loss of interest in activities that you used to enjoy?]])
* insert Pcl5Item(12, 13, [[Feeling distant or cut off from other people?]])
* insert Pcl5Item(13, 14, [[Trouble experiencing positive feelings (for example, being unable to feel happiness or have loving feelings for people close to you)?]])
* insert Pcl5Item(14, 15, [[Irritable behavior, angry outbursts, or acting aggressively?]])
* insert Pcl5Item(15, 16, [[Taking too many risks or doing things that could cause you harm?]])
* insert Pcl5Item(16, 17, [[Being superalert or watchful or on guard?]])
* insert Pcl5Item(17, 18, [[Feeling jumpy or easily startled?]])
* insert Pcl5Item(18, 19, [[Having difficulty concentrating?]])
* insert Pcl5Item(19, 20, [[Trouble falling or staying asleep?]])
* insert TotalItem(20, pcl5-total, KetamineObservationCS#pcl5-total, [[PCL-5 total score]], [[%resource.repeat(item).where(linkId.startsWith('pcl5-') and linkId != 'pcl5-total').answer.value.weight().sum()]])

RuleSet: BooleanItem(item, linkId, text)
* item[{item}].linkId = "{linkId}"
* item[{item}].text = "{text}"
* item[{item}].type = #boolean
* item[{item}].required = true

Instance: pre-infusion-checklist
InstanceOf: KetamineQuestionnaire
Usage: #definition
Title: "Pre-infusion safety screening"
Description: "Completed by the nurse before every infusion: contraindications, fasting, companion to drive home, baseline blood pressure and current risk. A 'no' to 'cleared to proceed' stops the session."
* insert InstrumentHeader(pre-infusion-checklist, PreInfusionChecklist, [[Pre-infusion safety screening]])
* insert BooleanItem(0, contraindications-reviewed, [[Contraindications reviewed: no uncontrolled hypertension, no active psychosis or mania, no substance use disorder relapse, not pregnant]])
* insert BooleanItem(1, new-medications, [[Any new medication since the last visit (including benzodiazepines, lamotrigine, MAOIs, stimulants)?]])
* insert BooleanItem(2, fasting, [[No solid food for 6 hours and no clear fluids for 2 hours?]])
* insert BooleanItem(3, companion-to-drive, [[A responsible adult will drive the patient home (no driving until the next day)?]])
* item[4].linkId = "companion-name"
* item[4].text = "Name of the companion"
* item[4].type = #string
* item[4].required = false
* item[4].enableWhen[0].question = "companion-to-drive"
* item[4].enableWhen[0].operator = #=
* item[4].enableWhen[0].answerBoolean = true
* item[5].linkId = "baseline-bp"
* item[5].text = "Baseline blood pressure (seated, after 5 minutes rest)"
* item[5].type = #group
* item[5].required = true
* item[5].item[0].linkId = "baseline-systolic"
* item[5].item[0].code = $LOINC#8480-6 "Systolic blood pressure"
* item[5].item[0].text = "Systolic (mm[Hg])"
* item[5].item[0].type = #integer
* item[5].item[0].required = true
* item[5].item[1].linkId = "baseline-diastolic"
* item[5].item[1].code = $LOINC#8462-4 "Diastolic blood pressure"
* item[5].item[1].text = "Diastolic (mm[Hg])"
* item[5].item[1].type = #integer
* item[5].item[1].required = true
* insert BooleanItem(6, suicidal-ideation-assessed, [[Suicide risk assessed today (C-SSRS screen or clinician interview)?]])
* insert BooleanItem(7, consent-on-file, [[Informed consent for ketamine treatment on file and still valid?]])
* insert BooleanItem(8, cleared-to-proceed, [[Cleared to proceed with the infusion?]])

Instance: discharge-checklist
InstanceOf: KetamineQuestionnaire
Usage: #definition
Title: "Post-infusion discharge readiness"
Description: "Completed before the patient leaves: modified Aldrete >= 9, vitals near baseline, dissociation resolved, a companion present (US ketamine label: outpatients are released only after recovery and with a responsible adult)."
* insert InstrumentHeader(discharge-checklist, DischargeChecklist, [[Post-infusion discharge readiness]])
* item[0].linkId = "aldrete-total"
* item[0].code = KetamineObservationCS#aldrete-total
* item[0].text = "Modified Aldrete score (0-10)"
* item[0].type = #integer
* item[0].required = true
* insert BooleanItem(1, vitals-near-baseline, [[Blood pressure and heart rate within 20 % of baseline?]])
* insert BooleanItem(2, dissociation-resolved, [[Dissociative symptoms resolved; oriented to person, place and time?]])
* insert BooleanItem(3, ambulating, [[Walks steadily without assistance?]])
* insert BooleanItem(4, nausea-controlled, [[No or controlled nausea and vomiting?]])
* insert BooleanItem(5, companion-present, [[A responsible adult is present to accompany the patient home?]])
* item[5].code = KetamineObservationCS#companion-present
* insert BooleanItem(6, instructions-given, [[Discharge instructions given (no driving, machinery or important decisions until the next day)?]])
* insert BooleanItem(7, discharge-ready, [[Patient ready for discharge?]])
* item[7].code = KetamineObservationCS#discharge-ready
