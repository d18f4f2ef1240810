//! One builder per event kind the tests need: each records one event, with plain values
//! where the field does not matter, and returns the new entity's id or the event's.

use super::*;
use crate::vocab::*;

/// School → college → (branch, class), as in the fixtures.
#[derive(Clone, Copy, Debug)]
pub struct Campus {
    pub school: Uuid,
    pub college: Uuid,
    pub branch: Uuid,
    pub class: Uuid,
}

impl World {
    // ---- structure ----------------------------------------------------------------------

    pub fn unit(&mut self, kind: OrgUnitKind, parent_id: Option<Uuid>) -> Uuid {
        let org_unit_id = self.id();
        self.record(Event::OrgUnitCreated {
            org_unit_id,
            kind,
            name: format!("{kind:?}"),
            parent_id,
        });
        org_unit_id
    }

    pub fn school(&mut self) -> Uuid {
        self.unit(OrgUnitKind::School, None)
    }

    pub fn campus(&mut self) -> Campus {
        let school = self.school();
        let college = self.unit(OrgUnitKind::College, Some(school));
        let branch = self.unit(OrgUnitKind::Branch, Some(college));
        let class = self.unit(OrgUnitKind::Class, Some(college));
        Campus {
            school,
            college,
            branch,
            class,
        }
    }

    /// A person in these units, at this stage (since an unknown day).
    pub fn register(&mut self, units: &[Uuid], stage: Stage) -> Uuid {
        self.register_as("某某", units, stage, None)
    }

    /// A person at this stage since this day.
    pub fn register_since(&mut self, units: &[Uuid], stage: Stage, since: &str) -> Uuid {
        self.register_as("某某", units, stage, Some(since))
    }

    /// A person by name (the fixtures' people).
    pub fn register_as(&mut self, name: &str, units: &[Uuid], stage: Stage, since: Option<&str>) -> Uuid {
        self.register_person(name, units, stage, since, false)
    }

    /// An activist registered as a key cultivation target (入党重点培养对象).
    pub fn register_key_target(&mut self, name: &str, units: &[Uuid]) -> Uuid {
        self.register_person(name, units, Stage::Activist, None, true)
    }

    fn register_person(
        &mut self,
        name: &str,
        units: &[Uuid],
        stage: Stage,
        since: Option<&str>,
        key_cultivation_target: bool,
    ) -> Uuid {
        let person_id = self.id();
        self.record(Event::PersonRegistered {
            person_id,
            number: format!("2025{:06}", person_id.as_u128()),
            name: name.into(),
            org_unit_ids: units.to_vec(),
            stage,
            stage_since: since.map(day),
            key_cultivation_target,
            contact: None,
            email: None,
        });
        person_id
    }

    pub fn change_stage(&mut self, person_id: Uuid, stage: Stage, on: &str) -> Uuid {
        self.record(Event::StageChanged {
            person_id,
            stage,
            effective_on: day(on),
        })
    }

    pub fn extend_probation(&mut self, person_id: Uuid, months: u32) -> Uuid {
        self.record(Event::ProbationExtended {
            person_id,
            months,
            reason: "延长预备期".into(),
        })
    }

    pub fn assign_role(&mut self, person_id: Uuid, role: Role, scope_id: Uuid) -> Uuid {
        self.record(Event::RoleAssigned {
            person_id,
            role,
            scope_id,
        })
    }

    /// A one-to-one (or many-to-one) pairing from this day.
    pub fn form_pairing(&mut self, mentors: &[Uuid], mentee: Uuid, starts_on: &str, cadence: Cadence) -> Uuid {
        let pairing_id = self.id();
        self.record(Event::PairingFormed {
            pairing_id,
            kind: PairingKind::OneToOne,
            mentor_ids: mentors.to_vec(),
            mentee_id: mentee,
            starts_on: day(starts_on),
            cadence,
            situation: None,
        });
        pairing_id
    }

    pub fn end_pairing(&mut self, pairing_id: Uuid, ends_on: &str) -> Uuid {
        self.record(Event::PairingEnded {
            pairing_id,
            ends_on: day(ends_on),
            reason: "毕业".into(),
        })
    }

    pub fn set_vacations(&mut self, vacations: &[Vacation]) -> Uuid {
        self.record(Event::VacationsSet {
            vacations: vacations.to_vec(),
        })
    }

    // ---- a pairing's record -------------------------------------------------------------

    /// A talk at this instant (RFC 3339, any offset).
    pub fn contact(&mut self, pairing_id: Uuid, occurred_at: &str) -> Uuid {
        self.contact_at(pairing_id, at(occurred_at))
    }

    /// A talk at 10:00 (Shanghai) on this day.
    pub fn contact_on(&mut self, pairing_id: Uuid, on: &str) -> Uuid {
        self.contact_at(
            pairing_id,
            crate::time::start_of_day(day(on)) + chrono::Duration::hours(10),
        )
    }

    pub fn contact_at(&mut self, pairing_id: Uuid, occurred_at: DateTime<Utc>) -> Uuid {
        self.record(Event::ContactRecorded {
            pairing_id,
            occurred_at,
            form: ContactForm::FaceToFace,
            place: None,
            content: None,
            effect: None,
            problems_solved: 0,
            duration_minutes: None,
        })
    }

    /// A talk at 10:00 (Shanghai) on this day that lasted `minutes` (`None`: not recorded).
    pub fn contact_lasting(&mut self, pairing_id: Uuid, on: &str, minutes: Option<u32>) -> Uuid {
        self.record(Event::ContactRecorded {
            pairing_id,
            occurred_at: crate::time::start_of_day(day(on)) + chrono::Duration::hours(10),
            form: ContactForm::FaceToFace,
            place: None,
            content: None,
            effect: None,
            problems_solved: 0,
            duration_minutes: minutes,
        })
    }

    pub fn monthly_record(&mut self, pairing_id: Uuid, m: &str) -> Uuid {
        self.record(Event::MonthlyRecordSubmitted {
            pairing_id,
            month: month(m),
        })
    }

    pub fn branch_opinion(&mut self, pairing_id: Uuid, m: &str) -> Uuid {
        self.record(Event::BranchOpinionGiven {
            pairing_id,
            month: month(m),
            opinion: "同意".into(),
        })
    }

    pub fn visit(&mut self, pairing_id: Uuid, on: &str, rating: u8) -> Uuid {
        self.record(Event::VisitFeedbackRecorded {
            pairing_id,
            visited_on: day(on),
            rating,
            note: None,
        })
    }

    // ---- a person's record --------------------------------------------------------------

    pub fn thought_report(&mut self, person_id: Uuid, submitted_on: &str) -> Uuid {
        self.record(Event::ThoughtReportSubmitted {
            person_id,
            submitted_on: day(submitted_on),
            title: "思想汇报".into(),
            word_count: None,
            handed_to: Default::default(),
        })
    }

    /// A thought report handed to the party group or the branch.
    pub fn thought_report_to(&mut self, person_id: Uuid, submitted_on: &str, handed_to: ReportRecipient) -> Uuid {
        self.record(Event::ThoughtReportSubmitted {
            person_id,
            submitted_on: day(submitted_on),
            title: "思想汇报".into(),
            word_count: None,
            handed_to,
        })
    }

    /// The branch's review (考察鉴定, 综合鉴定) on this day.
    pub fn review(&mut self, person_id: Uuid, kind: ReviewKind, reviewed_on: &str) -> Uuid {
        self.record(Event::ReviewRecorded {
            person_id,
            kind,
            reviewed_on: day(reviewed_on),
            note: None,
        })
    }

    /// A talk at 10:00 (Shanghai) on this day that solved `problems` problems, lasting
    /// `minutes` (`None`: not recorded).
    pub fn contact_solving(&mut self, pairing_id: Uuid, on: &str, problems: u32, minutes: Option<u32>) -> Uuid {
        self.record(Event::ContactRecorded {
            pairing_id,
            occurred_at: crate::time::start_of_day(day(on)) + chrono::Duration::hours(10),
            form: ContactForm::FaceToFace,
            place: None,
            content: None,
            effect: None,
            problems_solved: problems,
            duration_minutes: minutes,
        })
    }

    pub fn volunteer(&mut self, person_id: Uuid, served_on: &str, hours: f64) -> Uuid {
        self.record(Event::VolunteerServiceLogged {
            person_id,
            served_on: day(served_on),
            hours,
            activity: "志愿服务".into(),
        })
    }

    pub fn conduct(&mut self, person_id: Uuid, kind: ConductKind, on: &str) -> Uuid {
        self.record(Event::ConductRecorded {
            person_id,
            kind,
            occurred_on: day(on),
            note: None,
        })
    }

    /// An award to a person or (a collective honour) to a unit; its name is the series and
    /// the level.
    pub fn award(
        &mut self,
        recipient_id: Uuid,
        series: &str,
        level: AwardLevel,
        category: AwardCategory,
        on: &str,
    ) -> Uuid {
        self.record(Event::AwardRecorded {
            recipient_id,
            name: format!("{series} {level:?}"),
            series: series.into(),
            level,
            category,
            awarded_on: day(on),
        })
    }

    pub fn academic_result(&mut self, person_id: Uuid, term: &str, gpa: f64, class_rank: u32, class_size: u32) -> Uuid {
        self.record(Event::AcademicResultRecorded {
            person_id,
            term: period(term),
            gpa,
            class_rank,
            class_size,
        })
    }

    pub fn activity(&mut self, person_id: Uuid, kind: MemberActivityKind, quantity: f64, on: &str) -> Uuid {
        self.record(Event::MemberActivityRecorded {
            person_id,
            kind,
            occurred_on: day(on),
            quantity,
            note: None,
        })
    }

    /// An evaluator's score for one item of a rubric.
    pub fn evaluation(
        &mut self,
        person_id: Uuid,
        rubric: &str,
        p: &str,
        item_key: &str,
        evaluator: EvaluatorRole,
        score: f64,
    ) -> Uuid {
        self.record(Event::EvaluationRecorded {
            person_id,
            rubric: rubric.into(),
            period: period(p),
            item_key: item_key.into(),
            evaluator,
            score,
            note: None,
        })
    }

    /// The 民主评议 of a period, with the poll score (民主测评得分) when there is one.
    pub fn democratic(&mut self, person_id: Uuid, p: &str, grade: DemocraticGrade, poll_score: Option<f64>) -> Uuid {
        self.record(Event::DemocraticEvaluationRecorded {
            person_id,
            period: period(p),
            grade,
            poll_score,
        })
    }

    pub fn nominate(&mut self, ranking: RankingKind, person_id: Uuid, p: &str) -> Uuid {
        self.record(Event::Nominated {
            ranking,
            person_id,
            period: period(p),
            reason: "提名".into(),
        })
    }

    pub fn approve(&mut self, ranking: RankingKind, person_id: Uuid, p: &str) -> Uuid {
        self.record(Event::NominationApproved {
            ranking,
            person_id,
            period: period(p),
        })
    }

    /// Retracts a recorded fact (on the stream it was recorded on).
    /// The branch's examination of a nomination.
    pub fn examine(&mut self, ranking: RankingKind, person_id: Uuid, p: &str, passed: bool) -> Uuid {
        self.record(Event::NominationExamined {
            ranking,
            person_id,
            period: period(p),
            passed,
            opinion: "全面考核".into(),
        })
    }

    pub fn retract(&mut self, event_id: Uuid) -> Uuid {
        self.record(Event::EventRetracted {
            event_id,
            reason: "录入有误".into(),
        })
    }
}
