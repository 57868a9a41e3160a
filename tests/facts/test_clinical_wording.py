"""The clinical wording of common examination findings, histories and outcomes is read
as the clinician means it: present, stated absent, or silent (sentences written for these tests)."""

from __future__ import annotations

import pytest

from openimr.casefile import parse_case_data
from openimr.facts.extract import FactExtractor

WORDING: list[tuple[str, str, bool | None]] = [
    ("Positive bounce test.", "internal_derangement_signs", True),
    ("Swelling of the right knee.", "internal_derangement_signs", True),
    ("No knee swelling.", "internal_derangement_signs", False),
    (
        "There is a palpable click with flexion and rotation of the knee.",
        "internal_derangement_signs",
        True,
    ),
    ("The knee has given way several times.", "internal_derangement_signs", True),
    ("Valgus stress testing reveals laxity of the MCL.", "internal_derangement_signs", True),
    ("Extension of the knee is limited by a mechanical block.", "internal_derangement_signs", True),
    ("No locking, catching or giving way.", "internal_derangement_signs", False),
    ("The right quadriceps is weak at 4/5.", "neuro_deficit", True),
    ("Urinary retention since the injury.", "red_flag", True),
    ("Loss of sphincter control.", "red_flag", True),
    ("Denies night sweats.", "red_flag", False),
    (
        "Ongoing pain notwithstanding therapy and anti-inflammatories.",
        "failed_conservative_care",
        True,
    ),
    ("She continues to have pain after 12 sessions of therapy.", "failed_conservative_care", True),
    ("The surgeon recommended an L5-S1 decompression.", "surgery_considered", True),
    ("The patient is considering a rotator cuff repair.", "surgery_considered", True),
    ("Surgery is not recommended at this time.", "surgery_considered", False),
    ("She has catastrophizing thoughts about her pain.", "psychological_condition", True),
    ("Fear-avoidance beliefs are prominent.", "psychological_condition", True),
    ("She can now dress herself without assistance.", "functional_improvement", True),
    ("She is now able to cook and shop for groceries.", "functional_improvement", True),
    ("He does his stretching and strengthening exercises at home.", "home_exercise", True),
    ("Independent with a home program of exercises.", "home_exercise", True),
    ("He has not been given a home exercise program.", "home_exercise", False),
    ("A recent aggravation of her low back pain at work.", "acute_exacerbation", True),
    ("She had a setback with increased pain after moving furniture.", "acute_exacerbation", True),
    ("The pain worsened acutely after a fall last week.", "acute_exacerbation", True),
    ("Her pain has been stable without flares.", "acute_exacerbation", None),
    ("Neck pain after a fall at work.", "trauma", True),
    ("He was rear-ended at a stop light.", "trauma", True),
    ("His hand was caught in a machine.", "trauma", True),
    ("Fall precautions were discussed.", "trauma", None),
    ("She has a long history of low back pain.", "chronic_course", True),
    ("Neck pain for over a year.", "chronic_course", True),
    ("Neck pain for over a week.", "chronic_course", None),
    ("With it she can walk 30 minutes and do her housework.", "functional_improvement", True),
    ("She can do her housework with the medication.", "functional_improvement", True),
    ("She can not walk far even with the medication.", "functional_improvement", None),
    ("She can walk with a cane.", "functional_improvement", None),
    ("Right ring finger triggering and locking for 6 months.", "hand_tenosynovitis", True),
    ("Tender nodule at the A1 pulley of the ring finger.", "hand_tenosynovitis", True),
    ("The knee is locking.", "hand_tenosynovitis", None),
    ("Failed stretching, NSAIDs, muscle relaxants and therapy.", "failed_conservative_care", True),
    ("She failed splinting, NSAIDs and a cortisone injection.", "failed_conservative_care", True),
    ("He failed bracing and activity modification.", "failed_conservative_care", True),
    ("He failed the test.", "failed_conservative_care", None),
    ("She has had neck pain for 3 years.", "chronic_course", True),
    ("He has a 5-year history of low back pain.", "chronic_course", True),
    ("Acute on chronic low back pain.", "chronic_course", True),
    ("Low back pain for 2 weeks.", "chronic_course", None),
    (
        "Per the MTUS Chronic Pain Medical Treatment Guidelines, rest is advised.",
        "chronic_course",
        None,
    ),
    ("She was referred to a chronic pain management program.", "chronic_course", None),
    ("Reflexes: brachioradialis 1+ on the right, 2+ on the left.", "neuro_deficit", True),
    ("Achilles reflex 0/4 on the left.", "neuro_deficit", True),
    ("Biceps 2+, triceps 2+, brachioradialis 2+.", "neuro_deficit", None),
    ("Right knee 1 year ago.", "neuro_deficit", None),
    ("Weakness of the right wrist extensors.", "neuro_deficit", True),
    ("Dysesthesia to light touch in the left C7 distribution.", "neuro_deficit", True),
    ("Motor strength 5/5 throughout.", "neuro_deficit", False),
    (
        "The injured worker reported that the medications decrease her pain from 8/10 to 5/10.",
        "pain_relief",
        True,
    ),
    ("Pain was rated 7/10 without medications and 3/10 with medications.", "pain_relief", True),
    (
        "Current pain was 4/10, average pain 6/10, worst pain 9/10, "
        "pain with medications 3/10 and without 8/10.",
        "pain_relief",
        True,
    ),
    ("She reported 50 percent relief with Norco.", "pain_relief", True),
    ("Medications were noted to be effective.", "pain_relief", True),
    ("The pain is controlled with her current medications.", "pain_relief", True),
    ("The pain was unchanged with medications.", "pain_relief", False),
    ("She reported no relief from the medications.", "pain_relief", False),
    (
        "The medications allow her to perform activities of daily "
        "living, including cooking and cleaning.",
        "functional_improvement",
        True,
    ),
    (
        "With medications she is able to walk for 30 minutes and sit for an hour.",
        "functional_improvement",
        True,
    ),
    ("She has been able to decrease her Norco use.", "functional_improvement", True),
    (
        "There has been improvement in her ability to perform household chores.",
        "functional_improvement",
        True,
    ),
    ("He was able to return to modified duty.", "functional_improvement", True),
    (
        "She reported improved sleep and increased activity level with the medication.",
        "functional_improvement",
        True,
    ),
    (
        "There was no documented functional improvement with prior treatment.",
        "functional_improvement",
        False,
    ),
    (
        "She remains temporarily totally disabled with no change in function.",
        "functional_improvement",
        False,
    ),
    (
        "She has failed conservative care including physical therapy, "
        "chiropractic care, acupuncture and medications.",
        "failed_conservative_care",
        True,
    ),
    (
        "Treatment to date has included physical therapy and "
        "medications without significant relief.",
        "failed_conservative_care",
        True,
    ),
    (
        "The injured worker has continued to be symptomatic despite treatment.",
        "failed_conservative_care",
        True,
    ),
    ("Physical therapy provided no lasting benefit.", "failed_conservative_care", True),
    ("The injured worker reported that therapy was helping.", "improving", True),
    ("Her pain has decreased since the last visit.", "improving", True),
    ("Her condition has not improved.", "improving", False),
    (
        "Work status: modified duty with restrictions of no lifting over 10 pounds.",
        "work_modified",
        True,
    ),
    ("She is working with restrictions.", "work_modified", True),
    ("Work status: temporarily totally disabled.", "off_work", True),
    ("The injured worker is not working.", "off_work", True),
    ("He remains off work.", "off_work", True),
    ("He has returned to full duty.", "work_full_duty", True),
    ("Work status: regular duty.", "work_full_duty", True),
    (
        "There was decreased sensation to light touch in the right L5 and S1 dermatomes.",
        "neuro_deficit",
        True,
    ),
    ("Motor strength was 4/5 in the right extensor hallucis longus.", "neuro_deficit", True),
    ("Seated straight leg raise was positive on the left at 45 degrees.", "neuro_deficit", True),
    ("Palpation revealed muscle spasm and guarding of the lumbar paraspinals.", "spasm", True),
    ("There were spasms noted in the cervical paravertebral muscles.", "spasm", True),
    ("Diagnoses included right knee osteoarthritis.", "osteoarthritis", True),
    (
        "He presented with an acute exacerbation of chronic low back pain.",
        "acute_exacerbation",
        True,
    ),
    (
        "He sustained a comminuted fracture of the right tibial plateau.",
        "severe_acute_injury",
        True,
    ),
    ("She continues with her home exercise program.", "home_exercise", True),
    ("He was instructed in a home exercise program.", "home_exercise", True),
    (
        "A urine drug screen dated 10-1-2016 was consistent with prescribed medications.",
        "opioid_monitoring",
        True,
    ),
    ("The CURES report was consistent.", "opioid_monitoring", True),
    ("There was no evidence of aberrant drug behavior.", "aberrant_behavior", False),
    ("She reported constipation from the Norco.", "adverse_effects", True),
    ("The medications were not effective.", "pain_relief", False),
    ("He was referred to a spine surgeon to evaluate for surgery.", "surgery_considered", True),
    (
        "He has had unsuccessful return-to-work attempts and conflicting medical reports.",
        "return_to_work_obstacles",
        True,
    ),
    ("The goal is to return to work; she reports numbness in the foot.", "neuro_symptoms", True),
    (
        "He wants to return to full duty but has persistent pain despite therapy.",
        "failed_conservative_care",
        True,
    ),
    (
        "The first injection let her cut her Norco from four to two tablets a day.",
        "functional_improvement",
        True,
    ),
    ("Left knee: positive McMurray test medially.", "internal_derangement_signs", True),
    ("The knee locks and catches when she pivots.", "internal_derangement_signs", True),
    ("He reports episodes of the knee giving out on stairs.", "internal_derangement_signs", True),
    (
        "Exam showed a moderate joint effusion of the right knee.",
        "internal_derangement_signs",
        True,
    ),
    (
        "Anterior drawer and Lachman tests were positive on the left.",
        "internal_derangement_signs",
        True,
    ),
    ("Thessaly test was positive.", "internal_derangement_signs", True),
    ("Apley compression test positive.", "internal_derangement_signs", True),
    ("There is laxity with valgus stress.", "internal_derangement_signs", True),
    (
        "Mechanical symptoms of clicking and popping in the knee.",
        "internal_derangement_signs",
        True,
    ),
    ("Swelling of the knee with instability.", "internal_derangement_signs", True),
    (
        "McMurray's test was negative and the knee was stable to varus and valgus stress.",
        "internal_derangement_signs",
        False,
    ),
    ("No effusion, no instability.", "internal_derangement_signs", False),
    ("Neer and Hawkins impingement signs were positive.", "shoulder_lesion_signs", True),
    ("Positive drop arm test on the right.", "shoulder_lesion_signs", True),
    ("Positive O'Brien's test suggesting labral pathology.", "shoulder_lesion_signs", True),
    ("Empty can test was positive with pain and weakness.", "shoulder_lesion_signs", True),
    ("Painful arc between 60 and 120 degrees.", "shoulder_lesion_signs", True),
    ("Supraspinatus strength 4/5.", "objective_weakness", True),
    ("Diminished sensation over the lateral calf and dorsum of the foot.", "neuro_deficit", True),
    ("Ankle jerk absent on the left.", "neuro_deficit", True),
    ("EHL weakness 4/5 on the right.", "neuro_deficit", True),
    ("Decreased sensation to light touch in the C6 distribution.", "neuro_deficit", True),
    ("Positive slump test on the right.", "neuro_deficit", True),
    ("Neurologically intact in the lower extremities.", "neuro_deficit", False),
    ("DTRs 2+ and symmetric, sensation intact, strength 5/5 throughout.", "neuro_deficit", False),
    ("She reports new bowel and bladder incontinence.", "red_flag", True),
    ("Saddle anesthesia was reported.", "red_flag", True),
    ("History of cancer with unexplained weight loss and night pain.", "red_flag", True),
    ("Fever and chills with severe back pain; concern for infection.", "red_flag", True),
    ("Progressive neurological deficit.", "red_flag", True),
    ("He fell from a ladder approximately 8 feet onto his side.", "trauma", True),
    ("She was involved in a motor vehicle accident.", "trauma", True),
    ("Struck by a falling box on the shoulder.", "trauma", True),
    ("He slipped and fell on a wet floor, landing on his wrist.", "trauma", True),
    (
        "Despite six weeks of therapy and anti-inflammatories she remains symptomatic.",
        "failed_conservative_care",
        True,
    ),
    (
        "She has not improved with physical therapy, medication and activity modification.",
        "failed_conservative_care",
        True,
    ),
    ("Symptoms persist despite conservative management.", "failed_conservative_care", True),
    ("Conservative measures have been exhausted.", "failed_conservative_care", True),
    (
        "She continues to have pain in spite of rest, ice and NSAIDs.",
        "failed_conservative_care",
        True,
    ),
    ("No relief from therapy or injections.", "failed_conservative_care", True),
    ("She can now walk two blocks, up from half a block.", "functional_improvement", True),
    ("He returned to full duty work.", "functional_improvement", True),
    (
        "Improved ability to perform activities of daily living such as dressing and cooking.",
        "functional_improvement",
        True,
    ),
    ("Lifting tolerance increased from 10 to 25 pounds.", "functional_improvement", True),
    ("There was no functional improvement.", "functional_improvement", False),
    ("Function remains unchanged.", "functional_improvement", False),
    ("The medication reduces her pain from 8/10 to 4/10.", "pain_relief", True),
    ("Pain decreased by 50% with the medication.", "pain_relief", True),
    ("The medication helps with pain.", "pain_relief", True),
    ("The medications do not help.", "pain_relief", False),
    ("She is improving with therapy.", "improving", True),
    ("Symptoms are getting better.", "improving", True),
    ("Paravertebral muscle spasm was noted.", "spasm", True),
    ("There was guarding and spasm in the trapezius.", "spasm", True),
    ("She has a history of peptic ulcer disease.", "gi_risk", True),
    ("He takes aspirin and prednisone daily.", "gi_risk", True),
    ("Age 68 with history of GI bleed.", "gi_risk", True),
    ("She reports stomach upset from the NSAIDs.", "dyspepsia", True),
    ("Complains of heartburn and gastritis with naproxen.", "dyspepsia", True),
    ("GERD symptoms with medication use.", "dyspepsia", True),
    ("Burning, electric pain in a dermatomal pattern.", "neuropathic_pain", True),
    ("Diagnosis: lumbar radiculopathy.", "neuropathic_pain", True),
    ("She has diabetic peripheral neuropathy.", "neuropathic_pain", True),
    ("She has difficulty sleeping due to pain.", "insomnia", True),
    ("He sleeps only 3-4 hours per night.", "insomnia", True),
    ("Diagnosed with major depressive disorder.", "psychological_condition", True),
    ("She has anxiety and depression secondary to chronic pain.", "psychological_condition", True),
    ("Positive Tinel's at the wrist and positive Phalen's test.", "cts_signs", True),
    ("Numbness in the thumb, index and middle fingers, worse at night.", "cts_signs", True),
    ("Positive carpal compression test.", "cts_signs", True),
    ("She is working full duty without restrictions.", "work_full_duty", True),
    ("He is temporarily totally disabled.", "off_work", True),
    ("She has not worked since the injury.", "off_work", True),
    ("Modified duty with no lifting over 20 pounds.", "work_modified", True),
    ("She performs her home exercise program daily.", "home_exercise", True),
    ("He had a flare-up of low back pain last week after lifting.", "acute_exacerbation", True),
    ("She reports a recent exacerbation of neck pain.", "acute_exacerbation", True),
    ("X-rays show degenerative joint disease of the knee.", "osteoarthritis", True),
    ("Tricompartmental arthritis with joint space narrowing.", "osteoarthritis", True),
    (
        "MRI showed a 5 mm disc protrusion at L4-5 contacting the L5 nerve root.",
        "imaging_lesion",
        True,
    ),
    ("MRI revealed a tear of the posterior horn of the medial meniscus.", "imaging_lesion", True),
    ("MRI demonstrated a full thickness supraspinatus tear.", "imaging_lesion", True),
    ("She reports drowsiness and constipation from the medication.", "adverse_effects", True),
    ("Urine drug screen was inconsistent, positive for cocaine.", "aberrant_behavior", True),
    ("He has been obtaining opioids from multiple providers.", "aberrant_behavior", True),
    (
        "A signed opioid agreement is on file and CURES report was reviewed.",
        "opioid_monitoring",
        True,
    ),
    (
        "Urine drug screen on 9/1 was consistent with prescribed medications.",
        "opioid_monitoring",
        True,
    ),
    ("New onset of numbness in the leg since the last MRI.", "significant_change", True),
    ("Her symptoms have worsened significantly since the prior study.", "significant_change", True),
    ("BMI 36.", "obesity", True),
    ("She smokes one pack per day.", "smoking", True),
    ("He sustained a displaced fracture of the distal radius.", "severe_acute_injury", True),
    (
        "Trigger points with a twitch response and referred pain were palpated in the trapezius.",
        "trigger_points",
        True,
    ),
    (
        "Tenderness over the lateral epicondyle with pain on resisted wrist extension.",
        "epicondylitis",
        True,
    ),
    ("Frozen shoulder with global loss of motion.", "adhesive_capsulitis", True),
    ("She denies locking, catching or giving way.", "internal_derangement_signs", False),
    ("There is no effusion and ligaments are stable.", "internal_derangement_signs", False),
    ("Negative McMurray, negative Lachman.", "internal_derangement_signs", False),
    ("Motor strength is 5/5 in all major muscle groups.", "neuro_deficit", False),
    ("Sensation is intact to light touch bilaterally.", "neuro_deficit", False),
    ("Straight leg raise was negative bilaterally.", "neuro_deficit", False),
    ("No focal neurological deficits.", "neuro_deficit", False),
    ("No red flags were identified.", "red_flag", False),
    ("She denies bowel or bladder dysfunction.", "red_flag", False),
    ("X-rays were negative for fracture.", "red_flag", False),
    ("She will start physical therapy next week.", "failed_conservative_care", None),
    ("She reports 30% improvement since starting therapy.", "improving", True),
    ("She reports no improvement.", "improving", False),
    ("Only slight improvement was noted.", "improving", False),
    ("Minimal functional improvement.", "functional_improvement", False),
    (
        "She has returned to modified duty and can now lift 20 pounds.",
        "functional_improvement",
        True,
    ),
    ("Her Oswestry score improved from 48% to 30%.", "functional_improvement", True),
    ("Her work restrictions were reduced.", "functional_improvement", True),
    ("She is now able to do her grocery shopping.", "functional_improvement", True),
    ("With the medication her pain goes from 9/10 to 5/10.", "pain_relief", True),
    ("Pain is 7/10 without medications and 4/10 with medications.", "pain_relief", True),
    ("Pain remains 8/10 despite the medication.", "pain_relief", False),
    ("She is a surgical candidate for decompression at L4-5.", "surgery_considered", True),
    ("He was referred to a spine surgeon to discuss surgical options.", "surgery_considered", True),
    ("Arthroscopic surgery was recommended.", "surgery_considered", True),
    ("She is not a surgical candidate.", "surgery_considered", False),
    ("He does not wish to undergo surgery.", "surgery_considered", False),
    ("The right knee arthroscopy was authorized on 10/3.", "procedure_authorized", True),
    ("Surgery is scheduled for 12/1/16.", "procedure_authorized", True),
    ("Lumbar fusion L4-5 was approved by utilization review.", "procedure_authorized", True),
    ("Fusion at L4-5 and L5-S1 was certified.", "procedure_authorized", True),
    ("The L5-S1 microdiscectomy was authorized.", "procedure_authorized", True),
    ("UR certified the requested right knee arthroscopy.", "procedure_authorized", True),
    ("UR non-certified the requested right knee arthroscopy.", "procedure_authorized", None),
    ("The patient is post-op day 10 from a right knee scope.", "procedure_authorized", True),
    ("She underwent right carpal tunnel release on 11/2/2016.", "procedure_authorized", True),
    ("The surgery was denied by utilization review.", "procedure_authorized", False),
    ("No history of GI bleeding or ulcers.", "gi_risk", False),
    ("She denies gastrointestinal upset.", "dyspepsia", False),
    ("No muscle spasm.", "spasm", False),
    ("She was instructed in a home exercise program.", "home_exercise", True),
    ("CURES was checked and appropriate.", "opioid_monitoring", True),
    ("He signed a narcotic contract.", "opioid_monitoring", True),
    ("A urine toxicology screen was performed and was appropriate.", "opioid_monitoring", True),
    ("There is no evidence of aberrant behavior.", "aberrant_behavior", False),
    ("She ambulates with a cane and an antalgic gait.", "ambulation_difficulty", True),
    ("He is unable to bear weight on the right leg.", "ambulation_difficulty", True),
    ("She uses a walker.", "ambulation_difficulty", True),
    ("He cannot stand long enough to shower.", "mobility_limited_at_home", True),
    ("She quit smoking 10 years ago.", "smoking", False),
    ("Non-smoker.", "smoking", False),
    ("No recent flare-ups.", "acute_exacerbation", False),
    ("She denies depression or anxiety.", "psychological_condition", False),
    ("Denies sleep disturbance.", "insomnia", False),
    ("No radicular symptoms.", "neuropathic_pain", False),
    ("Tinel's and Phalen's tests were negative.", "cts_signs", False),
    ("No new symptoms since the last MRI.", "significant_change", False),
    ("Her condition is unchanged.", "significant_change", False),
    ("She denies side effects from her medications.", "adverse_effects", False),
    ("The medications are well tolerated.", "adverse_effects", False),
    ("MRI showed no disc herniation or stenosis.", "imaging_lesion", False),
    ("No full-thickness tear.", "full_thickness_tear", False),
]

#: Examination shorthand as clinics write it: "+" and "(+)" for a positive sign, strength
#: graded muscle by muscle, abbreviations (SLR, TTP, EHL, DTRs).
SHORTHAND: list[tuple[str, str, bool | None]] = [
    ("Right knee: McMurray (+).", "internal_derangement_signs", True),
    ("Right knee exam: +McMurray.", "internal_derangement_signs", True),
    ("McMurray test reproduces medial knee pain.", "internal_derangement_signs", True),
    ("Pain with McMurray maneuver.", "internal_derangement_signs", True),
    ("Lachman 2+ on the left.", "internal_derangement_signs", True),
    ("The knee pops and clicks with squatting.", "internal_derangement_signs", True),
    ("TTP over the medial joint line.", "internal_derangement_signs", True),
    ("Tender medial joint line of the left knee.", "internal_derangement_signs", True),
    ("No clicking or popping of the knee.", "internal_derangement_signs", False),
    ("McMurray's test is negative bilaterally.", "internal_derangement_signs", False),
    ("SLR + at 40 degrees on the left.", "neuro_deficit", True),
    ("Seated SLR positive.", "neuro_deficit", True),
    ("Positive SLR bilaterally.", "neuro_deficit", True),
    ("Negative SLR bilaterally.", "neuro_deficit", False),
    ("EHL 4/5 on the left.", "neuro_deficit", True),
    ("Motor: 4/5 left ankle dorsiflexion.", "neuro_deficit", True),
    ("Sensory exam: diminished pinprick left lateral foot.", "neuro_deficit", True),
    ("Reflexes 2+ and symmetric throughout.", "neuro_deficit", False),
    ("Neuro exam is nonfocal.", "neuro_deficit", False),
    ("DTRs 2+ symmetric bilaterally. SLR + on the left at 30 degrees.", "neuro_deficit", True),
    ("Hawkins +, Neer's +.", "shoulder_lesion_signs", True),
    ("Neer's (+) on the right.", "shoulder_lesion_signs", True),
    ("Phalen's +, Tinel's + at the wrist.", "cts_signs", True),
    ("Durkan's compression test positive.", "cts_signs", True),
    ("Two-point discrimination greater than 6 mm.", "cts_signs", True),
    ("Myospasm of the trapezius.", "spasm", True),
]

#: How clinics report what treatment did, and a patient's choice about surgery.
OUTCOMES: list[tuple[str, str, bool | None]] = [
    ("Pain decreases from 8 to 4 with Norco.", "pain_relief", True),
    ("Medications bring the pain down to a 4/10.", "pain_relief", True),
    ("Her medications help her pain by about 40%.", "pain_relief", True),
    ("Pain level 7/10 with and without medications.", "pain_relief", False),
    ("Medications are not helping.", "pain_relief", False),
    ("Since therapy she can lift 20 pounds, previously 10.", "functional_improvement", True),
    ("Therapy did not help.", "functional_improvement", False),
    ("She reports only temporary relief with therapy.", "functional_improvement", False),
    ("Refractory to conservative care.", "failed_conservative_care", True),
    ("PT did not provide lasting relief.", "failed_conservative_care", True),
    ("She declines surgical intervention.", "surgery_considered", False),
    ("She has failed steroid injection, NSAIDs and PT.", "failed_conservative_care", True),
    ("He has failed all conservative treatment.", "failed_conservative_care", True),
    ("Neck pain after failure of TENS, PT and medications.", "failed_conservative_care", True),
    ("Persistent radicular leg pain after the fusion.", "failed_conservative_care", True),
    ("Lyrica lets her walk 20 minutes longer.", "functional_improvement", True),
    ("With Lyrica she can walk 20 minutes more.", "functional_improvement", True),
    ("The one-month trial reduced pain and medication use.", "successful_trial", True),
    ("Suspected occult scaphoid fracture; initial films negative.", "red_flag", True),
    ("No fracture was seen.", "red_flag", False),
    ("New left foot drop over the past month.", "significant_change", True),
    ("Concern for pseudarthrosis at L4-5 after the fusion.", "clinical_question", True),
    ("Loosening of the pedicle screws on the latest films.", "spinal_instability", True),
    ("She returned to light duty.", "functional_improvement", True),
    ("He has not returned to modified work.", "functional_improvement", False),
    ("Return to full duty is the goal.", "functional_improvement", None),
    ("The goal is to return to full duty.", "functional_improvement", None),
    ("Shoulder flexion improved from 90 to 150 degrees.", "functional_improvement", True),
    ("Grip strength increased from 20 to 35 pounds.", "functional_improvement", True),
    ("Lumbar flexion improved by 20 degrees.", "functional_improvement", True),
    ("Acute postoperative pain 3 days after right shoulder arthroscopy.", "recent_surgery", True),
    ("She is 2 weeks status post right knee arthroscopy.", "recent_surgery", True),
    ("He had a lumbar fusion 3 years ago.", "recent_surgery", None),
    ("MRI shows C6-7 foraminal stenosis on the left.", "imaging_lesion", True),
    ("MRI: L4-5 herniation compressing the left L5 root.", "imaging_lesion", True),
    ("Moderate left foraminal narrowing at L5-S1.", "imaging_lesion", True),
    ("Mild bilateral foraminal narrowing at L4-5.", "imaging_lesion", None),
    ("Foraminal narrowing without nerve root compression.", "imaging_lesion", False),
    (
        "Pain reduced from 8/10 to 5/10 and return to part-time work.",
        "functional_improvement",
        True,
    ),
    ("Plan: return to modified work next week.", "functional_improvement", None),
    ("She hopes to return to light duty.", "functional_improvement", None),
    ("He is expected to return to full duty in 2 weeks.", "functional_improvement", None),
    ("Her naproxen caused an upset stomach.", "adverse_effects", True),
    ("He could not tolerate duloxetine.", "adverse_effects", True),
    ("Tizanidine makes him groggy in the morning.", "adverse_effects", True),
    ("She tolerates tramadol well.", "adverse_effects", False),
    ("The current medications cut his pain by about half.", "pain_relief", True),
    ("With meds her pain is 4/10, without meds it is 8/10.", "pain_relief", True),
    ("Cervical rotation improved to 60 degrees with therapy.", "functional_improvement", True),
    ("Standing films show joint space narrowing of the medial knee.", "osteoarthritis", True),
    ("Shooting pain down the right arm.", "neuropathic_pain", True),
    ("Numbness in an ulnar nerve distribution.", "neuropathic_pain", True),
    ("Urine toxicology on the last visit was as expected.", "opioid_monitoring", True),
    ("The PDMP was reviewed today.", "opioid_monitoring", True),
    ("He is making steady progress in therapy.", "improving", True),
    ("She wakes up three times a night because of shoulder pain.", "insomnia", True),
    ("The pain disrupts her sleep.", "insomnia", True),
    ("He returned to work with a 25 pound lifting restriction.", "work_modified", True),
    ("She continues to work with restrictions.", "work_modified", True),
    ("He is being evaluated for a total knee replacement.", "surgery_considered", True),
    ("She fell from a step stool and has known osteoporosis.", "red_flag", True),
    ("He failed a trial of nortriptyline.", "first_line_failure", True),
    ("Anti-inflammatory medications were ineffective.", "first_line_failure", True),
    ("She cannot get to the toilet at night.", "mobility_limited_at_home", True),
    ("He requires help with transfers from bed.", "mobility_limited_at_home", True),
    ("She can walk only about a block.", "ambulation_difficulty", True),
    ("She walks 30 minutes daily for exercise.", "ambulation_difficulty", None),
    ("Anterior drawer test showed mild laxity.", "internal_derangement_signs", True),
    ("The empty can test is weak on the right.", "shoulder_lesion_signs", True),
    ("Pain with the first steps out of bed, at the heel.", "plantar_fasciitis", True),
    ("She was given a home program of stretching.", "home_exercise", True),
    ("He reported his pills were stolen.", "aberrant_behavior", True),
]


@pytest.fixture(scope="module")
def extractor() -> FactExtractor:
    return FactExtractor()


@pytest.mark.parametrize(("sentence", "concept", "expected"), WORDING + SHORTHAND + OUTCOMES)
def test_clinical_wording(
    extractor: FactExtractor, sentence: str, concept: str, expected: bool | None
) -> None:
    data = {
        "claimant": {"date_of_injury": "2016-01-04"},
        "ur_decision_date": "2016-11-15",
        "disputed_items": [{"request": "Office visit"}],
        "records": [{"kind": "progress_report", "text": "Seen today. " + sentence}],
    }
    assert extractor.extract(parse_case_data(data)).finding(concept).value is expected


def _facts(extractor: FactExtractor, text: str, request: str):
    data = {
        "claimant": {"date_of_injury": "2016-01-04"},
        "ur_decision_date": "2016-11-15",
        "disputed_items": [{"request": request}],
        "records": [{"kind": "progress_report", "text": text}],
    }
    return extractor.extract(parse_case_data(data))


@pytest.mark.parametrize(
    ("sentence", "side", "expected"),
    [
        ("An MRI of the right knee on 10-10-16 revealed a medial meniscus tear.", "right", True),
        ("MRI of the left knee showed a tear.", "right", None),
        ("MRI of both knees showed degenerative change.", "right", True),
        ("An MRI of the knee has not been performed.", None, None),
        ("The physician recommended an MRI of the knee.", None, None),
    ],
)
def test_an_earlier_study_of_the_same_knee_and_side(
    extractor: FactExtractor, sentence: str, side: str | None, expected: bool | None
) -> None:
    facts = _facts(extractor, sentence, "MRI of the right knee")
    assert facts.prior_imaging(("mri",), ("knee",), side).value is expected


@pytest.mark.parametrize(
    ("sentence", "new"),
    [
        ("Starting gabapentin today.", True),
        ("She began gabapentin last week.", True),
        ("Starting in 2014 she took gabapentin.", False),
        ("Began taking gabapentin in 2015.", False),
    ],
)
def test_a_drug_started_now_is_new_and_one_started_years_ago_is_not(
    extractor: FactExtractor, sentence: str, new: bool
) -> None:
    use = _facts(extractor, sentence, "Gabapentin 300mg #90").medication("gabapentin")
    assert use is not None and use.newly_prescribed is new and use.prior_use is not new


def test_a_drug_taken_only_in_an_earlier_year_is_stopped(extractor: FactExtractor) -> None:
    facts = _facts(
        extractor,
        "She had a bleeding ulcer on ibuprofen in 2014. She takes naproxen daily.",
        "Celebrex 200mg #30",
    )
    assert facts.medication("ibuprofen").stopped
    assert not facts.medication("naproxen").stopped


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Left knee: positive McMurray and locking. Right knee: mild tenderness.", None),
        ("Right knee: positive McMurray and locking.", True),
        ("Positive McMurray and locking of the knee.", True),
        ("Shoulder: clicking and locking with overhead reach.", None),
    ],
)
def test_a_finding_belongs_to_the_part_and_side_its_heading_names(
    extractor: FactExtractor, text: str, expected: bool | None
) -> None:
    facts = _facts(extractor, text, "MRI of the right knee")
    assert facts.finding("internal_derangement_signs", ("knee",), "right").value is expected


@pytest.mark.parametrize(
    ("brand", "generic"),
    [("Duexis", "ibuprofen"), ("Vimovo", "naproxen"), ("Embeda", "morphine"),
     ("Parafon", "chlorzoxazone"), ("Medrox", "methyl salicylate/capsaicin/menthol")],
)  # fmt: skip
def test_a_combination_product_is_known_by_its_brand(
    extractor: FactExtractor, brand: str, generic: str
) -> None:
    facts = _facts(extractor, f"She has been taking {brand} for months.", "MRI of the right knee")
    assert facts.medication(generic).prior_use


def test_a_drug_taken_as_needed_is_in_use(extractor: FactExtractor) -> None:
    facts = _facts(
        extractor, "She takes tramadol as needed and naproxen twice daily.", "Celebrex 200mg #30"
    )
    assert facts.medication("tramadol").prior_use
    assert facts.medication("naproxen").prior_use


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("She has had PT x6 with little change.", 6),
        ("She completed PT 2x4 in October.", 8),
        ("She attended physical therapy 2x4 weeks.", 8),
        ("She has completed 6 sessions of therapy.", 6),
        ("She takes Norco 1 tab x 30 days and attends physical therapy.", None),
        ("She has completed 6 of 6 authorized sessions of physical therapy.", 6),
        ("She completed 8/12 authorized physical therapy visits.", 8),
        ("Physical therapy was authorized for 6 visits.", None),
        ("She has had physical therapy (12 visits) and chiropractic care (6 visits).", 12),
        ("She has had 6 sessions of chiropractic and 12 sessions of physical therapy.", 12),
        ("Chiropractic 12 visits, PT 8 visits.", 8),
        ("Prior treatment has included physical therapy (24), chiropractic care (12).", 24),
        ("The patient has attended physical therapy on 24 occasions.", 24),
        ("Number of PT visits to date: 24.", 24),
        ("Physical therapy sessions completed = 10.", 10),
        ("She had eighteen physical therapy visits in 2015 and twelve in 2016.", 30),
        ("Previous physical therapy: 12 sessions in 2015, 12 sessions in 2016.", 24),
        ("Treatment to date: physical therapy (over 30 visits), injections, medications.", 30),
        ("She completed her 24th visit of physical therapy last week.", 24),
        ("This is her 20th PT visit.", 20),
        ("She completed PT visits #1-24.", 24),
        ("PT progress note: visit 10 of 12.", 10),
        (
            "She has completed 12 sessions of physical therapy and the physician is "
            "requesting 6 additional sessions.",
            12,
        ),
        ("After completing 12 sessions of physical therapy, the provider requested 6 more.", 12),
        ("She had 12 sessions of physical therapy, which helped, and 6 more are requested.", 12),
        ("The provider requested physical therapy, 6 sessions, after 12 chiro visits.", None),
        ("She had a course of physical therapy, 2 to 3 times weekly, for 3 months.", 24),
        ("She attended physical therapy 2x a week for 6 weeks.", 12),
        ("She had physical therapy in March and chiropractic care 12 visits in 2016.", None),
    ],
)
def test_therapy_counts_in_the_clinic_shorthand(
    extractor: FactExtractor, sentence: str, expected: int | None
) -> None:
    facts = _facts(extractor, sentence, "Physical therapy 2x3 lumbar spine")
    assert facts.sessions("physical_therapy").count == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Low back pain. She had an MRI in August.", True),
        (
            "Low back pain radiating to the left leg. The MRI report dated 8/15/16 was reviewed.",
            True,
        ),
        ("Low back and right knee pain. She had an MRI in August.", None),
        ("Lumbar spine MR imaging showed degenerative changes.", True),
        # "his back", "back pain" alone are the low back; the upper back is the thoracic spine
        ("He reports that an MRI of his back was done last year.", True),
        ("Upper back pain. She had an MRI in August.", None),
    ],
)
def test_a_study_named_without_its_part_is_of_the_only_part_the_records_speak_of(
    extractor: FactExtractor, text: str, expected: bool | None
) -> None:
    facts = _facts(extractor, text, "MRI of the lumbar spine")
    assert facts.prior_imaging(("mri",), ("lumbar",)).value is expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("She attended physical therapy twice a week from 9/1/2016 to 10/27/2016.", 16),
        ("Physical therapy 3 times per week from 09-01-2016 through 09-29-2016.", 12),
        ("She has been in physical therapy twice weekly since 9/1/2016.", None),
    ],
)
def test_therapy_given_at_a_weekly_frequency_between_two_dates(
    extractor: FactExtractor, sentence: str, expected: int | None
) -> None:
    facts = _facts(extractor, sentence, "Physical therapy 2x3 lumbar spine")
    assert facts.sessions("physical_therapy").count == expected


@pytest.mark.parametrize(
    ("text", "modality", "region"),
    [
        ("An MR of the L-spine was done in January.", "mri", "lumbar"),
        ("XR R knee 1/5/16: mild DJD.", "xray", "knee"),
        ("Three views of the right knee were obtained and show no fracture.", "xray", "knee"),
        ("AP and lateral views of the right knee show joint space narrowing.", "xray", "knee"),
        ("Weight-bearing views of the knee show medial compartment narrowing.", "xray", "knee"),
        ("Flexion/extension views of the lumbar spine showed no instability.", "xray", "lumbar"),
    ],
)
def test_a_study_is_known_by_the_radiologist_s_names_for_it(
    extractor: FactExtractor, text: str, modality: str, region: str
) -> None:
    facts = _facts(extractor, text, "Physical therapy 2x3")
    assert facts.prior_imaging((modality,), (region,)).value is True


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Low back pain. He would like an updated MRI of the lumbar spine.", True),
        ("Low back pain. A repeat lumbar MRI is requested.", True),
        ("Low back pain. The plan is a follow-up MRI of the lumbar spine.", True),
        ("Low back pain. An MRI of the lumbar spine is requested.", None),
        ("Low back pain. He would like an MRI of the lumbar spine.", None),
        ("Low back pain. Awaiting MRI of the lumbar spine.", None),
        ("Low back pain. An MRI of the lumbar spine would help to rule out a herniation.", None),
        ("Low back pain. An MRI of the lumbar spine was obtained in 2014.", True),
    ],
)
def test_a_plan_to_repeat_a_study_documents_the_earlier_one(
    extractor: FactExtractor, text: str, expected: bool | None
) -> None:
    facts = _facts(extractor, text, "Physical therapy 2x3")
    assert facts.prior_imaging(("mri",), ("lumbar",)).value is expected


def test_each_part_of_a_list_of_plans_says_its_own_drug_s_status(extractor: FactExtractor) -> None:
    facts = _facts(
        extractor,
        "Failed NSAIDs and acetaminophen; new trial of tramadol; urine drug screen consistent.",
        "Tramadol 50mg #60",
    )
    assert facts.medication("tramadol").newly_prescribed
    assert not facts.medication("tramadol").prior_use
    assert facts.medication("acetaminophen").prior_use


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        (
            "She failed TENS and physical therapy; a one-month home trial of H-wave is requested.",
            "tens",
            True,
        ),
        ("She is requesting a TENS unit; physical therapy 2x6.", "physical_therapy", None),
        (
            "Treatment plan included ibuprofen and Flexeril; hand therapy and physical therapy; "
            "follow-up in four weeks.",
            "physical_therapy",
            None,
        ),
        ("Requested: acupuncture x6; she completed 12 PT visits.", "physical_therapy", True),
    ],
)
def test_each_part_of_a_sentence_between_semicolons_is_a_plan_or_care_given_on_its_own(
    extractor: FactExtractor, text: str, kind: str, expected: bool | None
) -> None:
    facts = _facts(extractor, text, "H-wave unit")
    assert facts.treatment_received(kind).value is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("No improvement with physical therapy.", True),
        ("No benefit from prior physical therapy.", True),
        ("She denies any relief with physical therapy.", True),
        ("She did not find physical therapy helpful.", True),
        ("She has not responded to physical therapy.", True),
        ("She has not had any improvement with the physical therapy.", True),
        ("She has not had physical therapy.", False),
        ("No prior physical therapy.", False),
        ("No physical therapy or chiropractic care.", False),
    ],
)
def test_a_negated_outcome_of_care_is_care_given(
    extractor: FactExtractor, text: str, expected: bool
) -> None:
    facts = _facts(extractor, text, "Physical therapy 2x3")
    assert facts.treatment_received("physical_therapy").value is expected


def test_a_drug_without_benefit_was_taken(extractor: FactExtractor) -> None:
    facts = _facts(extractor, "No benefit from Norco. She is not taking tramadol.", "Norco #60")
    assert facts.medication("hydrocodone/acetaminophen").prior_use
    assert not facts.medication("tramadol").prior_use


def test_a_course_given_for_another_body_part_is_not_this_one_s(extractor: FactExtractor) -> None:
    facts = _facts(
        extractor,
        "She completed 12 sessions of physical therapy for the right shoulder, which resolved. "
        "Right knee: 8 PT visits completed. Low back: she completed 6 PT visits.",
        "Physical therapy x6 lumbar spine",
    )
    assert facts.sessions("physical_therapy", ("lumbar",)).count == 6
    assert facts.sessions("physical_therapy", ("shoulder",)).count == 12
    assert facts.sessions("physical_therapy").count == 12


def test_a_course_given_to_a_limb_s_joint_is_the_limb_s(extractor: FactExtractor) -> None:
    facts = _facts(
        extractor,
        "She completed 8 sessions of physical therapy for the right shoulder.",
        "Physical therapy x6 right upper extremity",
    )
    assert facts.sessions("physical_therapy", ("upper_extremity",)).count == 8
    assert facts.sessions("physical_therapy", ("cervical",)).count is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A 45-year-old with a history of an occupational claim from 11/02/2015.", "2015-11-02"),
        ("She was injured on 3/4/2015 when she slipped.", "2015-03-04"),
        ("Date of loss: 06/01/2015.", "2015-06-01"),
        ("She was seen on 3/4/2016 for follow-up.", None),
    ],
)
def test_the_records_give_the_injury_date_when_the_application_does_not(
    extractor: FactExtractor, text: str, expected: str | None
) -> None:
    data = {
        "ur_decision_date": "2016-11-15",
        "disputed_items": [{"request": "Physical therapy x6"}],
        "records": [{"kind": "progress_report", "text": text}],
    }
    facts = extractor.extract(parse_case_data(data))
    found = facts.injury_date.isoformat() if facts.injury_date else None
    assert found == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the claim's own injury, dated earlier: the symptoms began then
        ("Low back pain associated with an industrial injury of October 10, 2015.", "2015-10-10"),
        ("A history of an occupational claim from 11/02/2015.", "2015-11-02"),
        ("Date of injury: 06/01/2015.", "2015-06-01"),
        # some other accident, or a date after the application's: the application's stands
        ("She was in a motor vehicle accident on 3/4/2012.", "2016-10-10"),
        ("Reportedly associated with an industrial injury of October 20, 2016.", "2016-10-10"),
    ],
)
def test_an_earlier_claim_injury_in_the_records_dates_the_symptoms(
    extractor: FactExtractor, text: str, expected: str
) -> None:
    data = {
        "claimant": {"date_of_injury": "2016-10-10"},
        "ur_decision_date": "2016-11-15",
        "disputed_items": [{"request": "Physical therapy x6"}],
        "records": [{"kind": "progress_report", "text": text}],
    }
    facts = extractor.extract(parse_case_data(data))
    assert facts.injury_date is not None
    assert facts.injury_date.isoformat() == expected
    if expected != "2016-10-10":
        assert facts.injury_date_evidence is not None
