use super::*;
use crate::vocab::Stage;
use chrono::Months;

#[derive(Clone, Debug)]
pub struct RegisterPerson {
    pub id: Uuid,
    pub number: String,
    pub name: String,
    pub org_unit_ids: Vec<Uuid>,
    pub stage: Stage,
    pub stage_since: Option<NaiveDate>,
    pub key_cultivation_target: bool,
    /// 联系方式: a phone number, a WeChat id … free text, at most [`MAX_CONTACT`] characters.
    pub contact: Option<String>,
    /// 邮箱: shaped like an address ([`is_email`]), at most [`MAX_EMAIL`] characters.
    pub email: Option<String>,
}

/// Longest person number (学号 / 工号).
pub const MAX_NUMBER: usize = 64;
/// Longest 联系方式.
pub const MAX_CONTACT: usize = 100;
/// Longest e-mail address (RFC 5321's path limit).
pub const MAX_EMAIL: usize = 254;

/// Shaped like an e-mail address: `local@domain.tld`, no spaces or control characters, one
/// `@`, a local part of at most 64 characters not starting or ending with a dot, a domain of
/// at least two dot-separated labels of letters, digits and hyphens. Bangfu sends no mail,
/// so no more is asked: the check catches a name or a phone number typed in the wrong box.
pub fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.chars().count() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && local.chars().all(|c| !c.is_whitespace() && !c.is_control() && c != '@');
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    local_ok && domain_ok
}

/// A person number (学号 / 工号) is unique in the school.
pub fn register_person(state: &State, input: RegisterPerson, now: DateTime<Utc>) -> Result<Decision, DomainError> {
    let number = required_text("number", &input.number, MAX_NUMBER)?;
    let name = required_text("name", &input.name, MAX_NAME)?;
    let contact = optional_text("contact", input.contact.as_deref(), MAX_CONTACT)?;
    let email = optional_text("email", input.email.as_deref(), MAX_EMAIL)?;
    if email.as_deref().is_some_and(|email| !is_email(email)) {
        return Err(DomainError::bad(
            "email",
            "is not an e-mail address (name@example.edu.cn)",
        ));
    }
    if state.person_by_number(&number).is_some() {
        return Err(DomainError::Conflict(format!(
            "person number {number} is registered already"
        )));
    }
    if input.org_unit_ids.is_empty() {
        return Err(DomainError::bad("orgUnitIds", "a person belongs to at least one unit"));
    }
    if input.org_unit_ids.len() > MAX_UNITS {
        return Err(DomainError::bad(
            "orgUnitIds",
            format!("a person belongs to at most {MAX_UNITS} units"),
        ));
    }
    let mut units = Vec::with_capacity(input.org_unit_ids.len());
    for unit in input.org_unit_ids {
        if state.org_unit(unit).is_none() {
            return Err(DomainError::not_found("org unit", unit));
        }
        if !units.contains(&unit) {
            units.push(unit);
        }
    }
    if let Some(since) = input.stage_since {
        not_in_future("stageSince", since, now)?;
    }
    if input.key_cultivation_target && input.stage != Stage::Activist {
        return Err(DomainError::bad(
            "keyCultivationTarget",
            "only an activist (入党积极分子) can be a key cultivation target",
        ));
    }
    let event = Event::PersonRegistered {
        person_id: input.id,
        number,
        name,
        org_unit_ids: units,
        stage: input.stage,
        stage_since: input.stage_since,
        key_cultivation_target: input.key_cultivation_target,
        contact,
        email,
    };
    Ok(Decision::one(state, input.id, event))
}

#[derive(Clone, Debug)]
pub struct ChangeStage {
    pub person_id: Uuid,
    pub stage: Stage,
    pub effective_on: NaiveDate,
}

/// 发展党员工作细则: stages move forward one at a time; an activist becomes a development
/// target after at least a year as an activist; a probationary member becomes full after
/// the probationary year (plus any extension).
pub fn change_stage(state: &State, input: ChangeStage, now: DateTime<Utc>) -> Result<Decision, DomainError> {
    let person = person(state, input.person_id)?;
    not_in_future("effectiveOn", input.effective_on, now)?;
    let expected = person
        .stage
        .next()
        .ok_or_else(|| DomainError::bad("stage", "a full member has no further stage"))?;
    if input.stage != expected {
        return Err(DomainError::bad(
            "stage",
            format!(
                "stages move forward one at a time: from {:?} the next stage is {:?}",
                person.stage, expected
            ),
        ));
    }
    if let Some(since) = person.stage_since {
        if input.effective_on < since {
            return Err(DomainError::bad(
                "effectiveOn",
                format!("is before the current stage began on {since}"),
            ));
        }
        if let Some(allowed) = earliest_next_stage(person.stage, since, person.probation_extension_months)
            && input.effective_on < allowed
        {
            let rule = match person.stage {
                Stage::Activist => "an activist becomes a development target after at least one year as an activist",
                _ => "a probationary member becomes full after the probationary year and any extension",
            };
            return Err(DomainError::bad(
                "effectiveOn",
                format!("{rule}: allowed from {allowed}"),
            ));
        }
    }
    let event = Event::StageChanged {
        person_id: person.id,
        stage: input.stage,
        effective_on: input.effective_on,
    };
    Ok(Decision::one(state, person.id, event))
}

/// The first day the next stage may begin, where a waiting period applies.
pub fn earliest_next_stage(stage: Stage, since: NaiveDate, extension_months: u32) -> Option<NaiveDate> {
    match stage {
        Stage::Activist => since.checked_add_months(Months::new(12)),
        Stage::Probationary => since.checked_add_months(Months::new(12 + extension_months)),
        _ => None,
    }
}

#[derive(Clone, Debug)]
pub struct ExtendProbation {
    pub person_id: Uuid,
    pub months: u32,
    pub reason: String,
}

/// 延长预备期: six months to a year, and never more than a year in all.
pub fn extend_probation(state: &State, input: ExtendProbation) -> Result<Decision, DomainError> {
    let person = person(state, input.person_id)?;
    if person.stage != Stage::Probationary {
        return Err(DomainError::bad(
            "personId",
            "only a probationary member's period can be extended",
        ));
    }
    if !(6..=12).contains(&input.months) {
        return Err(DomainError::bad("months", "an extension is 6 to 12 months"));
    }
    if person.probation_extension_months + input.months > 12 {
        return Err(DomainError::bad(
            "months",
            format!(
                "the probationary period can be extended by at most 12 months in all ({} already)",
                person.probation_extension_months
            ),
        ));
    }
    let reason = required_text("reason", &input.reason, MAX_TEXT)?;
    let event = Event::ProbationExtended {
        person_id: person.id,
        months: input.months,
        reason,
    };
    Ok(Decision::one(state, person.id, event))
}

#[derive(Clone, Debug)]
pub struct WithdrawQualification {
    pub person_id: Uuid,
    pub effective_on: NaiveDate,
    pub reason: String,
}

/// 取消预备党员资格.
pub fn withdraw_qualification(
    state: &State,
    input: WithdrawQualification,
    now: DateTime<Utc>,
) -> Result<Decision, DomainError> {
    let person = person(state, input.person_id)?;
    if person.stage != Stage::Probationary {
        return Err(DomainError::bad(
            "personId",
            "only a probationary member's qualification can be withdrawn",
        ));
    }
    not_in_future("effectiveOn", input.effective_on, now)?;
    let reason = required_text("reason", &input.reason, MAX_TEXT)?;
    let event = Event::QualificationWithdrawn {
        person_id: person.id,
        effective_on: input.effective_on,
        reason,
    };
    Ok(Decision::one(state, person.id, event))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;

    fn change(
        person_id: Uuid,
        stage: Stage,
        on: &str,
    ) -> impl FnOnce(&State, DateTime<Utc>) -> Result<Decision, DomainError> {
        let input = ChangeStage {
            person_id,
            stage,
            effective_on: day(on),
        };
        move |s, now| change_stage(s, input, now)
    }

    fn extend(person_id: Uuid, months: u32) -> impl FnOnce(&State, DateTime<Utc>) -> Result<Decision, DomainError> {
        let input = ExtendProbation {
            person_id,
            months,
            reason: "表现不足".into(),
        };
        move |s, _| extend_probation(s, input)
    }

    #[test]
    fn a_number_is_registered_once() {
        let mut w = World::new();
        let school = w.school();
        let first = w.register(&[school], Stage::NonParty);
        let number = w.person(first).number.clone();
        let again = RegisterPerson {
            id: Uuid::from_u128(7),
            number,
            name: "重复".into(),
            org_unit_ids: vec![school],
            stage: Stage::NonParty,
            stage_since: None,
            key_cultivation_target: false,
            contact: None,
            email: None,
        };
        w.when(|s, now| register_person(s, again, now)).then_conflict();
    }

    fn with_contact(contact: &str, email: &str, unit: Uuid) -> RegisterPerson {
        RegisterPerson {
            id: Uuid::from_u128(70),
            number: "2025070".into(),
            name: "联系".into(),
            org_unit_ids: vec![unit],
            stage: Stage::NonParty,
            stage_since: None,
            key_cultivation_target: false,
            contact: Some(contact.into()),
            email: Some(email.into()),
        }
    }

    #[test]
    fn a_contact_and_an_email_are_kept_trimmed_and_a_blank_one_is_none() {
        let mut w = World::new();
        let school = w.school();
        let input = with_contact(" 13800138000 ", "  ", school);
        w.when(|s, now| register_person(s, input, now)).then_applied();
        let person = w.person(Uuid::from_u128(70));
        assert_eq!(person.contact.as_deref(), Some("13800138000"));
        assert_eq!(person.email, None);
    }

    #[test]
    fn an_email_must_look_like_one_and_a_contact_be_short() {
        let mut w = World::new();
        let school = w.school();
        for bad in ["张三", "a@b", "a b@x.cn", "@x.cn", "a@x..cn", "a@@x.cn", "a@-x.cn"] {
            let input = with_contact("1", bad, school);
            w.when(|s, now| register_person(s, input, now)).then_refuses("email");
        }
        let long = "1".repeat(MAX_CONTACT + 1);
        let input = with_contact(&long, "a@x.cn", school);
        w.when(|s, now| register_person(s, input, now)).then_refuses("contact");
        assert!(is_email("li.si@mail.example.edu.cn") && is_email("王@学校.中国"));
    }

    #[test]
    fn stages_move_forward_one_at_a_time() {
        let mut w = World::new();
        let p = w.register_since(&[], Stage::Applicant, "2024-03-01");
        w.when(change(p, Stage::DevelopmentTarget, "2025-03-01"))
            .then_refuses("stage");
        let p2 = w.register_since(&[], Stage::Activist, "2024-03-01");
        w.when(change(p2, Stage::Applicant, "2025-03-01")).then_refuses("stage");
        w.when(change(p, Stage::Activist, "2025-03-01"))
            .then_events(vec![Event::StageChanged {
                person_id: p,
                stage: Stage::Activist,
                effective_on: day("2025-03-01"),
            }]);
    }

    #[test]
    fn an_activist_waits_a_year_and_is_told_from_when() {
        let mut w = World::new();
        let p = w.register_since(&[], Stage::Activist, "2025-10-15");
        let message = w
            .when(change(p, Stage::DevelopmentTarget, "2026-06-01"))
            .then_refuses("effectiveOn");
        assert!(message.contains("2026-10-15"), "{message}");
        let p2 = w.register_since(&[], Stage::Activist, "2025-06-01");
        w.when(change(p2, Stage::DevelopmentTarget, "2026-06-01"))
            .then_decided();
    }

    #[test]
    fn a_probationary_member_becomes_full_after_the_year_and_its_extension() {
        let mut w = World::new();
        let p = w.register_since(&[], Stage::Probationary, "2025-01-10");
        w.when(change(p, Stage::Full, "2026-01-10")).then_decided();
        w.when(extend(p, 6)).then_applied();
        match w.when(change(p, Stage::Full, "2026-01-10")).then_error() {
            DomainError::BadInput { message, .. } => assert!(message.contains("2026-07-10"), "{message}"),
            other => panic!("expected a refusal, got {other:?}"),
        }
        w.when(change(p, Stage::Full, "2026-06-30")).then_error();
    }

    #[test]
    fn an_extension_is_six_to_twelve_months_in_all() {
        let mut w = World::new();
        let p = w.register_since(&[], Stage::Probationary, "2025-01-10");
        w.when(extend(p, 3)).then_refuses("months");
        w.when(extend(p, 8)).then_applied();
        w.when(extend(p, 6)).then_refuses("months");
        let full = w.register(&[], Stage::Full);
        w.when(extend(full, 6)).then_refuses("personId");
    }

    #[test]
    fn withdrawing_a_qualification_returns_the_person_to_non_party() {
        let mut w = World::new();
        let p = w.register_since(&[], Stage::Probationary, "2025-09-01");
        let input = WithdrawQualification {
            person_id: p,
            effective_on: day("2026-03-01"),
            reason: "不合格".into(),
        };
        w.when(|s, now| withdraw_qualification(s, input, now)).then_applied();
        assert_eq!(w.person(p).stage, Stage::NonParty);
    }

    #[test]
    fn a_stage_change_cannot_be_dated_in_the_future() {
        let mut w = World::new();
        let p = w.register(&[], Stage::NonParty);
        w.when(change(p, Stage::Applicant, "2026-07-01"))
            .then_refuses("effectiveOn");
    }
}
