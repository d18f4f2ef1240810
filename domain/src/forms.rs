//! The paper forms of the archive (seed 000's 附件一 and 附件二), as content: what each
//! box of the form says, read from the state for a period. The server writes them as
//! XLSX; what goes in which box is decided here, where it can be checked against the seed.

use crate::rubric::{self, Assessment, Rubric};
use crate::state::{Contact, Pairing, State};
use crate::time::{Month, Period, local_date};
use crate::vocab::{ContactForm, EvaluatorRole, OrgUnitKind};
use uuid::Uuid;

/// 附件一 「学生党员“一对一”活动情况记录表」 of one pairing for one period.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordForm {
    pub pairing_id: Uuid,
    pub period: Period,
    /// 党员姓名: the mentors, in the pairing's order.
    pub mentor_names: Vec<String>,
    /// 帮扶对象姓名: a person's name, or a League branch's.
    pub mentee_name: String,
    /// 党员所在支部: the branches the mentors belong to, each once.
    pub mentor_branches: Vec<String>,
    /// 帮扶前具体情况: the situation recorded when the pairing was formed.
    pub situation: Option<String>,
    /// 交流次数: every contact dated in the period (Shanghai days), oldest first. The form
    /// prints at least four blocks (第一次 … 第四次), more when there are more.
    pub contacts: Vec<Contact>,
    /// 党支部意见: the standing opinion of each month of the period that has one.
    pub branch_opinions: Vec<(Month, String)>,
}

/// The blocks 附件一 always prints, filled or not.
pub const RECORD_FORM_BLOCKS: usize = 4;

/// 附件一 for `pairing` over `period`; `None` when there is no such pairing.
pub fn record_form(state: &State, pairing: Uuid, period: Period) -> Option<RecordForm> {
    let p: &Pairing = state.pairing(pairing)?;
    let mentor_names = p
        .mentor_ids
        .iter()
        .map(|id| state.person(*id).map_or_else(|| id.to_string(), |m| m.name.clone()))
        .collect();
    let mentee_name = state
        .person(p.mentee_id)
        .map(|m| m.name.clone())
        .or_else(|| state.org_unit(p.mentee_id).map(|u| u.name.clone()))
        .unwrap_or_default();
    let mut mentor_branches: Vec<String> = Vec::new();
    for unit in p
        .mentor_ids
        .iter()
        .filter_map(|id| state.person(*id))
        .flat_map(|m| m.org_unit_ids.iter())
        .filter_map(|u| state.org_unit(*u))
        .filter(|u| u.kind == OrgUnitKind::Branch)
    {
        if !mentor_branches.contains(&unit.name) {
            mentor_branches.push(unit.name.clone());
        }
    }
    let contacts = p
        .contacts
        .iter()
        .filter(|c| period.contains(local_date(c.occurred_at)))
        .cloned()
        .collect();
    let branch_opinions = p
        .branch_opinions
        .iter()
        .filter(|(m, _)| period.contains(m.first_day()))
        .filter_map(|(m, list)| list.last().map(|o| (*m, o.opinion.clone())))
        .collect();
    Some(RecordForm {
        pairing_id: p.id,
        period,
        mentor_names,
        mentee_name,
        mentor_branches,
        situation: p.situation.clone(),
        contacts,
        branch_opinions,
    })
}

/// 形式: the form's Chinese name for a contact's form.
pub fn contact_form_name(form: ContactForm) -> &'static str {
    match form {
        ContactForm::FaceToFace => "面对面",
        ContactForm::DormVisit => "走访宿舍",
        ContactForm::ClassVisit => "下课堂听课",
        ContactForm::SocialPractice => "社会实践",
        ContactForm::Online => "线上",
        ContactForm::Phone => "电话",
    }
}

/// 第一次, 第二次 …: the block's ordinal as the form words it.
pub fn ordinal(n: usize) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    let word = match n {
        0..=9 => DIGITS[n].to_owned(),
        10 => "十".to_owned(),
        11..=19 => format!("十{}", DIGITS[n % 10]),
        20..=99 if n.is_multiple_of(10) => format!("{}十", DIGITS[n / 10]),
        20..=99 => format!("{}十{}", DIGITS[n / 10], DIGITS[n % 10]),
        _ => n.to_string(),
    };
    format!("第{word}次")
}

/// 附件二 「量化考核表」 of one person under one rubric for one period: the header line
/// (班级, 姓名, 学号) and the assessment itself, each item with its 评分标准 and the three
/// evaluators' columns.
#[derive(Clone, Debug, PartialEq)]
pub struct AssessmentForm {
    pub title: String,
    /// 班级: the person's classes, each once.
    pub classes: Vec<String>,
    pub name: String,
    pub number: String,
    pub rows: Vec<AssessmentRow>,
    pub assessment: Assessment,
}

/// One line of 附件二.
#[derive(Clone, Debug, PartialEq)]
pub struct AssessmentRow {
    /// 项目: the section's title.
    pub section: String,
    /// 考评内容.
    pub title: String,
    /// 分值.
    pub max: f64,
    /// 评分标准, as the rubric words it.
    pub standard: Option<String>,
    /// What the events give.
    pub computed: f64,
    /// 自评, 组织部考评, 支部考评: each evaluator's latest score, when given.
    pub self_assessment: Option<f64>,
    pub organization: Option<f64>,
    pub branch: Option<f64>,
}

/// 附件二 for `person` under `rubric` over `period`; `None` when there is no such person.
pub fn assessment_form(state: &State, rubric: &Rubric, person: Uuid, period: Period) -> Option<AssessmentForm> {
    let p = state.person(person)?;
    let assessment = rubric::evaluate(rubric, state, p, period);
    let mut classes: Vec<String> = Vec::new();
    for u in p.org_unit_ids.iter().filter_map(|u| state.org_unit(*u)) {
        if u.kind == OrgUnitKind::Class && !classes.contains(&u.name) {
            classes.push(u.name.clone());
        }
    }
    let rows = assessment
        .items
        .iter()
        .map(|i| {
            let latest = |role: EvaluatorRole| {
                i.evaluations
                    .iter()
                    .rev()
                    .find(|e| e.evaluator == role)
                    .map(|e| e.score)
            };
            AssessmentRow {
                section: i.section.clone(),
                title: i.title.clone(),
                max: i.max,
                standard: rubric.item(&i.key).and_then(|d| d.description.clone()),
                computed: i.computed,
                self_assessment: latest(EvaluatorRole::SelfAssessment),
                organization: latest(EvaluatorRole::Organization),
                branch: latest(EvaluatorRole::Branch),
            }
        })
        .collect();
    Some(AssessmentForm {
        title: rubric.title.clone(),
        classes,
        name: p.name.clone(),
        number: p.number.clone(),
        rows,
        assessment,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;
    use crate::vocab::Stage;

    #[test]
    fn ordinals_read_as_the_form_words_them() {
        let words: Vec<String> = [1, 2, 4, 10, 11, 20, 23].into_iter().map(ordinal).collect();
        assert_eq!(
            words,
            [
                "第一次",
                "第二次",
                "第四次",
                "第十次",
                "第十一次",
                "第二十次",
                "第二十三次"
            ]
        );
    }

    #[test]
    fn the_record_form_holds_the_periods_contacts_and_opinions() {
        let mut w = World::new();
        let Campus {
            college, branch, class, ..
        } = w.campus();
        let mentor = w.register_as("陈静", &[college, branch], Stage::Full, Some("2023-06-01"));
        let mentee = w.register_as("刘洋", &[college, class], Stage::Activist, Some("2025-03-01"));
        let p = w.form_pairing(&[mentor], mentee, "2025-09-01", monthly(1));
        // Term 1 of 2025-2026 runs 1 Sep – end of February: three contacts in it (the one
        // at 23:30 on 28 Feb Shanghai time still counts), one after it.
        w.contact(p, "2025-09-05T19:00:00+08:00");
        w.contact(p, "2025-10-08T10:00:00+08:00");
        w.contact(p, "2026-02-28T23:30:00+08:00");
        w.contact(p, "2026-03-02T10:00:00+08:00");
        w.monthly_record(p, "2025-10");
        w.branch_opinion(p, "2025-10");
        let form = record_form(w.state(), p, period("2025-2026-1")).expect("a pairing");
        assert_eq!(form.mentor_names, ["陈静"]);
        assert_eq!(form.mentee_name, "刘洋");
        assert_eq!(form.mentor_branches.len(), 1);
        assert_eq!(form.contacts.len(), 3);
        assert_eq!(form.branch_opinions, [(month("2025-10"), "同意".to_owned())]);
        let next = record_form(w.state(), p, period("2025-2026-2")).expect("a pairing");
        assert_eq!((next.contacts.len(), next.branch_opinions.len()), (1, 0));
    }

    #[test]
    fn the_assessment_form_has_a_row_per_item_with_the_evaluators_columns() {
        let rubric = preset_of("key-target-100");
        let mut w = World::new();
        let Campus { college, class, .. } = w.campus();
        let x = w.register_as("刘洋", &[college, class], Stage::Activist, Some("2025-03-01"));
        w.evaluation(
            x,
            "key-target-100",
            "2025-2026",
            "political_stance",
            EvaluatorRole::SelfAssessment,
            5.0,
        );
        w.evaluation(
            x,
            "key-target-100",
            "2025-2026",
            "political_stance",
            EvaluatorRole::Branch,
            4.5,
        );
        let form = assessment_form(w.state(), &rubric, x, period("2025-2026")).expect("a person");
        assert_eq!(form.rows.len(), rubric.items().count());
        let stance = &form.rows[0];
        assert_eq!(
            (stance.max, stance.self_assessment, stance.organization, stance.branch),
            (5.0, Some(5.0), None, Some(4.5))
        );
        assert!(stance.standard.as_deref().is_some_and(|s| s.contains("政治立场")));
        // No facts: theory 5 + attendance 10 + dorm 10 + participation 5 = 30, plus the
        // branch's 4.5 for 政治立场: 34.5.
        assert_eq!(form.assessment.total, 34.5);
        assert_eq!(form.classes.len(), 1);
    }
}
